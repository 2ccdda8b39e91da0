"""The 2030 question: does the Startup City project put five Korean cities in the top 100?

:func:`startup_cities_2030` runs baseline and policy scenarios from January 2020
(the packaged world's start) to December 2030 as an ensemble
(``ecosim.experiments``), fits the ranking
(:func:`ecosim.outputs.ranking.fit_ranking`) to the index's published editions
and the reference scenario's simulated activity, ranks every run under every
draw of the ranking's uncertainty, then summarises, from 2025 on, each city's
world rank in 2025 and 2030, the probability of a top-100 place (over runs and
draws), how much of the spread of the 2030 rank comes from the ranking and how
much from the simulation, graduate retention after three years and the capital
region's share of funding, and the headline probability that at least five
Korean cities are in the top 100 in 2030. It writes the results (Parquet and
CSV), the ranking's fit tables and PNG plots to an output folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecosim.experiments.registry import register_output
from ecosim.outputs.ranking import ACTIVITY_COLUMNS, activity_indicators, variance_shares

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel
    from ecosim.outputs.ranking import RankingFit

__all__ = ["StudyResult", "fit_study_ranking", "startup_cities_2030", "summarise"]

TOP = 100
TARGET_CITIES = 5
#: First year the summary reads (the runs start earlier, in the packaged world's year).
FROM_YEAR = 2025


@register_output("indicators", replace=True)
def _indicators(model: EcosystemModel) -> pd.DataFrame:
    """Per calendar year and city: the activity the ranking scores (full scale)."""
    return activity_indicators(model.city_frame(), model.spec)


@register_output("yearly", replace=True)
def _yearly(model: EcosystemModel) -> pd.DataFrame:
    """Per calendar year: capital-region shares of funding, startups and talent."""
    f = model.city_frame()
    f = f[f["month"] > 0].assign(year=lambda d: d["date"].str.slice(0, 4).astype(int))
    cap = f["city"].astype(str).isin(model.spec.capital_region)
    rows = []
    for year, g in f.groupby("year"):
        c = cap[g.index]
        last = g["month"] == g["month"].max()
        rows.append({
            "year": year,
            "capital_share_funding": g.loc[c, "funding_krw"].sum() / max(g["funding_krw"].sum(),
                                                                         1e-9),
            "capital_share_startups": g.loc[c & last, "startups"].sum()
            / max(g.loc[last, "startups"].sum(), 1),
            "capital_share_talent": g.loc[c & last, "talent"].sum()
            / max(g.loc[last, "talent"].sum(), 1),
        })
    return pd.DataFrame(rows)


@dataclass
class StudyResult:
    """What the study produced.

    Attributes:
        table: Per scenario and city: ranks, P(top 100), the spread's sources,
            retention, capital share.
        headline: Per scenario: P(at least five Korean cities in the top 100 in 2030).
        out: Folder with the results and plots.
        fit: The ranking fitted to the index's editions and the reference scenario.
    """

    table: pd.DataFrame
    headline: pd.Series
    out: Path
    fit: RankingFit | None = None


def startup_cities_2030(
    scenarios: tuple[str, ...] = ("baseline", "startup_city"),
    replicates: int = 24,
    scale: float = 0.1,
    root_seed: int = 2025,
    out: str | Path = "results/startup_cities_2030",
    executor: str = "processes",
    workers: int | None = None,
    progress: bool = True,
    plots: bool = True,
    ranking_draws: int | None = None,
    posterior: Any = "packaged",
) -> StudyResult:
    """Run the ensemble, summarise it, write tables and plots.

    Args:
        scenarios: Scenario names or paths; the first is the reference.
        replicates: Runs per scenario (each with its own seed, shared across scenarios).
        scale: Agents per real person or firm.
        root_seed: Seed from which every replicate's seed derives.
        out: Output folder (an interrupted study resumes from what is there).
        executor: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes (default: all cores).
        progress: Show a progress bar.
        plots: Write the PNG plots.
        ranking_draws: Draws of the ranking's uncertainty (default: the reference
            scenario's ``ranking.draws``; 0: the central fit only).
        posterior: ``"packaged"`` (the calibrated posterior shipped with ecosim),
            a posterior file, a :class:`~ecosim.calibration.posterior.Posterior`,
            or None / ``"none"`` for the point estimate (the scenarios as packaged).
            With a posterior, replicate *r* is a (parameter set, seed) pair drawn
            from it, the same pair in every scenario, so the intervals and the
            headline carry the parameters' uncertainty as well as the seed's.

    Returns:
        The summary table and headline probabilities.
    """
    from ecosim.calibration.posterior import load_posterior
    from ecosim.experiments import Experiment, ExperimentError, run_experiment
    from ecosim.experiments.store import load_results

    out = Path(out)
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ExperimentError("replicates", replicates, "an integer >= 1")
    draws = load_posterior(posterior)
    if draws is not None:
        draws.check(scenarios[0])
    design = ({"replicates": replicates} if draws is None
              else {"samples": draws.draw(replicates, root_seed)})
    experiment = Experiment(
        name="startup_cities_2030", scenarios=list(scenarios), **design,
        months=None, scale=scale, root_seed=root_seed,  # each scenario's own: to Dec 2030
        outputs=["indicators", "yearly", "retention", "flows"], imports=["ecosim.study"],
    )
    summary = run_experiment(experiment, out, executor=executor, workers=workers,
                             progress=progress)
    if summary.failures:
        raise RuntimeError(f"{len(summary.failures)} runs failed; see {out}/failures/ "
                           "(the others are kept: run again to retry only those)")
    indicators = load_results(out, "indicators")[["scenario", "replicate", "year", "city",
                                                   *ACTIVITY_COLUMNS]]
    fit = fit_study_ranking(indicators, experiment.labels[0], draws=ranking_draws,
                            seed=root_seed)
    ranks = fit.rank(indicators)
    fixed = fit.rank(indicators, uncertainty=False)
    ranks.to_parquet(out / "ranks.parquet", index=False)
    for name, frame in fit.report().items():
        frame.to_csv(out / f"ranking_{name}.csv", index=False)
    yearly = load_results(out, "yearly")
    retention = load_results(out, "retention")
    read = ranks[ranks["year"] >= FROM_YEAR] if ranks["year"].max() >= FROM_YEAR else ranks
    read_fixed = (fixed[fixed["year"] >= FROM_YEAR] if fixed["year"].max() >= FROM_YEAR
                  else fixed)
    table, headline = summarise(read, yearly, retention, fixed=read_fixed)
    table.to_csv(out / "summary_table.csv")
    headline.to_csv(out / "headline.csv")
    if plots:
        from ecosim.inputs.scenario import load_scenario
        from ecosim.outputs.plots import study_plots

        first = load_scenario(scenarios[0])
        study_plots(ranks, yearly, retention, load_results(out, "flows"), out,
                    capital_region=first.capital_region, start_year=first.start_year)
    return StudyResult(table=table, headline=headline, out=out, fit=fit)


def fit_study_ranking(indicators: pd.DataFrame, reference: str, draws: int | None = None,
                      seed: int = 0) -> RankingFit:
    """The ranking fitted on the reference scenario's runs (all replicates, averaged).

    Every scenario is then ranked under the same fit, so a policy's effect on
    ranks is its effect on simulated activity, never a refit.

    Args:
        indicators: Activity of every run (``indicators`` output), with a
            scenario column.
        reference: The reference scenario's label (its ``ranking`` table is used).
        draws: Draws of the ranking's uncertainty (default: ``ranking.draws``).
        seed: Seed of the draws.
    """
    from ecosim.inputs import load_scenario
    from ecosim.inputs.index_points import load_index_points
    from ecosim.outputs.ranking import fit_ranking

    ranking = load_scenario(reference).ranking
    ref = indicators[indicators["scenario"] == reference]
    return fit_ranking(ref, load_index_points(ranking.points), ranking, draws=draws, seed=seed)


def summarise(scores: pd.DataFrame, yearly: pd.DataFrame, retention: pd.DataFrame,
              fixed: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The summary table and the headline probability, from an ensemble's outputs.

    Args:
        scores: Ranks per scenario, replicate, year and city, and per draw of the
            ranking's uncertainty (a ``draw`` column; none counts as one draw).
            Ranks, P(top 100) and the headline integrate over replicates and draws.
        yearly: The ``yearly`` output.
        retention: The ``retention`` output.
        fixed: The same ranks under the central fit alone, for comparison (optional).
    """
    first, last = scores["year"].min(), scores["year"].max()
    scores = scores if "draw" in scores.columns else scores.assign(draw=0)

    def band(x: pd.Series) -> str:
        q = np.percentile(x, [50, 5, 95])
        return f"{q[0]:.0f} [{q[1]:.0f}-{q[2]:.0f}]"

    def p_top(r: pd.Series) -> float:
        return float((r <= TOP).mean())

    start = scores[scores["year"] == first].groupby(["scenario", "city"])["rank"]
    end = scores[scores["year"] == last].groupby(["scenario", "city"])["rank"]
    table = pd.DataFrame({
        f"rank {first}": start.apply(band),
        f"rank {last}": end.apply(band),
        f"P(top {TOP}) {last}": end.apply(p_top),
    })
    if fixed is not None:
        table[f"P(top {TOP}) {last}, ranking fixed"] = fixed[fixed["year"] == last].groupby(
            ["scenario", "city"])["rank"].apply(p_top).reindex(table.index)
    shares = variance_shares(scores, year=last).set_index(["scenario", "city"])
    table[f"spread {last}: from ranking"] = shares["from_ranking"].reindex(table.index)
    table[f"spread {last}: from simulation"] = shares["from_simulation"].reindex(table.index)
    three = retention[retention["horizon_months"] == 36]
    ret = three.groupby(["scenario", "city"])[["retained", "cohort"]].sum()
    table["retention 3y"] = (ret["retained"] / ret["cohort"]).reindex(table.index)
    cap = yearly[yearly["year"] == last].groupby("scenario")["capital_share_funding"].mean()
    table[f"capital share of funding {last}"] = [cap.get(s, np.nan)
                                                 for s in table.index.get_level_values(0)]
    in_top = scores[scores["year"] == last].assign(top=lambda d: d["rank"] <= TOP)
    per_run = in_top.groupby(["scenario", "replicate", "draw"])["top"].sum()
    headline = (per_run >= TARGET_CITIES).groupby("scenario").mean().rename(
        f"P(at least {TARGET_CITIES} Korean cities in the top {TOP} in {last})")
    return table, headline
