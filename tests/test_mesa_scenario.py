"""EcosystemModel follows Mesa's convention: ``scenario`` is Mesa's, ecosim's world is ``spec``."""

import mesa
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario

from ecosim import EcosystemModel, load_scenario

TINY = {"scale": 0.002, "months": 3}


def _frame(model: EcosystemModel) -> pd.DataFrame:
    return model.run(2).city_frame()


def test_the_first_argument_is_ecosim_s_scenario_and_keywords_still_work():
    m = EcosystemModel("startup_city", rng=1, **TINY)
    assert m.spec.name == "startup_city" and m.spec.scale == 0.002
    assert EcosystemModel(spec="baseline", rng=1, **TINY).spec.name == "baseline"
    # Mesa's own scenario is there, carrying the seed
    assert isinstance(m.scenario, Scenario) and m.scenario.rng == 1


def test_a_mesa_scenario_carries_the_seed_and_scenario_fields():
    a = EcosystemModel("startup_city", scenario=Scenario(rng=5, **TINY))
    b = EcosystemModel("startup_city", rng=5, **TINY)
    assert a.spec == b.spec
    pd.testing.assert_frame_equal(_frame(a), _frame(b))


def test_a_seedless_mesa_scenario_takes_rng_as_solaraviz_reset_passes_it():
    # SolaraViz's Reset calls type(model)(**params, scenario=Scenario()) with rng among params
    a = EcosystemModel("baseline", rng=9, scenario=Scenario(), **TINY)
    b = EcosystemModel("baseline", rng=9, **TINY)
    assert a.scenario.rng == 9
    pd.testing.assert_frame_equal(_frame(a), _frame(b))


def test_solaraviz_reset_rebuilds_the_model_with_the_sidebar_values():
    solara_viz = pytest.importorskip("mesa.visualization.solara_viz",
                                     reason="SolaraViz comes with the app extra")
    m = EcosystemModel("korea", rng=1, **TINY)
    params = {"spec": "startup_city", "rng": 4, "scale": 0.003, "months": 3}
    kwargs = solara_viz._build_model_init_kwargs(  # what ModelController.do_reset calls
        m, params, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    assert isinstance(kwargs["scenario"], Scenario)
    rebuilt = type(m)(**kwargs)
    assert rebuilt.spec == load_scenario("startup_city", scale=0.003, months=3)
    pd.testing.assert_frame_equal(_frame(rebuilt), _frame(EcosystemModel(
        "startup_city", rng=4, scale=0.003, months=3)))


def test_mesa_batch_run_sweeps_the_world_by_spec():
    results = pd.DataFrame(mesa.batch_run(
        EcosystemModel, parameters={"spec": ["baseline", "startup_city"], "scale": 0.002},
        rng=[1], max_steps=1, number_processes=1, display_progress=False))
    assert set(results["spec"]) == {"baseline", "startup_city"}
    assert (results.groupby("spec")["Step"].max() == 1).all()


def test_mixed_up_scenarios_fail_clearly():
    with pytest.raises(TypeError, match=r"EcosystemModel\('baseline'\) or EcosystemModel\(spec="):
        EcosystemModel(scenario="baseline", **TINY)
    with pytest.raises(ValueError, match=r"rng = 2 but scenario.rng = 1"):
        EcosystemModel(scenario=Scenario(rng=1), rng=2, **TINY)
    with pytest.raises(ValueError, match=r"\['scale'\] given twice"):
        EcosystemModel(scenario=Scenario(rng=1, scale=0.01), scale=0.02)
