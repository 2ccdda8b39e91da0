"""Command line: ``ecosim run`` (the 2030 question), ``simulate``, ``sweep``, ``scenarios``.

Also ``validate``, which checks a scenario file, ``app``, which serves the
browser page, and ``explore``, which searches the policies that get closest.
Bad input (a scenario or experiment field, an option, a file) ends with one
line on stderr naming the file or field, the value and what is allowed, and
exit status 2; ``--debug`` also prints the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
import traceback
from pathlib import Path
from typing import Any

from ecosim.inputs.scenario import load_scenario, packaged_scenarios, to_dict
from ecosim.inputs.validation import InputError

__all__ = ["UsageError", "main", "summary_table"]


class UsageError(InputError):
    """A command-line option holds a value that is not allowed (exit status 2)."""

    kind = "option"


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line like every other input error."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _parse_set(items: list[str]) -> dict[str, Any]:
    """``["behaviour.retirement_hazard=0.2", ...]`` -> overrides (values parsed as TOML)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError("--set", item, "PATH=VALUE, e.g. behaviour.retirement_hazard=0.2")
        try:
            out[key.strip()] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = raw
    return out


def summary_table(frame) -> str:
    """Per-city summary of a run's ``city_frame()``: start, end and totals."""
    import pandas as pd

    first = frame[frame["month"] == frame["month"].min()].set_index("city")
    last = frame[frame["month"] == frame["month"].max()].set_index("city")
    events = ["graduates", "hires", "inflow", "outflow", "retirements", "emigrations",
              "career_exits"]
    totals = frame[frame["month"] > 0].groupby("city", observed=True)[events].sum()
    table = pd.DataFrame(
        {
            "talent_start": first["talent"],
            "talent_end": last["talent"],
            **{k: totals[k] for k in events},
            "searching_end": last["searching"],
            "startups": last["startups"],
        }
    ).fillna(0).astype(int)
    table.loc["total"] = table.sum()
    return table.to_string()


def retention_table(retention) -> str:
    """Graduates by institute and horizon, all cohorts pooled.

    Columns: cohort size, share retained in the institute's city, and share of
    the employed who work in the capital region.
    """
    g = retention.groupby(["institute", "horizon_months"], sort=False)[
        ["cohort", "retained", "employed", "employed_in_capital"]].sum()
    out = g.assign(
        retained_share=(g["retained"] / g["cohort"]).round(3),
        employed_in_capital_share=(g["employed_in_capital"] / g["employed"]).round(3),
    )
    return out[["cohort", "retained_share", "employed_in_capital_share"]].to_string()


def _cmd_run(args: argparse.Namespace) -> int:
    from ecosim.study import startup_cities_2030

    t0 = time.perf_counter()
    result = startup_cities_2030(
        scenarios=tuple(args.scenarios), replicates=args.replicates, scale=args.scale,
        root_seed=args.seed, out=args.out, executor=args.executor, workers=args.workers,
        progress=not args.no_progress, plots=not args.no_plots,
        ranking_draws=args.ranking_draws, posterior=args.posterior)
    import numpy as np
    import pandas as pd

    from ecosim.calibration.posterior import load_posterior

    drawn = load_posterior(args.posterior)
    print("\nparameters: " + ("the scenarios as packaged (point estimate)" if drawn is None
                              else f"drawn from the posterior: {drawn.describe()}"))

    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(f"\n{len(args.scenarios)} scenarios x {args.replicates} replicates at scale "
              f"{args.scale:g}, January 2020 to December 2030 (read from 2025), in "
              f"{time.perf_counter() - t0:.0f} s\n")
        print(result.table.to_string(float_format=lambda x: f"{x:.2f}"))
        print()
        for scenario, p in result.headline.items():
            print(f"{result.headline.name} under {scenario}: {p:.2f}")
        fit = result.fit
        used = fit.points[fit.points["status"].isin(["published", "inferred"])]
        scores = used.dropna(subset=["rank", "score"])
        print(f"\nranking: curves fitted to {len(scores)} published scores of "
              f"{scores['edition'].nunique()} editions, business to "
              f"{int(used['business'].notna().sum())} breakdowns; {len(fit.anchors)} "
              "published ranks of Korean cities anchor the scores (simulated against published "
              f"ln rank: error {fit.model_sd:.2f}); {fit.draws.size} draws of its uncertainty; "
              f"world growth {np.median(fit.draws.growth):+.1%} a year in simulated activity "
              f"terms ({'fitted to the ranks' if fit.fit_growth else 'tied to the reference run'}"
              f"); tables in ranking_*.csv")
    print(f"\nresults and plots in {result.out}/")
    return 0


def _out_folder(value: str | None, option: str = "--out") -> Path | None:
    """The folder of ``--out``, created; a file there, or no way to create it, is an error."""
    if not value:
        return None
    out = Path(value)
    if out.exists() and not out.is_dir():
        raise UsageError(option, value, "a folder (new or existing), not a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(option, value, f"a folder that can be created ({err.strerror})") \
            from None
    return out


def _checkpoint_path(args: argparse.Namespace, out: Path | None) -> Path | None:
    """Where ``--checkpoint-every`` writes.

    ``--checkpoint``, else ``<out>/checkpoint.ecosim``, else the checkpoint being resumed.
    """
    if args.checkpoint_every is None and args.checkpoint is None:
        return None
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise UsageError("--checkpoint-every", args.checkpoint_every, "an integer >= 1 (months)")
    path = (Path(args.checkpoint) if args.checkpoint else out / "checkpoint.ecosim" if out
            else Path(args.resume) if args.resume else None)
    if path is None:
        raise UsageError("--checkpoint-every", args.checkpoint_every,
                         "a number of months together with --out or --checkpoint (where the "
                         "checkpoint goes)")
    if path.is_dir():
        raise UsageError("--checkpoint", str(path), "a file path, not a folder")
    return path


def _cmd_simulate(args: argparse.Namespace) -> int:
    from ecosim.model import EcosystemModel

    out = _out_folder(args.out)
    checkpoint = _checkpoint_path(args, out)
    t0 = time.perf_counter()
    if args.resume:
        given = [name for name, v in (("--scenario", args.scenario), ("--scale", args.scale),
                                      ("--months", args.months), ("--seed", args.seed),
                                      ("--set", args.set or None)) if v is not None]
        if given:
            raise UsageError(given[0], getattr(args, given[0][2:]),
                             "nothing with --resume: the scenario, seed, scale and months are "
                             "the checkpoint's")
        model = EcosystemModel.load(args.resume, backend=args.backend)
        what = f"resumed from {args.resume} at month {model.month}"
    else:
        fields: dict[str, Any] = {}
        if args.scale is not None:
            fields["scale"] = args.scale
        if args.months is not None:
            fields["months"] = args.months
        model = EcosystemModel(args.scenario or "korea",
                               rng=0 if args.seed is None else args.seed,
                               backend=args.backend or "numba",
                               overrides=_parse_set(args.set), **fields)
        what = f"seed {0 if args.seed is None else args.seed}"
    build_s = time.perf_counter() - t0
    spec = model.spec
    print(f"{spec.name}: scale {spec.scale:g}, {len(model.agents):,} agents, "
          f"{what}, backend {model.backend}; ready in {build_s:.1f} s", flush=True)
    if out:
        (out / "scenario.json").write_text(json.dumps(to_dict(spec), indent=1, default=str))
    t1 = time.perf_counter()
    every = args.checkpoint_every or 12
    try:
        model.run(progress=not args.no_progress, checkpoint=checkpoint, checkpoint_every=every)
    finally:
        # Whatever was simulated is written, also when a month fails.
        frame = model.city_frame()
        if out:
            frame.to_parquet(out / "city_frame.parquet", index=False)
            frame.to_csv(out / "city_frame.csv", index=False)
    run_s = time.perf_counter() - t1
    print(f"\n{model.month} months ({spec.start_year}-{spec.start_month:02d} onward) "
          f"in {run_s:.1f} s\n")
    print(summary_table(frame))
    print(f"\ncapital-region share of talent: {model.capital_share('talent'):.1%}  "
          f"of startups: {model.capital_share('startups'):.1%}")
    net = model.capital_net_inflow()
    print("net movers into the capital region, by origin: "
          + ", ".join(f"{k} {v:+d}" for k, v in net.items()))
    retention = model.retention_frame()
    if not retention.empty:
        print("\n" + retention_table(retention))
    if checkpoint is not None and checkpoint.exists():
        print(f"checkpoint every {every} months in {checkpoint} "
              f"(resume: ecosim simulate --resume {checkpoint})")
    if out:
        print(f"results in {out}/ (city_frame.parquet, city_frame.csv, scenario.json)")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    for name in packaged_scenarios():
        s = load_scenario(name)
        print(f"{name:20s} {s.description}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from ecosim.inputs.memory import available_bytes, check_fits, estimate_agents, estimate_bytes

    s = load_scenario(args.scenario, overrides=_parse_set(args.set))
    check_fits(s)
    print(f"{args.scenario}: valid ({len(s.cities)} cities, {len(s.institutes)} institutes, "
          f"{len(s.factories)} factory groups, {len(s.investors)} investor groups); at scale "
          f"{s.scale:g} for {s.months} months up to {estimate_agents(s):,.0f} agents, about "
          f"{estimate_bytes(s) / 1e9:.2g} GB ({available_bytes() / 1e9:.3g} GB available)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = _Parser(prog="ecosim", description=__doc__)
    p.add_argument("--debug", action="store_true", help="print the traceback of an error")
    # Also accepted after the command (ecosim validate f.toml --debug).
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="print the traceback of an error")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    m = sub.add_parser("run", parents=[debug],
                       help="the main job: P(five Korean cities in the top 100 by 2030)")
    m.add_argument("--scenarios", nargs="+", default=["baseline", "startup_city"],
                   help="scenarios to compare (default: baseline startup_city)")
    m.add_argument("--replicates", type=int, default=32, help="runs per scenario (default 32)")
    m.add_argument("--scale", type=float, default=0.1, help="agents per real person (0.1)")
    m.add_argument("--seed", type=int, default=2025, help="root seed (default 2025)")
    m.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    m.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    m.add_argument("--out", default="results/startup_cities_2030", help="output folder")
    m.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    m.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    m.add_argument("--ranking-draws", type=int, default=None,
                   help="draws of the ranking's uncertainty (default: the scenario's "
                        "ranking.draws; 0: central fit only)")
    m.add_argument("--posterior", default="packaged", metavar="packaged|none|PATH",
                   help="draw (parameter set, seed) pairs from the calibrated posterior "
                        "(default: the packaged one), or 'none' for the point estimate")
    m.set_defaults(func=_cmd_run)

    r = sub.add_parser("simulate", parents=[debug],
                       help="one run of one scenario, with a per-city table")
    r.add_argument("--scenario", help="packaged name or TOML path (default korea)")
    r.add_argument("--months", type=int, help="months to simulate (default: the scenario's)")
    r.add_argument("--scale", type=float, help="agents per real person or firm (1.0 = all)")
    r.add_argument("--seed", type=int, help="random seed (default 0)")
    r.add_argument("--backend", choices=["numba", "python"],
                   help="kernels (default numba; with --resume, the checkpoint's)")
    r.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. behaviour.retirement_hazard=0.2")
    r.add_argument("--out", help="folder for city_frame.parquet/.csv and scenario.json")
    r.add_argument("--checkpoint-every", type=int, metavar="N",
                   help="save a checkpoint every N months (to --checkpoint, else "
                        "<out>/checkpoint.ecosim)")
    r.add_argument("--checkpoint", metavar="PATH",
                   help="checkpoint file (every 12 months unless --checkpoint-every)")
    r.add_argument("--resume", metavar="PATH",
                   help="continue the run saved in this checkpoint, to its scenario's months")
    r.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    r.set_defaults(func=_cmd_simulate)

    s = sub.add_parser("scenarios", parents=[debug], help="list packaged scenarios")
    s.set_defaults(func=_cmd_scenarios)

    v = sub.add_parser("validate", parents=[debug],
                       help="check a scenario file and report the first error")
    v.add_argument("scenario", help="packaged name or TOML path")
    v.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    v.set_defaults(func=_cmd_validate)

    _add_sweep_parser(sub, debug)
    _add_app_parser(sub, debug)
    _add_explore_parser(sub, debug)
    return p


def _add_explore_parser(sub: Any, debug: argparse.ArgumentParser) -> None:
    e = sub.add_parser("explore", parents=[debug],
                       help="which policy gets closest: discovery, robust search, "
                            "budget frontier (docs/guide/explore.md)")
    e.add_argument("file", help="exploration TOML file, e.g. experiments/explore_korea.toml")
    e.add_argument("--executor", choices=["serial", "processes", "dask"],
                   help="where runs execute (default: the file's [execution], else processes)")
    e.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    e.add_argument("--workers", type=int, help="worker processes (processes, local Dask)")
    e.add_argument("--out", help="output folder (default: results/startup_cities_2030/<name>)")
    e.add_argument("--stages", nargs="+", choices=["discover", "search", "frontier"],
                   help="run only these stages (default: the file's)")
    e.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    e.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    e.set_defaults(func=_cmd_explore)


def _cmd_explore(args: argparse.Namespace) -> int:
    import dataclasses

    from ecosim.explore import ExploreRunError, ExploreSpec, explore

    if args.scheduler and args.executor not in (None, "dask"):
        raise UsageError("--executor", args.executor, "dask (or no --executor) with --scheduler")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers", args.workers, "an integer >= 1")
    spec = ExploreSpec.from_toml(args.file)
    if args.stages:
        spec = dataclasses.replace(spec, stages=tuple(args.stages)).validate()
    try:
        explore(spec, args.out, executor="dask" if args.scheduler else args.executor,
                workers=args.workers, scheduler=args.scheduler,
                progress=not args.no_progress, plots=not args.no_plots)
    except ExploreRunError as err:
        return _report(err, args, status=1)
    return 0


def _add_app_parser(sub: Any, debug: argparse.ArgumentParser) -> None:
    a = sub.add_parser("app", parents=[debug],
                       help="explore a run in the browser (Mesa SolaraViz page)")
    a.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    a.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: a free one)")
    a.add_argument("--open", action="store_true", help="open the page in a browser")
    a.set_defaults(func=_cmd_app)


def _cmd_app(args: argparse.Namespace) -> int:
    from ecosim.app import serve

    try:
        return serve(args.host, args.port, open_browser=args.open)
    except (ModuleNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _add_sweep_parser(sub: Any, debug: argparse.ArgumentParser) -> None:
    w = sub.add_parser("sweep", parents=[debug],
                       help="run an experiment file: ensembles, sweeps, sensitivity")
    w.add_argument("experiment", help="experiment TOML file (docs/guide/experiments.md)")
    w.add_argument("--executor", choices=["serial", "processes", "dask"],
                   help="where runs execute (default: the file's [execution], else serial)")
    w.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    w.add_argument("--workers", type=int, help="worker processes (processes, local Dask)")
    w.add_argument("--out", help="results folder (default: results/<experiment name>)")
    w.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    w.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long while another driver uses the results folder "
                        "(default: stop at once; -1: as long as it takes)")
    w.set_defaults(func=_cmd_sweep)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from ecosim.experiments.sweep import sweep

    if args.scheduler and args.executor not in (None, "dask"):
        raise UsageError("--executor", args.executor, "dask (or no --executor) with --scheduler")
    return sweep(args.experiment, executor="dask" if args.scheduler else args.executor,
                 scheduler=args.scheduler, workers=args.workers, out=args.out,
                 progress=not args.no_progress, wait=None if args.wait < 0 else args.wait)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ecosim`` command.

    Returns:
        0 on success; 1 when runs failed or the system refused (a full disk);
        2 for bad input: one line on stderr naming the file or field, the
        value and what is allowed (``--debug`` adds the traceback).
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, FileNotFoundError) as err:
        return _report(err, args, status=2)
    except OSError as err:  # not a bug in ecosim: a full disk, a permission
        return _report(err, args, status=1)


def _report(err: BaseException, args: argparse.Namespace, status: int) -> int:
    if getattr(args, "debug", False):
        traceback.print_exception(err)
    text = " ".join(str(err).split()) or type(err).__name__
    print(f"error: {text}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
