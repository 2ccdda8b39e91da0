"""The ecosim command: runs end to end, writes results, reports bad input clearly."""

import pandas as pd

from ecosim import EcosystemModel
from ecosim.cli import main


def test_run_writes_results_and_prints_a_city_table(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["simulate", "--scale", "0.002", "--months", "3", "--seed", "4", "--out", str(out),
               "--no-progress", "--set", "behaviour.retirement_hazard=0.5"])
    assert rc == 0
    text = capsys.readouterr().out
    for city in ("seoul", "incheon", "daejeon", "daegu", "gwangju", "ulsan", "cheongju", "total"):
        assert city in text
    frame = pd.read_parquet(out / "city_frame.parquet")
    assert frame["month"].max() == 3
    assert (out / "city_frame.csv").exists() and (out / "scenario.json").exists()
    # the command's results are the library's results for the same seed
    lib = EcosystemModel(rng=4, scale=0.002, months=3,
                         behaviour__retirement_hazard=0.5).run().city_frame()
    pd.testing.assert_frame_equal(frame, lib.astype({"city": str}), check_dtype=False,
                                  check_categorical=False)


def test_bad_override_is_reported_with_field_value_and_allowed(capsys):
    rc = main(["simulate", "--scale", "0.002", "--set", "behaviour.retirement_hazard=2"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "behaviour.retirement_hazard" in err and "2.0" in err and "[0, 1]" in err


def test_validate_reports_unknown_keys_in_a_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "red"\n')
    assert main(["validate", str(bad)]) == 2
    assert "colour" in capsys.readouterr().err
    assert main(["validate", "korea"]) == 0
    assert main(["scenarios"]) == 0
    assert "korea" in capsys.readouterr().out


def test_a_failing_run_keeps_what_it_simulated(tmp_path, monkeypatch):
    import ecosim.phases.demography as demography

    real = demography.age_and_depart

    def fail_in_month_3(model):
        if model.month == 3:
            raise RuntimeError("boom in month 3")
        return real(model)

    monkeypatch.setattr(demography, "age_and_depart", fail_in_month_3)
    out = tmp_path / "run"
    try:
        main(["simulate", "--scale", "0.002", "--months", "6", "--out", str(out), "--no-progress"])
    except RuntimeError as err:
        assert "month 3" in str(err)
    else:
        raise AssertionError("the run should have failed")
    frame = pd.read_parquet(out / "city_frame.parquet")
    assert frame["month"].max() == 2  # months 0-2 were simulated and written
