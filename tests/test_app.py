"""The app's pieces on a tiny model, without a browser: views, charts, components, controls."""

import json
import math

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara", reason="the app extra (pip install 'ecosim[app]')")

import ipyvuetify as v
import solara
import solara.widgets
from mesa.experimental.scenarios import Scenario
from mesa.visualization.solara_viz import (
    _build_model_init_kwargs,
    _check_model_params,
)
from mesa.visualization.utils import force_update

from ecosim import EcosystemModel, load_scenario
from ecosim.app import serve, solara_command, specs, views
from ecosim.app.assets import CHART_SCRIPTS, prefill_chart_scripts
from ecosim.app.boundary import korea_outline, outline_bounds
from ecosim.app.components import CityMap, FlowMatrix, PolicyInForce, Ranks, TimeSeries
from ecosim.app.controls import (
    AppModel,
    initial_values,
    model_params,
    parse_seed,
    policy_cities,
    policy_packages,
)
from ecosim.cli import main
from ecosim.inputs.scenario import packaged_scenarios
from ecosim.outputs.ranking import city_scores

SCALE = 0.003


@pytest.fixture(scope="module")
def model():
    """Startup City at scale 0.003 after four months."""
    return AppModel("startup_city", rng=3, scale=SCALE).run(4)


@pytest.fixture(scope="module")
def year_model():
    """A tiny run past its first complete calendar year."""
    return EcosystemModel("startup_city", rng=2, scale=0.002).run(13)


def _data(spec: dict, name: str) -> pd.DataFrame:
    return pd.DataFrame(spec["datasets"][name])


# --------------------------------------------------------------------------- map


def test_city_table_is_this_month_at_full_scale(model):
    t = views.city_table(model).set_index("city")
    assert list(t.index) == list(model.spec.city_names)
    for metric in ("talent", "startups", "funding_krw"):
        np.testing.assert_allclose(t[metric], np.asarray(model.last_metrics[metric]) / SCALE)
    flows = model.flow_matrix()
    assert t["net_movers"].sum() == pytest.approx(0.0, abs=1e-6)  # movers are conserved
    daejeon = (flows["daejeon"].sum() - flows.loc["daejeon"].sum()) / SCALE
    assert t.loc["daejeon", "net_movers"] == pytest.approx(daejeon)


def test_net_migration_arrows_follow_the_flow_matrix(model):
    arrows = views.net_migration(model)
    flows = model.flow_matrix()
    assert len(arrows) > 0
    pairs = set(zip(arrows["origin"], arrows["destination"], strict=True))
    for row in arrows.itertuples():
        net = (flows.loc[row.origin, row.destination] - flows.loc[row.destination, row.origin])
        assert row.movers == pytest.approx(net / SCALE) and row.movers > 0
        assert (row.destination, row.origin) not in pairs
        a, b = (model.spec.cities[model.spec.city_index(c)] for c in (row.origin,
                                                                       row.destination))
        assert (row.lon1, row.lat1) == pytest.approx((a.lon + 0.75 * (b.lon - a.lon),
                                                      a.lat + 0.75 * (b.lat - a.lat)))
        # the heading points the way the arrow goes: east of north is positive
        assert math.copysign(1, math.sin(math.radians(row.heading))) == math.copysign(
            1, b.lon - a.lon) or b.lon == a.lon
        assert (math.cos(math.radians(row.heading)) > 0) == (b.lat > a.lat)
    # every pair with a net flow is drawn
    net = (flows.to_numpy() - flows.to_numpy().T) > 0
    assert len(arrows) == int(net.sum())


def test_map_chart_holds_the_cities_the_arrows_and_korea(model):
    spec = views.map_chart(model, size="startups", colour="net_movers")
    json.dumps(spec, allow_nan=False)  # what goes to the browser is valid JSON
    cities = _data(spec, "cities").set_index("city")
    table = views.city_table(model).set_index("city")
    np.testing.assert_allclose(cities["size"], table["startups"])
    np.testing.assert_allclose(cities["colour"], table["net_movers"])
    arrows = _data(spec, "arrows")
    pd.testing.assert_frame_equal(arrows, views.net_migration(model), check_dtype=False)
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["geoshape", "rule", "point", "circle", "text"]
    assert spec["title"] == "Month 4: cities and net movers"
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    legend = spec["layer"][3]["encoding"]
    assert legend["size"]["legend"]["title"] == "startups"
    assert legend["color"]["legend"]["title"] == "net_movers"


def test_map_leaves_out_korea_for_a_world_elsewhere():
    moved = {f"cities.{c}.{k}": v for i, c in enumerate(load_scenario().city_names)
             for k, v in (("lat", 50.0 + i), ("lon", 5.0 + i))}
    m = EcosystemModel(rng=1, scale=0.002, overrides=moved)
    marks = [layer["mark"]["type"] for layer in views.map_chart(m)["layer"]]
    assert "geoshape" not in marks and "circle" in marks


def test_map_rejects_metrics_it_cannot_show(model):
    with pytest.raises(ValueError, match=r"size = 'colour'.*talent, startups"):
        views.map_chart(model, size="colour")
    with pytest.raises(ValueError, match="colour = 'happiness'"):
        views.map_chart(model, colour="happiness")


def test_korea_outline_ships_with_its_source_and_covers_the_cities():
    outline = korea_outline()
    assert "Natural Earth" in outline["source"] and "public domain" in outline["licence"]
    lon0, lat0, lon1, lat1 = outline_bounds(outline)
    assert (lon0, lat0, lon1, lat1) == pytest.approx((126.0, 33.2, 130.9, 38.6), abs=0.1)
    for name in packaged_scenarios():
        for c in load_scenario(name).cities:
            assert lon0 <= c.lon <= lon1 and lat0 <= c.lat <= lat1, (name, c.name)


# --------------------------------------------------------------------------- plots


def test_series_are_the_datacollector_s_at_full_scale(model):
    s = views.series_frame(model)
    f = model.city_frame()
    assert list(s["month"]) == list(f["month"]) and list(s["city"]) == list(f["city"].astype(str))
    assert list(s["date"]) == list(f["date"])
    np.testing.assert_allclose(s["talent"], f["talent"] / SCALE)
    np.testing.assert_allclose(s["startups"], f["startups"] / SCALE)
    funding = f.groupby("city", observed=True)["funding_krw"].cumsum() / SCALE / 1e9
    np.testing.assert_allclose(s["funding_bn_krw"], funding)
    spec = views.series_chart(model)
    for name in views.SERIES:
        d = _data(spec, name)
        assert list(d.columns) == ["month", "date", "city", "value"]
        np.testing.assert_allclose(d["value"], s[name])


def test_capital_shares_match_the_model(model):
    shares = views.capital_share_frame(model)
    last = shares[shares["month"] == model.month].set_index("measure")["share"]
    assert last["talent"] == pytest.approx(model.capital_share("talent"))
    assert last["startups"] == pytest.approx(model.capital_share("startups"))
    assert last["funding since start"] == pytest.approx(model.capital_share_of_funding())
    spec = views.capital_share_chart(model)
    json.dumps(spec, allow_nan=False)  # month 0's funding share (0/0) is null, not NaN
    assert "seoul" in spec["title"]


def test_rank_waits_for_a_complete_year(model):
    assert views.rank_table(model).empty
    spec = views.rank_chart(model)
    assert spec["datasets"]["ranks"] == []
    assert "first complete calendar year" in spec["title"]["subtitle"]
    top = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert top["data"]["values"] == [{"rank": 100, "label": "top 100"}]


def test_rank_is_the_latest_year_s_world_rank(year_model):
    want = city_scores(year_model.city_frame(), year_model.spec)
    pd.testing.assert_frame_equal(views.rank_table(year_model), want)
    spec = views.rank_chart(year_model)
    ranks = _data(spec, "ranks").set_index("city")
    year = year_model.spec.start_year  # 13 months: the first complete calendar year
    latest = want[want["year"] == year].set_index("city")
    assert set(ranks.index) == set(year_model.spec.ranking.ranked_cities)
    np.testing.assert_allclose(ranks["rank"], latest.loc[ranks.index, "rank"])
    assert (ranks["top100"] == np.where(ranks["rank"] <= 100, "in top 100", "outside")).all()
    assert spec["title"] == f"World rank in {year} (StartupBlink-style score)"


def test_flow_matrix_is_every_pair_since_the_start(model):
    t = views.flow_table(model)
    assert len(t) == len(model.spec.cities) ** 2
    assert t["movers"].sum() == pytest.approx(model.flow_matrix().to_numpy().sum() / SCALE)
    spec = views.flow_chart(model)
    d = _data(spec, "flows")
    assert (d["dark"] == (d["movers"] > d["movers"].max() / 2)).all()
    assert spec["title"] == "Movers between cities, months 1-4"


def test_templates_are_built_once_per_layout(model):
    a = views.map_chart(model, "talent", "startups")
    b = views.map_chart(model, "talent", "startups")
    assert a is not b and a["layer"] is b["layer"]  # the filled copies share one template
    assert specs.map_template("talent", "startups", True) is specs.map_template(
        "talent", "startups", True)


# --------------------------------------------------------------------------- components


def _spec_of(rc) -> dict:
    return rc.find(solara.widgets.VegaLite).widget.spec


def test_map_component_redraws_after_a_step_and_follows_its_pickers():
    m = AppModel("startup_city", rng=4, scale=0.002)
    _box, rc = solara.render(CityMap(m), handle_error=False)
    assert _spec_of(rc)["title"] == "Month 0: cities and net movers"
    assert _spec_of(rc)["datasets"]["arrows"] == []
    m.run(2)
    force_update()  # what SolaraViz's Step does after stepping
    assert _spec_of(rc)["title"] == "Month 2: cities and net movers"
    assert len(_spec_of(rc)["datasets"]["arrows"]) > 0
    size, colour = rc.find(v.Select).widgets
    assert (size.label, colour.label) == ("Size by", "Colour by")
    colour.v_model = "searching"
    enc = _spec_of(rc)["layer"][-2]["encoding"]
    assert enc["color"]["legend"]["title"] == "searching"
    want = views.city_table(m)["searching"].tolist()
    assert [c["colour"] for c in _spec_of(rc)["datasets"]["cities"]] == pytest.approx(want)


@pytest.mark.parametrize(("component", "shows_month"), [
    (TimeSeries, lambda spec, m: max(r["month"] for r in spec["datasets"]["talent"]) == m),
    (Ranks, lambda spec, m: f"month {m})" in spec["title"]["subtitle"]),
    (FlowMatrix, lambda spec, m: spec["title"] == f"Movers between cities, months 1-{m}"),
])
def test_plot_components_redraw_after_a_step(component, shows_month):
    m = AppModel("startup_city", rng=4, scale=0.002)
    _box, rc = solara.render(component(m), handle_error=False)
    assert shows_month(_spec_of(rc), 0)
    m.step()
    force_update()
    assert shows_month(_spec_of(rc), 1)


def test_policy_component_lists_the_packages_in_force(model):
    _box, rc = solara.render(PolicyInForce(model), handle_error=False)
    html = rc.find(solara.widgets.HTML).widget.unsafe_innerHTML
    start = model.spec.start_year  # month 4 is April of the start year
    assert f"startup_city</b> at scale 0.003, seed 3, month 4 (end of {start}-04)" in html
    for p in model.spec.policy.packages:
        assert f"<td>{p.city}</td><td>{p.budget_krw / 1e9:g}</td>" in html


# --------------------------------------------------------------------------- controls


def test_model_params_suit_solaraviz_and_build_the_starting_model():
    params = model_params()
    m = AppModel(**initial_values(params))
    _check_model_params(m, params)  # SolaraViz's own check raises on a bad parameter
    assert params["spec"]["values"] == packaged_scenarios()
    assert m.spec.name == "startup_city" and m.spec.scale == 0.01 and m.scenario.rng == 1
    assert m.spec.policy == load_scenario("startup_city").policy  # sliders off: as packaged
    for city in policy_cities():
        assert params[f"budget_{city}"]["value"] == 30.0


def test_reset_with_the_starting_values_reproduces_the_starting_run():
    params = {**initial_values(model_params()), "scale": 0.002}
    first = AppModel(**params)
    kwargs = _build_model_init_kwargs(first, params, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    again = type(first)(**kwargs)
    assert isinstance(kwargs["scenario"], Scenario)
    pd.testing.assert_frame_equal(first.run(2).city_frame(), again.run(2).city_frame())


def test_policy_sliders_become_packages():
    controls = {"budget_daegu": 50.0, "talent_daegu": 1.0, "commercialization_daegu": 1.0,
                "investment_daegu": 0.0, "infrastructure_daegu": 2.0}
    m = AppModel("baseline", rng=1, scale=0.002, custom_policy=True, **controls)
    packages = {p.city: p for p in m.spec.policy.packages}
    template = {p.city: p for p in load_scenario("startup_city").policy.packages}
    assert set(packages) == set(policy_cities())
    daegu = packages["daegu"]
    assert daegu.budget_krw == 50e9
    assert daegu.levers == pytest.approx({"talent": 0.25, "commercialization": 0.25,
                                          "investment": 0.0, "infrastructure": 0.5})
    assert daegu.focus_sectors == template["daegu"].focus_sectors
    assert packages["ulsan"] == template["ulsan"]  # untouched sliders: the template's values
    # the same controls without the checkbox leave the scenario's policy alone
    off = AppModel("baseline", rng=1, scale=0.002, **controls)
    assert off.spec.policy.packages == ()


def test_bad_controls_fail_clearly():
    with pytest.raises(ValueError, match="lever weights of gwangju are all zero"):
        policy_packages("startup_city", {f"{k}_gwangju": 0.0 for k in
                                         ("talent", "commercialization", "investment",
                                          "infrastructure")})
    with pytest.raises(ValueError, match=r"budget_ulsan = -5.0: allowed is a budget >= 0"):
        policy_packages("startup_city", {"budget_ulsan": -5.0})
    assert parse_seed(" 42 ") == 42 and parse_seed(None) is None
    with pytest.raises(ValueError, match="seed = 'forty': allowed is a whole number"):
        parse_seed("forty")


# --------------------------------------------------------------------------- serving


def test_chart_scripts_are_linked_to_the_shipped_versions(tmp_path):
    for name in ("vega@5.21.0", "vega@5.3.1", "vega-lite@5.2.0", "vega-embed@6.20.2",
                 "vega-embed@5.9.9"):
        (tmp_path / name / "build").mkdir(parents=True)
    linked = prefill_chart_scripts(tmp_path)
    assert set(linked) == set(CHART_SCRIPTS)
    assert linked["vega@5"].name == "vega@5.21.0"  # the newest 5.x
    assert linked["vega-embed@6"].name == "vega-embed@6.20.2"
    assert (tmp_path / "vega-lite@5" / "build").is_dir()
    assert prefill_chart_scripts(tmp_path) == linked  # a second call changes nothing
    (tmp_path / "vega@5").unlink()
    for p in tmp_path.glob("vega@5.*"):
        p.rename(tmp_path / p.name.replace("vega@", "old-vega@"))
    with pytest.raises(FileNotFoundError, match=r"neither vega@5 nor vega@5\.x\.y.*ecosim\[app\]"):
        prefill_chart_scripts(tmp_path)


def test_the_app_serves_on_loopback_by_default(capsys):
    cmd = solara_command()
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "ecosim.app.page" in cmd and "--no-open" in cmd
    with pytest.raises(ValueError, match="port = 70000: allowed is 0-65535"):
        serve(port=70000)
    assert main(["app", "--port", "70000"]) == 2
    assert "port = 70000" in capsys.readouterr().err
