"""Robust search over lever settings (optuna), the budget frontier and the inverse question.

Why optuna: its TPE sampler is sample-efficient (tens of trials, not the
thousands of function evaluations an evolutionary search such as EMA
Workbench's ``robust_optimize`` needs; each trial here is several model runs),
it handles real, integer and yes/no variables, it is seedable, its ask/tell
interface lets a whole batch of settings run in parallel through our
executors, and its SQLite storage makes an interrupted search resume. SciPy's
optimisers need smooth, noise-free objectives; ours is a probability
estimated from a few runs.

* :meth:`PolicySearch.search`: maximise the robust objective
  (:func:`ecosim.explore.stats.objective`: P(at least k cities in the top)
  over every uncertainty point, seed and ranking draw, ties broken by how close
  the k-th city gets) over the lever space at a fixed total yearly budget.
* :meth:`PolicySearch.frontier`: the same at each budget of a grid (the best
  settings found so far tried first), each budget's best evaluated again on
  fresh seeds.
* :meth:`PolicySearch.smallest_budget`: the inverse question, by bisection on
  the budget with the best split of the first frontier budget that reaches the
  target, or the statement that none up to the ceiling does, with its evidence.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecosim.explore.levers import LeverSpace, Policy, Variable
from ecosim.explore.stats import objective, ordinal, p_interval

if TYPE_CHECKING:
    from ecosim.explore.evaluate import Evaluator

__all__ = ["Answer", "PolicySearch", "SearchResult"]


@dataclass
class SearchResult:
    """A search at one budget.

    Attributes:
        budget_krw: Total yearly budget (KRW).
        k: Cities in the top the objective counts.
        trials: One row per evaluated setting: trial, policy, objective,
            ``p`` (P(at least k)), the setting's values.
        best: The best policy found.
    """

    budget_krw: float
    k: int
    trials: pd.DataFrame
    best: Policy


@dataclass
class Answer:
    """The inverse question's answer.

    Attributes:
        found: Whether some budget up to the ceiling reaches the target.
        budget_krw: The smallest budget found (NaN when none).
        policy: Its policy (the split), or the ceiling's best when none.
        p: P(at least k) of that policy, and its bootstrap interval.
        statement: The answer in a sentence, with its evidence.
        steps: The bisection's evaluations: budget, p, runs, reached.
    """

    found: bool
    budget_krw: float
    policy: Policy | None
    p: tuple[float, float, float]
    statement: str
    steps: pd.DataFrame = field(default_factory=pd.DataFrame)


def _distribution(v: Variable):
    import optuna

    if v.kind == "real":
        return optuna.distributions.FloatDistribution(v.low, v.high, log=v.log)
    return optuna.distributions.IntDistribution(int(v.low), int(v.high))


class PolicySearch:
    """Searches a lever space against an evaluator, keeping every evaluated case.

    Args:
        evaluator: The model (:class:`~ecosim.explore.evaluate.ModelEvaluator`)
            or a stand-in (:class:`~ecosim.explore.toy.ToyWorld`).
        space: The lever space.
        top: World-rank threshold.
        seed: Seed of the samplers.
        storage: optuna storage URL (``sqlite:///path/search.db``) for resumable
            searches; None keeps them in memory.
        log: Called with a line of progress.

    Attributes:
        cases: Every case evaluated, by policy id.
        policies: Every policy evaluated, by id.
    """

    def __init__(self, evaluator: Evaluator, space: LeverSpace, *, top: int, seed: int = 0,
                 storage: str | None = None, log: Callable[[str], None] = print):
        self.evaluator = evaluator
        self.space = space
        self.top = top
        self.seed = seed
        self.storage = storage
        self.log = log
        self.cities = tuple(evaluator.ranked_cities)
        self.cases: dict[str, pd.DataFrame] = {}
        self.policies: dict[str, Policy] = {}

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, policies: Sequence[Policy], replicates: int | None = None
                 ) -> dict[str, pd.DataFrame]:
        """Cases per policy id (the usual seeds are cached; ``replicates`` asks for more)."""
        todo = [p for p in policies if replicates is not None or p.id not in self.cases]
        if todo:
            cases = self.evaluator.evaluate(todo, replicates=replicates)
            for pid, g in cases.groupby("policy", sort=False):
                if replicates is None:
                    self.cases[pid] = g
                else:  # keep the usual seeds' cases as the cached ones
                    usual = g[g["replicate"] < self.evaluator.replicates]
                    self.cases.setdefault(pid, usual)
                    self.cases[f"{pid}@{replicates}"] = g
        for p in policies:
            self.policies.setdefault(p.id, p)
        key = "" if replicates is None else f"@{replicates}"
        return {p.id: self.cases[f"{p.id}{key}"] for p in policies}

    def score(self, cases: pd.DataFrame, k: int) -> tuple[float, float]:
        """(objective, P(at least k)) of one policy's cases."""
        return objective(cases, k, self.cities, self.top), float((cases["n_top"] >= k).mean())

    # ------------------------------------------------------------------ search
    def search(self, *, budget: float, k: int, trials: int, batch: int = 4, name: str,
               enqueue: Sequence[Mapping[str, Any]] = (), warm: Sequence[Policy] = (),
               labels: Mapping[str, str] | None = None) -> SearchResult:
        """Maximise the robust objective at a fixed total yearly budget.

        Args:
            budget: Total yearly budget (KRW).
            k: Cities in the top the objective counts.
            trials: Settings to evaluate (a resumed search counts those it has).
            batch: Settings evaluated together.
            name: The study's name (its identity in the storage).
            enqueue: Settings tried first (e.g. the announced one, the best so far).
            warm: Policies already evaluated at this budget, told to the sampler
                as finished trials (not counted in ``trials``, not run again).
            labels: Policy id -> label for the table (``announced``).

        Returns:
            The trials and the best policy.
        """
        import optuna
        from optuna.trial import TrialState

        variables = self.space.variables(budget)
        dists = {v.name: _distribution(v) for v in variables}
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            probe = optuna.create_study(study_name=name, storage=self.storage,
                                        direction="maximize", load_if_exists=True)
            sampler = optuna.samplers.TPESampler(
                seed=self.seed + len(probe.trials), multivariate=True, constant_liar=True,
                n_startup_trials=max(4, min(10, trials // 3)))
            study = optuna.create_study(study_name=name, storage=self.storage,
                                        direction="maximize", load_if_exists=True,
                                        sampler=sampler)
        if not study.trials:
            for policy in warm:
                value, p = self.score(self.evaluate([policy])[policy.id], k)
                params = {n: policy.values[n] for n in dists if n in policy.values}
                if len(params) == len(dists):
                    study.add_trial(optuna.trial.create_trial(
                        params=params, distributions=dists, value=value,
                        user_attrs={"policy": policy.id, "p": p, "evaluated": False}))
            for values in enqueue:
                study.enqueue_trial({n: values[n] for n in dists if n in values},
                                    skip_if_exists=True)
        for t in study.trials:  # an interrupted batch: try the same settings again
            if t.state in (TrialState.RUNNING, TrialState.WAITING) and t.params:
                study.tell(t.number, state=TrialState.FAIL)
                study.enqueue_trial(t.params, skip_if_exists=False)

        def evaluated() -> list:
            return [t for t in study.trials if t.state == TrialState.COMPLETE
                    and t.user_attrs.get("evaluated")]

        while len(evaluated()) < trials:
            n = min(batch, trials - len(evaluated()))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                asked = [study.ask(dists) for _ in range(n)]
            policies = [self.space.policy(t.params, budget=budget) for t in asked]
            cases = self.evaluate(policies)
            for t, policy in zip(asked, policies, strict=True):
                value, p = self.score(cases[policy.id], k)
                t.set_user_attr("policy", policy.id)
                t.set_user_attr("p", p)
                t.set_user_attr("evaluated", True)
                study.tell(t, value)
            best = max(evaluated(), key=lambda t: t.value)
            self.log(f"{name}: {len(evaluated())}/{trials} settings; best P(at least {k}) = "
                     f"{best.user_attrs['p']:.3f} ({best.user_attrs['policy']})")
        missing = [self.space.policy(t.params, budget=budget) for t in evaluated()
                   if t.user_attrs["policy"] not in self.cases]
        if missing:  # a resumed study: its earlier trials' cases come from the store
            self.evaluate(missing)
        rows = []
        for t in evaluated():
            rows.append({"trial": t.number, "policy": t.user_attrs["policy"],
                         "label": (labels or {}).get(t.user_attrs["policy"], ""),
                         "objective": t.value, "p": t.user_attrs["p"], **t.params})
        trials_table = pd.DataFrame(rows)
        best_id = trials_table.loc[trials_table["objective"].idxmax(), "policy"]
        return SearchResult(budget_krw=budget, k=k, trials=trials_table,
                            best=self.policies[best_id])

    # ------------------------------------------------------------------ frontier
    def frontier(self, budgets: Sequence[float], *, k: int, trials: int, batch: int,
                 confirm: int, name: str, first: Sequence[Mapping[str, Any]] = (),
                 known: Mapping[float, SearchResult] | None = None
                 ) -> tuple[pd.DataFrame, dict[float, SearchResult]]:
        """The best P(at least k) found at each budget, and each budget's search.

        Args:
            budgets: Yearly budgets (KRW), ascending.
            k: Cities in the top.
            trials: Settings tried per budget.
            batch: Settings evaluated together.
            confirm: Fresh seeds on which each budget's best is evaluated again.
            name: Prefix of the studies' names.
            first: Settings tried first at every budget (the best ones found so
                far are added as the frontier climbs).
            known: Searches already done at some of these budgets (reused).

        Returns:
            The frontier (one row per budget, 0 for the reference: ``p`` over
            every seed, ``p_search`` over the search's seeds, ``p_fresh`` over the
            fresh ones, the interval, the k-th best rank) and the searches.
        """
        usual = self.evaluator.replicates
        reps = usual + confirm
        searches: dict[float, SearchResult] = dict(known or {})
        seeds = [dict(v) for v in first]
        rows = [self._frontier_row(0.0, self.space.reference(), k, reps, usual, 0)]
        for budget in budgets:
            if budget not in searches:
                searches[budget] = self.search(
                    budget=budget, k=k, trials=trials, batch=batch,
                    name=f"{name}-{budget:.0f}", enqueue=seeds[-3:])
            best = searches[budget].best
            seeds.append({n: v for n, v in best.values.items() if n != "budget_krw"})
            rows.append(self._frontier_row(budget, best, k, reps, usual,
                                           len(searches[budget].trials)))
        return pd.DataFrame(rows), searches

    def _frontier_row(self, budget: float, policy: Policy, k: int, reps: int, usual: int,
                      tried: int) -> dict[str, Any]:
        cases = self.evaluate([policy], replicates=reps)[policy.id]
        fresh = cases[cases["replicate"] >= usual]
        search = cases[cases["replicate"] < usual]
        lo, hi = p_interval(cases, k)
        return {"budget_krw": budget, "policy": policy.id, "settings_tried": tried,
                "runs": cases["run_id"].nunique(), "cases": len(cases),
                "p": float((cases["n_top"] >= k).mean()), "p_low": lo, "p_high": hi,
                "p_search": float((search["n_top"] >= k).mean()),
                "p_fresh": float((fresh["n_top"] >= k).mean()) if len(fresh) else math.nan,
                "kth_rank_median": float(np.median(np.sort(
                    cases[[f"rank:{c}" for c in self.cities]].to_numpy(float),
                    axis=1)[:, k - 1])),
                "mean_n_top": float(cases["n_top"].mean())}

    # ------------------------------------------------------------------ inverse
    def smallest_budget(self, frontier: pd.DataFrame, searches: Mapping[float, SearchResult],
                        *, k: int, target: float, steps: int, confirm: int) -> Answer:
        """The smallest yearly budget with P(at least k) >= target, or why there is none.

        Bisection (geometric between two budgets above zero) on the budget,
        with the best split found at the first frontier budget that reaches the
        target; each step evaluated on every seed (search and fresh).
        """
        reps = self.evaluator.replicates + confirm
        reached = frontier[frontier["p"] >= target]
        ceiling = float(frontier["budget_krw"].max())
        if reached.empty:
            top = frontier.loc[frontier["budget_krw"] == ceiling].iloc[0]
            near = frontier.loc[frontier["kth_rank_median"].idxmin()]
            statement = (
                f"No yearly budget up to the ceiling of KRW {ceiling / 1e9:,.0f} bn reaches "
                f"P(at least {k} in the top {self.top}) >= {target:g}: at the ceiling the best "
                f"of {int(top['settings_tried'])} settings tried gives P = {top['p']:.3f} "
                f"(90% interval {top['p_low']:.3f}-{top['p_high']:.3f} over {int(top['runs'])} "
                f"runs and their ranking draws), with the {ordinal(k)} best Korean city at "
                f"median rank {top['kth_rank_median']:.0f}; the highest P on the frontier is "
                f"{frontier['p'].max():.3f}, and the {ordinal(k)} best city gets closest "
                f"(median rank {near['kth_rank_median']:.0f}) at KRW "
                f"{near['budget_krw'] / 1e9:,.0f} bn.")
            policy = searches[ceiling].best if ceiling in searches else None
            return Answer(False, math.nan, policy, (top["p"], top["p_low"], top["p_high"]),
                          statement)
        first = reached.iloc[0]
        if first["budget_krw"] == 0:
            return Answer(True, 0.0, None, (first["p"], first["p_low"], first["p_high"]),
                          f"Without any package P(at least {k}) = {first['p']:.3f} >= "
                          f"{target:g} already.")
        pos = int(np.flatnonzero(frontier["budget_krw"].to_numpy() == first["budget_krw"])[0])
        lo = float(frontier["budget_krw"].iloc[pos - 1])
        hi = float(first["budget_krw"])
        best = searches[hi].best
        values = {n: v for n, v in best.values.items() if n != "budget_krw"}
        answer_policy, answer_cases = best, self.evaluate([best], replicates=reps)[best.id]
        log = []
        for _ in range(steps):
            mid = math.sqrt(lo * hi) if lo > 0 else hi / 2
            policy = self.space.policy(values, budget=mid, label="bisection")
            cases = self.evaluate([policy], replicates=reps)[policy.id]
            p = float((cases["n_top"] >= k).mean())
            log.append({"budget_krw": mid, "policy": policy.id, "p": p,
                        "runs": cases["run_id"].nunique(), "reached": p >= target})
            if p >= target:
                hi, answer_policy, answer_cases = mid, policy, cases
            else:
                lo = mid
        p = float((answer_cases["n_top"] >= k).mean())
        plo, phi = p_interval(answer_cases, k)
        statement = (
            f"The smallest yearly budget found with P(at least {k} in the top {self.top}) >= "
            f"{target:g} is KRW {hi / 1e9:,.1f} bn (P = {p:.3f}, 90% interval {plo:.3f}-"
            f"{phi:.3f}); KRW {lo / 1e9:,.1f} bn with the same split falls short.")
        return Answer(True, hi, answer_policy, (p, plo, phi), statement, pd.DataFrame(log))
