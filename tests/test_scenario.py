"""Tests for ecosim.inputs.scenario: the packaged Korea scenario, overrides and validation."""

import dataclasses
import tomllib
from importlib import resources

import numpy as np
import pytest

from ecosim.inputs.params import Capital, Firms
from ecosim.inputs.scenario import (
    Behaviour,
    Labour,
    Scenario,
    ScenarioError,
    load_scenario,
    packaged_scenarios,
)

CITIES = ("seoul", "incheon", "daejeon", "daegu", "gwangju", "ulsan", "busan", "jeju", "gangneung",
          "pohang", "cheongju", "rest_of_korea")
RECORD_PARTS = ("cities", "institutes", "factories", "investors")
_ANY = object()  # the error's value is not checked against a given one


@pytest.fixture(scope="module")
def korea() -> Scenario:
    return load_scenario("korea")


@pytest.fixture(scope="module")
def raw_toml() -> dict:
    with resources.files("ecosim.inputs.data").joinpath("korea.toml").open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture
def toml_text() -> str:
    return resources.files("ecosim.inputs.data").joinpath("korea.toml").read_text("utf-8")


def _distances(scenario: Scenario) -> dict[str, dict[str, float]]:
    names = scenario.city_names
    d = scenario.distance_matrix()
    return {a: {b: float(d[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)}


def _check_error(err: ScenarioError, field: str, value=_ANY) -> None:
    msg = str(err)
    assert err.field == field
    assert field in msg
    assert repr(err.value) in msg
    assert err.allowed and err.allowed in msg
    if value is not _ANY:
        assert err.value == value
        assert repr(value) in msg


# ----------------------------------------------------------------- packaged scenario


def test_packaged_scenarios_lists_korea():
    assert "korea" in packaged_scenarios()


def test_korea_cities(korea):
    assert korea.name == "korea"
    assert set(korea.city_names) == set(CITIES)
    assert len(korea.cities) == 12


@pytest.mark.parametrize(
    ("institute", "city"),
    [("KAIST", "daejeon"), ("DGIST", "daegu"), ("GIST", "gwangju"), ("UNIST", "ulsan")],
)
def test_korea_institutes_in_their_cities(korea, institute, city):
    by_name = {i.name: i for i in korea.institutes}
    assert by_name[institute].city == city


def test_kaist_graduates(korea):
    kaist = next(i for i in korea.institutes if i.name == "KAIST")
    assert kaist.graduates == {"phd": 785, "ms": 1643, "bs": 716}


def test_seoul_vc_firms(korea):
    vcs = [g for g in korea.investors if g.city == "seoul" and g.kind in ("vc", "growth")]
    assert sum(g.count for g in vcs) == 211


# ----------------------------------------------------------------- the 2020 world


def test_korea_starts_in_january_2020_and_runs_to_december_2030(korea):
    assert (korea.start_year, korea.start_month) == (2020, 1)
    end = korea.start_year * 12 + korea.start_month - 1 + korea.months - 1
    assert divmod(end, 12) == (2030, 11)  # December 2030


def test_cities_are_those_the_index_ranks(korea):
    assert korea.capital_region == ("seoul", "incheon")
    assert set(korea.ranking.ranked_cities) == set(CITIES) - {"rest_of_korea"}
    assert korea.ranking.anchor_city == "seoul"


def test_national_totals(korea):
    # end-2019 resident registrations (MOIS), and 2020 venture firms (MSS): the
    # regions split out of an aggregate were subtracted from it
    assert sum(c.population for c in korea.cities) == 51_849_861
    firms = {c.name: c.venture_firms for c in korea.cities}
    assert sum(firms.values()) == 39_511
    assert firms["seoul"] + firms["incheon"] == 23_656  # 59.9% in the capital region
    assert sum(c.support_organisations for c in korea.cities) == 490
    assert sum(g.count for g in korea.investors if g.kind in ("vc", "growth")) == 250


def test_splits_keep_the_seven_region_totals(korea):
    # what the 7-region file held in its capital and rest-of-Korea aggregates
    grads = {d: sum(i.graduates[d] for i in korea.institutes if i.kind == "university")
             for d in ("bs", "ms", "phd")}
    assert grads == {"bs": 117_500, "ms": 26_400, "phd": 6_860}
    assert sum(i.researchers for i in korea.institutes if i.kind == "university") == 56_800
    plants = sum(g.count for g in korea.factories)
    employees = sum(g.count * g.employees for g in korea.factories)
    engineers = sum(g.count * g.engineers for g in korea.factories)
    assert (plants, employees, engineers) == (498, 483_500, 58_700)


@pytest.mark.parametrize("city", ["incheon", "jeju", "gangneung", "pohang", "cheongju"])
def test_new_cities_have_universities_and_factories(korea, city):
    assert any(i.city == city for i in korea.institutes)
    assert any(g.city == city and g.count > 0 for g in korea.factories)


# ----------------------------------------------------------------- sources


@pytest.mark.parametrize("part", RECORD_PARTS)
def test_every_record_has_a_source(korea, raw_toml, part):
    assert raw_toml[part], part
    for i, rec in enumerate(raw_toml[part]):
        assert isinstance(rec.get("source"), str) and rec["source"].strip(), (part, i)
    for i, rec in enumerate(getattr(korea, part)):
        assert rec.source.strip(), (part, i)


SECTIONS = [("behaviour", Behaviour), ("labour", Labour), ("firms", Firms), ("capital", Capital)]


@pytest.mark.parametrize(("section", "cls"), SECTIONS)
def test_every_parameter_field_has_a_source(korea, raw_toml, section, cls):
    fields = [f.name for f in dataclasses.fields(cls) if f.name != "sources"]
    for name in fields:
        assert name in raw_toml[section], name
        assert getattr(korea, section).sources.get(name, "").strip(), name


@pytest.mark.parametrize(("section", "cls"), SECTIONS)
def test_dataclass_defaults_are_the_packaged_values(korea, section, cls):
    # a user file that omits a weight gets the packaged (sourced) value
    for f in dataclasses.fields(cls):
        if f.name != "sources":
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            assert getattr(getattr(korea, section), f.name) == default, f.name


def test_top_level_sources(korea, raw_toml):
    assert raw_toml["sources"]
    assert korea.sources == raw_toml["sources"]
    assert all(v.strip() for v in korea.sources.values())


# ----------------------------------------------------------------- overrides


def test_top_level_keyword_overrides(korea):
    s = load_scenario("korea", scale=0.1, months=12)
    assert s.scale == 0.1
    assert s.months == 12
    assert korea.scale == 1.0 and korea.months == 132


def test_dotted_overrides():
    s = load_scenario(
        "korea",
        overrides={"behaviour.retirement_hazard": 0.1, "cities.daejeon.amenity": 0.7},
    )
    assert s.behaviour.retirement_hazard == 0.1
    assert s.cities[s.city_index("daejeon")].amenity == 0.7


def test_double_underscore_keyword_overrides():
    s = load_scenario("korea", institutes__KAIST__graduates__phd=900)
    kaist = next(i for i in s.institutes if i.name == "KAIST")
    assert kaist.graduates == {"bs": 716, "ms": 1643, "phd": 900}


def test_overrides_leave_packaged_scenario_unchanged(korea):
    load_scenario(
        "korea",
        scale=0.1,
        overrides={"cities.daejeon.amenity": 0.7},
        institutes__KAIST__graduates__phd=900,
    )
    again = load_scenario("korea")
    assert again == korea
    assert again.cities[again.city_index("daejeon")].amenity == 0.65


def test_replace_works_and_validates(korea):
    s = korea.replace(scale=0.5, months=24)
    assert (s.scale, s.months) == (0.5, 24)
    assert korea.scale == 1.0
    with pytest.raises(ScenarioError) as info:
        korea.replace(scale=0)
    _check_error(info.value, "scale", 0)


def test_replace_wrong_type_raises_scenario_error(korea):
    with pytest.raises(ScenarioError):
        korea.replace(scale="big")


def test_with_overrides_works_and_validates(korea):
    s = korea.with_overrides({"scale": 0.5, "cities.daejeon.amenity": 0.7})
    assert s.scale == 0.5
    assert s.cities[s.city_index("daejeon")].amenity == 0.7
    assert korea.cities[korea.city_index("daejeon")].amenity == 0.65
    with pytest.raises(ScenarioError) as info:
        korea.with_overrides({"behaviour.retirement_hazard": 1.5})
    _check_error(info.value, "behaviour.retirement_hazard", 1.5)


def test_load_scenario_from_scenario_object(korea):
    s = load_scenario(korea, scale=0.2)
    assert s.scale == 0.2
    assert s.cities == korea.cities


# ----------------------------------------------------------------- validation

_BAD_OVERRIDES = [
    ({"cities.daejeon.population": -1}, "cities.daejeon.population", -1),
    ({"cities.ulsan.venture_firms": -5}, "cities.ulsan.venture_firms", -5),
    ({"factories.0.count": -1}, "factories.0.count", -1),
    ({"investors.0.count": -3}, "investors.0.count", -3),
    ({"institutes.KAIST.graduates.bs": -1}, "institutes.KAIST.graduates.bs", -1),
    ({"institutes.KAIST.city": "atlantis"}, "institutes.KAIST.city", "atlantis"),
    ({"factories.0.city": "atlantis"}, "factories.0.city", "atlantis"),
    ({"investors.0.city": "atlantis"}, "investors.0.city", "atlantis"),
    ({"capital_region": ["atlantis"]}, "capital_region.0", "atlantis"),
    ({"scale": 0}, "scale", 0),
    ({"scale": -1}, "scale", -1),
    ({"months": 0}, "months", 0),
    ({"months": -12}, "months", -12),
    ({"start_month": 13}, "start_month", 13),
    ({"behaviour.retirement_hazard": 1.5}, "behaviour.retirement_hazard", 1.5),
    ({"behaviour.retirement_hazard": -0.1}, "behaviour.retirement_hazard", -0.1),
    ({"cities.daejeon.amenity": 2}, "cities.daejeon.amenity", 2),
    ({"behaviour.on_the_job_search": 1.2}, "behaviour.on_the_job_search", 1.2),
    ({"behaviour.w_move": -1.0}, "behaviour.w_move", -1.0),
    ({"behaviour.alumni_ties": -2}, "behaviour.alumni_ties", -2),
    ({"behaviour.action_constants.found": "high"}, "behaviour.action_constants.found", "high"),
    ({"behaviour.action_constants.teach": 0.0}, "behaviour.action_constants.teach", "teach"),
    ({"labour.monthly_wage_krw.research": 0}, "labour.monthly_wage_krw.research", 0),
    ({"labour.startup_headcount.seed": 0.5}, "labour.startup_headcount.seed", 0.5),
    ({"labour.corporate_growth": -0.1}, "labour.corporate_growth", -0.1),
    ({"cities.daejeon.sector_shares.ai_software": 0.5}, "cities.daejeon.sector_shares", _ANY),
    ({"institutes.KAIST.sector_shares.energy": 0.5}, "institutes.KAIST.sector_shares", _ANY),
    ({"startup_stage_shares.seed": 0.5}, "startup_stage_shares", _ANY),
    (
        {"cities.daejeon.sector_shares.quantum": 0.0},
        "cities.daejeon.sector_shares.quantum",
        "quantum",
    ),
    ({"startup_stage_shares.series_z": 0.0}, "startup_stage_shares.series_z", "series_z"),
    ({"scale": "big"}, "scale", "big"),
    ({"months": 1.5}, "months", 1.5),
    ({"cities.daejeon.population": 1.5}, "cities.daejeon.population", 1.5),
    ({"factories.0.engineers": 2000}, "factories.0.engineers", 2000),
    ({"cities.daejeon.talent_stock": 100}, "cities.daejeon.talent_stock", 100),
    ({"cities.daegu.name": "daejeon"}, "cities.name", "daejeon"),
    ({"cities.atlantis.amenity": 1}, "cities.atlantis", "atlantis"),
    ({"cities.daejeon.amenty": 0.7}, "cities.daejeon.amenty", 0.7),
    ({"bogus": 1}, "bogus", 1),
    (
        {"travel_time_hours.seoul.daejeon": 1.5},
        "travel_time_hours.seoul.daejeon",
        1.5,
    ),
    ({"travel_time_hours.daejeon.daejeon": 0.5}, "travel_time_hours.daejeon.daejeon", 0.5),
]


@pytest.mark.parametrize(
    ("overrides", "field", "value"), _BAD_OVERRIDES, ids=[c[1] for c in _BAD_OVERRIDES]
)
def test_invalid_override_raises(overrides, field, value):
    with pytest.raises(ScenarioError) as info:
        load_scenario("korea", overrides=overrides)
    _check_error(info.value, field, value)


def test_invalid_keyword_raises():
    with pytest.raises(ScenarioError) as info:
        load_scenario("korea", cities__daejeon__population=-1)
    _check_error(info.value, "cities.daejeon.population", -1)


@pytest.mark.parametrize("kind", ["negative", "asymmetric"])
def test_invalid_distance_matrix(korea, kind):
    d = _distances(korea)
    if kind == "negative":
        d["seoul"]["daejeon"] = d["daejeon"]["seoul"] = -5.0
        value = -5.0
    else:
        value = d["seoul"]["daejeon"] + 10.0
        d["seoul"]["daejeon"] = value
    with pytest.raises(ScenarioError) as info:
        load_scenario("korea", overrides={"distance_km": d})
    _check_error(info.value, "distance_km.seoul.daejeon", value)


def test_explicit_distance_matrix_is_used(korea):
    d = _distances(korea)
    d["seoul"]["daejeon"] = d["daejeon"]["seoul"] = 155.0
    s = load_scenario("korea", overrides={"distance_km": d})
    i, j = s.city_index("seoul"), s.city_index("daejeon")
    assert s.distance_matrix()[i, j] == 155.0


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ('name = "korea"\n', 'bogus = 1\nname = "korea"\n', "bogus", 1),
        ('name = "daejeon"\n', 'name = "daejeon"\nbogus = 1\n', "cities.daejeon.bogus", 1),
    ],
    ids=["top_level", "in_city"],
)
def test_unknown_key_in_toml(tmp_path, toml_text, old, new, field, value):
    assert old in toml_text
    path = tmp_path / "bad.toml"
    path.write_text(toml_text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    _check_error(info.value, field, value)
    valid = ("scale", "months") if "." not in field else ("population", "amenity")
    assert all(key in str(info.value) for key in valid)


@pytest.mark.parametrize(
    ("old", "field"),
    [("months = 132\n", "months"), ('label = "Busan"\n', "cities.busan.label")],
)
def test_missing_required_field(tmp_path, toml_text, old, field):
    assert old in toml_text
    path = tmp_path / "missing.toml"
    path.write_text(toml_text.replace(old, "", 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    _check_error(info.value, field, None)
    assert "required" in str(info.value)


def test_toml_copy_loads(tmp_path, toml_text, korea):
    path = tmp_path / "copy.toml"
    path.write_text(toml_text, encoding="utf-8")
    assert load_scenario(path) == korea


def test_unknown_packaged_name():
    with pytest.raises(FileNotFoundError, match="korea"):
        load_scenario("atlantis_2025")


def test_missing_toml_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        load_scenario(tmp_path / "nope.toml")


# ----------------------------------------------------------------- geometry


def test_distance_matrix_shape_symmetry_diagonal(korea):
    d = korea.distance_matrix()
    assert d.shape == (12, 12)
    np.testing.assert_allclose(d, d.T)
    np.testing.assert_array_equal(np.diag(d), 0.0)
    assert (d[~np.eye(12, dtype=bool)] > 0).all()


@pytest.mark.parametrize(
    ("city", "km", "tolerance"), [("daejeon", 140.0, 20.0), ("ulsan", 300.0, 30.0)]
)
def test_distance_from_seoul(korea, city, km, tolerance):
    d = korea.distance_matrix()
    assert abs(d[korea.city_index("seoul"), korea.city_index(city)] - km) <= tolerance


def test_travel_time_matrix(korea):
    t = korea.travel_time_matrix()
    assert t.shape == (12, 12)
    np.testing.assert_array_equal(t, t.T)
    np.testing.assert_array_equal(np.diag(t), 0.0)
