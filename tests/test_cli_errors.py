"""Every bad input to the command line: exit status 2, one line on stderr naming the file
or field, the value and what is allowed, and no traceback (``--debug`` shows one)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ecosim import EcosystemModel
from ecosim.cli import main


@pytest.fixture
def files(tmp_path):
    syntax = tmp_path / "syntax.toml"
    syntax.write_text('name = "x"\nscale = = 2\n')
    latin = tmp_path / "latin.toml"
    latin.write_bytes('extends = "korea"\ndescription = "Daejeon é"\n'.encode("latin-1"))
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    not_ckpt = tmp_path / "notes.ckpt"
    not_ckpt.write_text("hello")
    experiment = tmp_path / "exp.toml"
    experiment.write_text('name = "e"\nreplicates = [\n')
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    ckpt = EcosystemModel(scale=0.001, months=2, rng=1).save(tmp_path / "good.ckpt")
    return {"syntax": syntax, "latin": latin, "a_file": a_file, "not_ckpt": not_ckpt,
            "experiment": experiment, "folder": folder, "ckpt": ckpt, "tmp": tmp_path}


CASES = {
    # name: (arguments, what the one line must say)
    "toml syntax": (["validate", "{syntax}"], ["{syntax}", "line 2, column 9", "scale = = 2"]),
    "not utf-8": (["validate", "{latin}"], ["{latin}", "UTF-8", "0xe9", "line 2"]),
    "a folder as scenario": (["validate", "{folder}"], ["{folder}", "a TOML file"]),
    "missing scenario file": (["validate", "{tmp}/nothing.toml"], ["nothing.toml"]),
    "unknown packaged name": (["simulate", "--scenario", "korea_2052"], ["korea_2052"]),
    "--out is a file": (["simulate", "--scale", "0.001", "--out", "{a_file}"],
                        ["--out", "{a_file}", "a folder"]),
    "scale 1e308": (["validate", "korea", "--set", "scale=1e308"],
                    ["'scale' = 1e+308", "fits in memory", "available"]),
    "scale 1e308 simulate": (["simulate", "--scale", "1e308"], ["'scale'", "GB"]),
    "scale nan": (["simulate", "--scale", "nan"], ["'scale'", "finite"]),
    "negative seed": (["simulate", "--scale", "0.001", "--seed", "-1"], ["'rng' = -1", "seed"]),
    "bad override": (["simulate", "--set", "behaviour.retirement_hazard=2"],
                     ["behaviour.retirement_hazard", "[0, 1]"]),
    "unknown override": (["validate", "korea", "--set", "cities.mars.amenity=1"],
                         ["cities.mars", "daejeon"]),
    "--set without =": (["validate", "korea", "--set", "scale"], ["--set", "PATH=VALUE"]),
    "not a number": (["simulate", "--scale", "abc"], ["--scale", "abc"]),
    "resume: no such file": (["simulate", "--resume", "{tmp}/none.ckpt"], ["none.ckpt"]),
    "resume: not a checkpoint": (["simulate", "--resume", "{not_ckpt}"],
                                 ["{not_ckpt}", "an ecosim checkpoint"]),
    "resume with --scale": (["simulate", "--resume", "{ckpt}", "--scale", "0.1"],
                            ["--scale", "the checkpoint's"]),
    "checkpoint nowhere": (["simulate", "--scale", "0.001", "--checkpoint-every", "3"],
                           ["--checkpoint-every", "--out or --checkpoint"]),
    "checkpoint every 0": (["simulate", "--scale", "0.001", "--checkpoint-every", "0",
                            "--out", "{tmp}/o"], ["--checkpoint-every", ">= 1"]),
    "checkpoint is a folder": (["simulate", "--scale", "0.001", "--checkpoint", "{tmp}"],
                               ["--checkpoint", "not a folder"]),
    "experiment syntax": (["sweep", "{experiment}"], ["{experiment}", "valid TOML", "line"]),
    "experiment --out a file": (["sweep", "experiments/example_sweep.toml", "--out",
                                 "{a_file}"], ["'out'", "not a file"]),
    "experiment workers 0": (["sweep", "experiments/example_sweep.toml", "--workers", "0"],
                             ["workers", ">= 1"]),
    "experiment file missing": (["sweep", "{tmp}/none.toml"], ["none.toml", "not found"]),
    "main job workers 0": (["run", "--workers", "0", "--no-progress"], ["workers", ">= 1"]),
    "main job replicates 0": (["run", "--replicates", "0", "--no-progress"],
                              ["replicates", ">= 1"]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_exits_2_with_one_line(case, files, capsys):
    args, must_say = CASES[case]
    argv = [a.format(**files) for a in args] + ["--no-progress"] * (args[0] == "simulate")
    with pytest.raises(SystemExit) if case == "not a number" else _no_raise() as exit_info:
        rc = main(argv)
    if case == "not a number":
        rc = exit_info.value.code
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for text in must_say:
        assert text.format(**files) in err, err


class _no_raise:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_debug_adds_the_traceback(files, capsys):
    for argv in (["--debug", "validate", str(files["syntax"])],
                 ["validate", str(files["syntax"]), "--debug"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback" in err and err.rstrip().splitlines()[-1].startswith("error: ")


def test_a_real_process_prints_one_line_and_exits_2(files):
    proc = subprocess.run([sys.executable, "-m", "ecosim", "validate", str(files["latin"])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "UTF-8" in proc.stderr


def test_validate_reports_the_memory_a_scenario_needs(capsys):
    assert main(["validate", "korea", "--set", "scale=0.1"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "agents" in out and "GB available" in out
