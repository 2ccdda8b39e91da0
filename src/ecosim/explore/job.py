"""``ecosim explore``: scenario discovery, the robust search, the frontier and the inverse question.

:func:`explore` runs the stages an :class:`~ecosim.explore.spec.ExploreSpec`
asks for, in order, sharing one evaluator (so a policy met twice runs once):

1. ``discover``: a Latin hypercube (or Sobol) sample of the lever space, run
   at every uncertainty point and seed, ranked under every draw; PRIM boxes
   over levers and uncertainties for the cases reaching k cities (or the best
   k enough cases reach);
2. ``search``: the robust search at the given total budget (announced
   setting first), for k and for the best k reachable;
3. ``frontier``: the best setting at each budget of a grid, confirmed on fresh
   seeds, and the smallest budget reaching the target (or the statement that
   none up to the ceiling does).

It writes tables, plots and a report to the output folder (default
``results/startup_cities_2030/<name>``, beside the main job's results) and
returns them. Everything resumes: runs from the results store, searches from
their SQLite study.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.explore.discovery import Box, box_table, choose_k, find_boxes
from ecosim.explore.levers import LeverSpace, Policy
from ecosim.explore.sampling import policy_sample
from ecosim.explore.search import Answer, PolicySearch, SearchResult
from ecosim.explore.spec import ExploreSpec
from ecosim.explore.stats import best_reachable_k, kth_rank, ordinal, policy_table
from ecosim.inputs.scenario import to_dict
from ecosim.vocab import LEVERS

__all__ = ["ExploreResult", "confirm", "default_out", "explore"]


@dataclass
class ExploreResult:
    """What an exploration produced (also written to ``out``).

    Attributes:
        out: The output folder.
        spec: The exploration.
        policies: Every evaluated policy: its levers and robust statistics.
        search: The search at the given budget (k = ``outcomes.k``).
        best_k: The best k reachable at that budget (P >= target), and its
            search when one ran (``best_k_trials``).
        frontier: The best P(at least k) per budget.
        answer: The inverse question's answer.
        splits: The best setting's packages per frontier budget.
        boxes: The PRIM boxes; ``prim_note`` says which cases they describe.
        report: The printed summary.
        runs: Runs used (executed now or found on disk), executed now, and seconds.
    """

    out: Path
    spec: ExploreSpec
    policies: pd.DataFrame
    search: SearchResult | None = None
    best_k: tuple[int, SearchResult | None] | None = None
    frontier: pd.DataFrame | None = None
    answer: Answer | None = None
    splits: pd.DataFrame | None = None
    boxes: list[Box] = field(default_factory=list)
    prim_note: str = ""
    report: str = ""
    runs: dict[str, float] = field(default_factory=dict)


def default_out(spec: ExploreSpec) -> Path:
    """``execution.out``, else ``results/startup_cities_2030/<name>`` (beside the main job)."""
    return Path(spec.execution.get("out") or Path("results/startup_cities_2030") / spec.name)


def explore(spec: ExploreSpec | str | Path, out: str | Path | None = None, *,
            executor: Any = None, workers: int | None = None, scheduler: Any = None,
            progress: bool = True, plots: bool = True, evaluator: Any = None,
            log: Callable[[str], None] = print) -> ExploreResult:
    """Run the exploration's stages and write its tables, plots and report.

    Args:
        spec: The exploration, or its TOML file.
        out: Output folder (default :func:`default_out`).
        executor: ``"serial"``, ``"processes"`` or ``"dask"`` (default: the spec's).
        workers: Worker processes.
        scheduler: Dask scheduler address or Client.
        progress: Show progress bars.
        plots: Write the PNG plots.
        evaluator: A stand-in for the model (e.g. :class:`~ecosim.explore.toy.ToyWorld`).
        log: Called with each line of progress and the report.

    Returns:
        The results.

    Raises:
        ExploreError: The declaration is invalid (nothing has run).
        ExploreRunError: Some runs failed (the rest are kept; run again to retry).
    """
    from ecosim.explore.evaluate import ModelEvaluator

    spec = ExploreSpec.from_toml(spec) if isinstance(spec, str | Path) else spec.validate()
    out = Path(out) if out is not None else default_out(spec)
    out.mkdir(parents=True, exist_ok=True)
    (out / "explore.json").write_text(json.dumps(spec.to_dict(), indent=2, default=str))
    space = LeverSpace.from_spec(spec)
    own = evaluator is None
    if own:
        evaluator = ModelEvaluator(spec, out, executor=executor, workers=workers,
                                   scheduler=scheduler, progress=progress)
    t0 = time.perf_counter()
    searcher = PolicySearch(evaluator, space, top=spec.outcomes.top, seed=spec.root_seed,
                            storage=f"sqlite:///{(out / 'search.db').resolve()}", log=log)
    result = ExploreResult(out=out, spec=spec, policies=pd.DataFrame())
    labels: dict[str, str] = {}
    try:
        if "discover" in spec.stages:
            _discover(spec, space, searcher, result, labels, log)
        if "search" in spec.stages:
            _search(spec, space, searcher, result, labels)
        if "frontier" in spec.stages:
            _frontier(spec, space, searcher, result, labels)
    finally:
        if own:
            evaluator.close()
    result.runs = {"executed": float(getattr(evaluator, "executed", np.nan)),
                   "used": float(len(getattr(evaluator, "used", ())) or np.nan),
                   "run_seconds": float(getattr(evaluator, "run_seconds", np.nan)),
                   "wall_seconds": time.perf_counter() - t0}
    result.policies = _policies(spec, space, searcher, labels)
    _write(result, searcher, plots)
    result.report = report(result)
    (out / "report.txt").write_text(result.report + "\n")
    log(result.report)
    return result


def confirm(spec: ExploreSpec, policies: list[Policy], *, scale: float, replicates: int,
            out: str | Path, executor: Any = None, workers: int | None = None,
            progress: bool = True) -> pd.DataFrame:
    """Evaluate ``policies`` again at another scale, on ``replicates`` seeds.

    The ranking is fitted afresh on reference runs at that scale. Use it to see
    whether what a small-scale search found holds at a larger scale.

    Returns:
        :func:`~ecosim.explore.stats.policy_table` of the policies (plus ``scale``).
    """
    import dataclasses

    from ecosim.explore.evaluate import ModelEvaluator

    at = dataclasses.replace(spec, scale=scale, uncertainties=dataclasses.replace(
        spec.uncertainties, replicates=replicates)).validate()
    with ModelEvaluator(at, out, executor=executor, workers=workers, progress=progress) as ev:
        cases = ev.evaluate(policies)
    o = spec.outcomes
    table = policy_table(cases, k=o.k, top=o.top, cities=ev.ranked_cities)
    return table.assign(scale=scale)


def digest(spec: ExploreSpec) -> str:
    """What the search results depend on, hashed: studies resume only under the same one."""
    d = spec.to_dict()
    keep = {k: d[k] for k in ("scale", "root_seed", "uncertainties", "levers", "outcomes")}
    keep["base"] = to_dict(spec.base_scenario)
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()[:8]


# --------------------------------------------------------------------------- stages


def _discover(spec: ExploreSpec, space: LeverSpace, searcher: PolicySearch,
              result: ExploreResult, labels: dict[str, str], log: Callable) -> None:
    d, o = spec.discovery, spec.outcomes
    policies = policy_sample(space, d.policies, d.sampling, seed=spec.root_seed)
    for p in policies:
        labels.setdefault(p.id, "sample")
    log(f"discover: {len(policies)} lever settings x {len(_points(searcher))} uncertainty "
        f"points x {searcher.evaluator.replicates} seeds")
    cases = pd.concat(searcher.evaluate(policies).values(), ignore_index=True)
    levers = pd.DataFrame([space.row(p) for p in policies]).drop(columns=["label"])
    lever_cols = [c for c in levers.columns if c != "policy"]
    uncertain = [c for c in cases.columns if c.startswith("ranking:")] + [
        c for c in _points(searcher)[0]]
    data = cases.merge(levers, on="policy", how="left")
    data.to_parquet(result.out / "discovery_cases.parquet", index=False)
    if d.rank_threshold is not None:
        k = d.k or o.k
        y = kth_rank(data, k, searcher.cities) <= d.rank_threshold
        note = (f"cases whose {ordinal(k)} best Korean city ranks {d.rank_threshold:g} or "
                f"better ({int(y.sum())} of {len(y)})")
    else:
        k, note = choose_k(data["n_top"], d.k or o.k, d.min_cases, d.min_share)
        y = (data["n_top"] >= k).to_numpy()
    if y.all() or not y.any():
        result.prim_note = f"{note}: {'every' if y.all() else 'no'} case is, so there is " \
            "nothing to discover"
        return
    result.boxes = find_boxes(data[lever_cols + uncertain], y, boxes=d.boxes,
                              min_density=d.min_density, peel_alpha=d.peel_alpha,
                              max_qp=d.max_qp)
    result.prim_note = note


def _search(spec: ExploreSpec, space: LeverSpace, searcher: PolicySearch,
            result: ExploreResult, labels: dict[str, str]) -> None:
    s, o = spec.search, spec.outcomes
    budget = spec.search_budget
    announced = space.announced()
    enqueue = [announced] if announced is not None else []
    if announced is not None:
        labels[space.policy(announced, budget=budget).id] = "announced"
    tag = digest(spec)
    res = searcher.search(budget=budget, k=o.k, trials=s.trials, batch=s.batch,
                          name=f"{tag}-search-{budget:.0f}-k{o.k}", enqueue=enqueue,
                          labels=labels)
    for pid in res.trials["policy"]:
        labels.setdefault(pid, "search")
    result.search = res
    tried = [searcher.policies[p] for p in res.trials["policy"] if p in searcher.policies]
    cases = pd.concat([searcher.cases[p.id] for p in tried], ignore_index=True)
    table = policy_table(cases, k=o.k, top=o.top, cities=searcher.cities)
    best_k = best_reachable_k(table, o.target, len(searcher.cities))
    k_search = None
    if best_k and best_k != o.k and s.best_k_trials > 0:
        k_search = searcher.search(budget=budget, k=best_k, trials=s.best_k_trials,
                                   batch=s.batch, name=f"{tag}-search-{budget:.0f}-k{best_k}",
                                   warm=tried, labels=labels)
        for pid in k_search.trials["policy"]:
            labels.setdefault(pid, "search")
    result.best_k = (best_k, k_search)


def _frontier(spec: ExploreSpec, space: LeverSpace, searcher: PolicySearch,
              result: ExploreResult, labels: dict[str, str]) -> None:
    s, o = spec.search, spec.outcomes
    known = {}
    first: list[dict[str, Any]] = []
    announced = space.announced()
    if announced is not None:
        first.append({n: v for n, v in announced.items() if n != "budget_krw"})
    if result.search is not None:
        known[result.search.budget_krw] = result.search
        first.append({n: v for n, v in result.search.best.values.items() if n != "budget_krw"})
    grid = [b for b in s.frontier_krw]
    frontier, searches = searcher.frontier(grid, k=o.k, trials=s.frontier_trials,
                                           batch=s.batch, confirm=s.confirm_replicates,
                                           name=f"{digest(spec)}-frontier-k{o.k}", first=first,
                                           known={b: r for b, r in known.items() if b in grid})
    for res in searches.values():
        for pid in res.trials["policy"]:
            labels.setdefault(pid, "frontier")
    answer = searcher.smallest_budget(frontier, searches, k=o.k, target=o.target,
                                      steps=s.bisect_steps, confirm=s.confirm_replicates)
    if not answer.steps.empty:
        for pid in answer.steps["policy"]:
            labels.setdefault(pid, "bisection")
    result.frontier, result.answer = frontier, answer
    bests = [(b, searches[b].best) for b in grid]
    if result.search is not None and result.search.budget_krw not in grid:
        bests.append((result.search.budget_krw, result.search.best))
    result.splits = split_table(sorted(bests, key=lambda t: t[0]))


def split_table(bests: list[tuple[float, Policy]]) -> pd.DataFrame:
    """One row per (total budget, designated city) of the best policies: budget and shares."""
    rows = []
    for total, policy in bests:
        for p in policy.packages:
            rows.append({"budget_krw": total, "policy": policy.id, "city": p.city,
                         "city_budget_krw": p.budget_krw, "start_year": policy.start_year,
                         **{f"share:{k}": p.shares[k] for k in LEVERS}})
    return pd.DataFrame(rows)


def _points(searcher: PolicySearch) -> list[dict[str, Any]]:
    return getattr(searcher.evaluator, "points", [{}])


def _policies(spec: ExploreSpec, space: LeverSpace, searcher: PolicySearch,
              labels: dict[str, str]) -> pd.DataFrame:
    o = spec.outcomes
    ids = [p for p in searcher.cases if "@" not in p]
    if not ids:
        return pd.DataFrame()
    cases = pd.concat([searcher.cases[p] for p in ids], ignore_index=True)
    stats = policy_table(cases, k=o.k, top=o.top, cities=searcher.cities)
    levers = pd.DataFrame([space.row(searcher.policies[p]) for p in ids])
    levers["label"] = [labels.get(p, searcher.policies[p].label) for p in ids]
    return levers.merge(stats, on="policy")


# --------------------------------------------------------------------------- writing


def _write(result: ExploreResult, searcher: PolicySearch, plots: bool) -> None:
    out, spec = result.out, result.spec
    o = spec.outcomes
    if not result.policies.empty:
        result.policies.to_csv(out / "policies.csv", index=False)
        pd.concat(searcher.cases.values(), ignore_index=True).drop_duplicates(
            ["policy", "point", "replicate", "draw"]).to_parquet(out / "cases.parquet",
                                                                   index=False)
    if result.search is not None:
        result.search.trials.to_csv(out / "search_trials.csv", index=False)
    if result.frontier is not None:
        result.frontier.to_csv(out / "frontier.csv", index=False)
        result.splits.to_csv(out / "best_splits.csv", index=False)
        if result.answer is not None and not result.answer.steps.empty:
            result.answer.steps.to_csv(out / "bisection.csv", index=False)
    if result.boxes or result.prim_note:
        box_table(result.boxes).to_csv(out / "prim_boxes.csv", index=False)
        (out / "prim_rules.txt").write_text(_prim_text(result) + "\n")
    if not plots:
        return
    from ecosim.explore.plots import frontier_plot, prim_plot, split_plot

    if result.frontier is not None:
        frontier_plot(result.frontier, result.policies, k=o.k, top=o.top, target=o.target,
                      path=out / "frontier.png")
        split_plot(result.splits, out / "splits.png")
    if "discover" in spec.stages:
        prim_plot(result.boxes, out / "prim_boxes.png", title=result.prim_note)


def _prim_text(result: ExploreResult) -> str:
    lines = [f"PRIM over levers and uncertainties: {result.prim_note}"]
    lines += [str(b) for b in result.boxes] or ["(no box)"]
    return "\n".join(lines)


def _money(krw: float) -> str:
    return f"KRW {krw / 1e9:,.0f} bn"


def report(result: ExploreResult) -> str:
    """The exploration's summary as text (also ``report.txt``)."""
    spec, o, u = result.spec, result.spec.outcomes, result.spec.uncertainties
    lines = [f"Which policy gets closest: {spec.name} (base {spec.to_dict()['base']}, scale "
             f"{spec.scale:g}, {u.points} uncertainty point(s) x {u.replicates} seeds x "
             f"{max(u.ranking_draws, 1)} ranking draws; P(at least {o.k} Korean cities in the "
             f"top {o.top} in {o.year}))"]
    r = result.runs
    if np.isfinite(r.get("executed", np.nan)):
        lines.append(f"runs: {r['used']:.0f} used, of which {r['executed']:.0f} executed now "
                     f"({r['run_seconds']:.0f} s of runs; the rest were on disk); wall "
                     f"{r['wall_seconds']:.0f} s")
    pol = result.policies
    if result.search is not None and not pol.empty:
        res = result.search
        row = pol.set_index("policy").loc[res.best.id]
        lines.append(f"\nSearch at {_money(res.budget_krw)} a year ({len(res.trials)} settings):"
                     f" best P(at least {o.k}) = {row[f'p_at_least_{o.k}']:.3f} "
                     f"[{row['p_low']:.3f}-{row['p_high']:.3f}], median rank of the {ordinal(o.k)} "
                     f"best city {row['kth_rank_median']:.0f}")
        ann = pol[pol["label"] == "announced"]
        if not ann.empty:
            a = ann.iloc[0]
            lines.append(f"  announced split at that budget: P = {a[f'p_at_least_{o.k}']:.3f},"
                         f" median rank of the {ordinal(o.k)} best city {a['kth_rank_median']:.0f}")
        if result.best_k is not None:
            k, _ = result.best_k
            at = pol[pol["budget_krw"].round(-6) == round(res.budget_krw, -6)]
            if k:
                best = at.loc[at[f"p_at_least_{k}"].idxmax()]
                lines.append(f"  best k reachable (P >= {o.target:g}): {k}, with P(at least "
                             f"{k}) = {best[f'p_at_least_{k}']:.3f} ({best['policy']})")
            else:
                lines.append(f"  no k is reached with P >= {o.target:g} at this budget")
        lines.append("  best split per city:")
        lines.append(_split_lines(result.search.best))
    if result.frontier is not None:
        f = result.frontier
        lines.append(f"\nFrontier (best setting per budget; P over {u.replicates} search + "
                     f"{spec.search.confirm_replicates} fresh seeds):")
        for _, row in f.iterrows():
            lines.append(f"  {_money(row['budget_krw']):>16}: P = {row['p']:.3f} "
                         f"[{row['p_low']:.3f}-{row['p_high']:.3f}], fresh seeds "
                         f"{row['p_fresh']:.3f}; {ordinal(o.k)} best city's median rank "
                         f"{row['kth_rank_median']:.0f}; mean cities in the top "
                         f"{row['mean_n_top']:.2f}")
        lines.append(f"\nInverse question: {result.answer.statement}")
        if result.answer.policy is not None:
            lines.append(_split_lines(result.answer.policy))
    if result.prim_note:
        lines.append("\n" + _prim_text(result))
    return "\n".join(lines)


def _split_lines(policy: Policy) -> str:
    head = f"    {'city':<12}{'KRW bn/yr':>10}" + "".join(f"{k[:10]:>12}" for k in LEVERS)
    rows = [head]
    for p in policy.packages:
        rows.append(f"    {p.city:<12}{p.budget_krw / 1e9:>10.1f}"
                    + "".join(f"{p.shares[k]:>12.2f}" for k in LEVERS))
    rows.append(f"    from {policy.start_year}; policy {policy.id}")
    return "\n".join(rows)
