"""Command line: ``ecosim run``, ``ecosim scenarios``, ``ecosim validate``."""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from ecosim.scenario import ScenarioError, load_scenario, packaged_scenarios, to_dict

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

    r = sub.add_parser("run", help="run one scenario and print a per-city table")
    r.add_argument("--scenario", default="korea_2025", help="packaged name or TOML path")
    r.add_argument("--months", type=int, help="months to simulate (default: the scenario's)")
    r.add_argument("--scale", type=float, help="agents per real person or firm (1.0 = all)")
    r.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    r.add_argument("--backend", default="numba", choices=["numba", "python"])
    r.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. behaviour.retirement_hazard=0.2")
    r.add_argument("--out", help="folder for city_frame.parquet/.csv and scenario.json")
    r.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    r.set_defaults(func=_cmd_run)

    s = sub.add_parser("scenarios", help="list packaged scenarios")
    s.set_defaults(func=_cmd_scenarios)

    v = sub.add_parser("validate", help="check a scenario file and report the first error")
    v.add_argument("scenario", help="packaged name or TOML path")
    v.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    v.set_defaults(func=_cmd_validate)
    return p


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
