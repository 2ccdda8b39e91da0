"""The main job: an ensemble ranked under every draw of the fitted ranking."""

import numpy as np
import pandas as pd
import pytest

DRAWS = 30


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The main job at a tiny scale, through the command line."""
    import contextlib
    import io

    from ecosim.cli import main

    out = tmp_path_factory.mktemp("study") / "study"
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["run", "--replicates", "2", "--scale", "0.004", "--executor", "serial",
                     "--out", str(out), "--no-progress", "--ranking-draws", str(DRAWS)]) == 0
    return out, text.getvalue()


def test_main_job_runs_end_to_end_at_a_tiny_scale(study):
    out, text = study
    assert "P(at least 5 Korean cities in the top 100 in 2030) under startup_city" in text
    assert "published ranks of Korean cities anchor the scores" in text
    for name in ("summary_table.csv", "headline.csv", "rank_fan.png", "ranks.parquet",
                 "retention_capital_share.png", "migration_flows.png",
                 "ranking_curve_residuals.csv", "ranking_leave_one_edition_out.csv",
                 "ranking_business_residuals.csv", "ranking_anchor_residuals.csv",
                 "ranking_parameters.csv", "ranking_editions.csv"):
        assert (out / name).stat().st_size > 0, name
    table = pd.read_csv(out / "summary_table.csv", index_col=[0, 1])
    assert set(table.index.get_level_values(0)) == {"baseline", "startup_city"}
    assert table["P(top 100) 2030"].between(0, 1).all()


def test_main_job_ranks_every_run_under_every_draw(study):
    out, _ = study
    ranks = pd.read_parquet(out / "ranks.parquet")
    assert ranks["draw"].nunique() == DRAWS
    per = ranks.groupby(["scenario", "replicate", "draw", "year"]).size()
    # every ranked city, every simulated year (2020-2030), every run, every draw
    from ecosim import load_scenario

    assert (per == len(load_scenario("baseline").ranking.ranked_cities)).all()
    assert sorted(ranks["year"].unique()) == list(range(2020, 2031))


def test_main_job_p_top_100_changes_when_the_ranking_uncertainty_is_switched_off(study):
    out, _ = study
    table = pd.read_csv(out / "summary_table.csv", index_col=[0, 1])
    integrated, fixed = table["P(top 100) 2030"], table["P(top 100) 2030, ranking fixed"]
    assert (integrated != fixed).any(), table


def test_main_job_splits_the_spread_of_2030_ranks(study):
    out, _ = study
    table = pd.read_csv(out / "summary_table.csv", index_col=[0, 1])
    ranking, simulation = table["spread 2030: from ranking"], table["spread 2030: from simulation"]
    assert ranking.between(-1e-9, 1 + 1e-9).all() and simulation.between(-1e-9, 1 + 1e-9).all()
    assert (ranking + simulation <= 1 + 1e-9).all()
    assert (ranking > 0).all()  # the ranking's uncertainty reaches every city's rank
    ranks = pd.read_parquet(out / "ranks.parquet")
    last = ranks[ranks["year"] == 2030]
    sd_draws = last.groupby(["scenario", "city", "replicate"])["rank"].apply(
        lambda r: np.std(np.log(r)))
    assert (sd_draws > 0).all()


def test_headline_counts_runs_with_five_cities_in_the_top_100():
    from ecosim.study import summarise

    rows = []
    for rep, ranks in enumerate([[5, 50, 60, 70, 80, 500], [5, 50, 60, 70, 300, 500]]):
        for city, rank in zip("abcdef", ranks, strict=True):
            rows += [{"scenario": "s", "replicate": rep, "year": y, "city": city, "rank": rank}
                     for y in (2025, 2030)]
    yearly = pd.DataFrame({"scenario": ["s"], "year": [2030], "capital_share_funding": [0.7]})
    retention = pd.DataFrame(columns=["scenario", "city", "horizon_months", "retained",
                                      "cohort"])
    table, headline = summarise(pd.DataFrame(rows), yearly, retention)
    assert headline["s"] == 0.5
    assert table.loc[("s", "e"), "P(top 100) 2030"] == 0.5


def test_headline_integrates_over_runs_and_draws():
    from ecosim.study import summarise

    # one run; in draw 0 five cities are in the top 100, in draws 1-3 four are
    rows = []
    for draw in range(4):
        ranks = [5, 50, 60, 70, 80 if draw == 0 else 300, 500]
        rows += [{"scenario": "s", "replicate": 0, "draw": draw, "year": y, "city": c,
                  "rank": r} for c, r in zip("abcdef", ranks, strict=True) for y in (2025, 2030)]
    yearly = pd.DataFrame({"scenario": ["s"], "year": [2030], "capital_share_funding": [0.7]})
    retention = pd.DataFrame(columns=["scenario", "city", "horizon_months", "retained",
                                      "cohort"])
    table, headline = summarise(pd.DataFrame(rows), yearly, retention)
    assert headline["s"] == 0.25
    assert table.loc[("s", "e"), "P(top 100) 2030"] == 0.25
