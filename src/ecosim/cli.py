"""Command line: ``ecosim run`` (the 2030 question), ``simulate``, ``sweep``, ``scenarios``.

Also ``validate``, which checks a scenario file, and ``app``, which serves the
browser page.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from ecosim.inputs.scenario import ScenarioError, load_scenario, packaged_scenarios, to_dict

__all__ = ["main", "summary_table"]


def _parse_set(items: list[str]) -> dict[str, Any]:
    """``["behaviour.retirement_hazard=0.2", ...]`` -> overrides (values parsed as TOML)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: --set {item!r}: expected PATH=VALUE, e.g. scale=0.1")
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
        progress=not args.no_progress, plots=not args.no_plots)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"\n{len(args.scenarios)} scenarios x {args.replicates} replicates at scale "
              f"{args.scale:g}, January 2020 to December 2030 (read from 2025), in "
              f"{time.perf_counter() - t0:.0f} s\n")
        print(result.table.to_string(float_format=lambda x: f"{x:.2f}"))
        print()
        for scenario, p in result.headline.items():
            print(f"{result.headline.name} under {scenario}: {p:.2f}")
    print(f"\nresults and plots in {result.out}/")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from ecosim.model import EcosystemModel

    fields: dict[str, Any] = {}
    if args.scale is not None:
        fields["scale"] = args.scale
    if args.months is not None:
        fields["months"] = args.months
    t0 = time.perf_counter()
    model = EcosystemModel(args.scenario, rng=args.seed, backend=args.backend,
                           overrides=_parse_set(args.set), **fields)
    build_s = time.perf_counter() - t0
    spec = model.spec
    print(f"{spec.name}: scale {spec.scale:g}, {len(model.agents):,} agents, "
          f"seed {args.seed}, backend {args.backend}; built in {build_s:.1f} s", flush=True)
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "scenario.json").write_text(json.dumps(to_dict(spec), indent=1, default=str))
    t1 = time.perf_counter()
    try:
        model.run(progress=not args.no_progress)
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
    if out:
        print(f"results in {out}/ (city_frame.parquet, city_frame.csv, scenario.json)")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    for name in packaged_scenarios():
        s = load_scenario(name)
        print(f"{name:20s} {s.description}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    s = load_scenario(args.scenario, overrides=_parse_set(args.set))
    print(f"{args.scenario}: valid ({len(s.cities)} cities, {len(s.institutes)} institutes, "
          f"{len(s.factories)} factory groups, {len(s.investors)} investor groups)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(prog="ecosim", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    m = sub.add_parser("run", help="the main job: P(five Korean cities in the top 100 by 2030)")
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
    m.set_defaults(func=_cmd_run)

    r = sub.add_parser("simulate", help="one run of one scenario, with a per-city table")
    r.add_argument("--scenario", default="korea", help="packaged name or TOML path")
    r.add_argument("--months", type=int, help="months to simulate (default: the scenario's)")
    r.add_argument("--scale", type=float, help="agents per real person or firm (1.0 = all)")
    r.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    r.add_argument("--backend", default="numba", choices=["numba", "python"])
    r.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. behaviour.retirement_hazard=0.2")
    r.add_argument("--out", help="folder for city_frame.parquet/.csv and scenario.json")
    r.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    r.set_defaults(func=_cmd_simulate)

    s = sub.add_parser("scenarios", help="list packaged scenarios")
    s.set_defaults(func=_cmd_scenarios)

    v = sub.add_parser("validate", help="check a scenario file and report the first error")
    v.add_argument("scenario", help="packaged name or TOML path")
    v.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    v.set_defaults(func=_cmd_validate)

    _add_sweep_parser(sub)
    _add_app_parser(sub)
    return p


def _add_app_parser(sub: Any) -> None:
    a = sub.add_parser("app", help="explore a run in the browser (Mesa SolaraViz page)")
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


def _add_sweep_parser(sub: Any) -> None:
    w = sub.add_parser("sweep", help="run an experiment file: ensembles, sweeps, sensitivity")
    w.add_argument("experiment", help="experiment TOML file (docs/guide/experiments.md)")
    w.add_argument("--executor", choices=["serial", "processes", "dask"],
                   help="where runs execute (default: the file's [execution], else serial)")
    w.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    w.add_argument("--workers", type=int, help="worker processes (processes, local Dask)")
    w.add_argument("--out", help="results folder (default: results/<experiment name>)")
    w.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    w.set_defaults(func=_cmd_sweep)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from ecosim.experiments.sweep import sweep

    if args.scheduler and args.executor not in (None, "dask"):
        raise SystemExit(f"error: --scheduler needs --executor dask, not {args.executor}")
    return sweep(args.experiment, executor="dask" if args.scheduler else args.executor,
                 scheduler=args.scheduler, workers=args.workers, out=args.out,
                 progress=not args.no_progress)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ecosim`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
