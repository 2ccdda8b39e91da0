"""A real Dask cluster on 127.0.0.1: a worker killed mid-run loses no run, duplicates none."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ecosim.experiments import Experiment, load_results, run_experiment

distributed = pytest.importorskip("distributed")

DASK = str(Path(sys.executable).with_name("dask"))


def _start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded workers, each its own process (no nanny)."""
    scheduler_file = tmp_path / "scheduler.json"
    procs = [_start([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--dashboard-address", "127.0.0.1:0",
                     "--scheduler-file", str(scheduler_file)], tmp_path / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert procs[0].poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one go, but be kind to slow disks
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            procs.append(_start([DASK, "worker", address, "--nthreads", "1", "--no-nanny",
                                 "--host", "127.0.0.1", "--no-dashboard",
                                 "--local-directory", str(tmp_path / f"w{i}"),
                                 "--name", f"w{i}"], tmp_path / f"worker{i}.log"))
        client = distributed.Client(address, timeout=60)
        client.wait_for_workers(2, timeout=120)
        yield client, procs
        client.close()
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_worker_killed_mid_experiment_loses_no_run_and_duplicates_none(cluster, tmp_path,
                                                                         capsys):
    client, procs = cluster
    experiment = Experiment(name="kill", parameters={"behaviour.w_ties": [0.2, 0.4, 0.6, 0.8]},
                            replicates=4, months=5, scale=0.004, root_seed=9,
                            outputs=["city", "summary"])
    pids = client.run(os.getpid)  # worker address -> pid
    worker_procs = {p.pid: p for p in procs[1:]}
    assert set(pids.values()) == set(worker_procs)
    killed: dict = {}

    def kill_one_busy_worker(record, done, total):
        if killed or done < 3:
            return
        busy = {w: keys for w, keys in client.processing().items() if keys}
        if not busy:  # between tasks: try again after the next run
            return
        victim = sorted(busy)[0]
        killed.update(address=victim, keys=list(busy[victim]), done=done)
        os.kill(pids[victim], signal.SIGKILL)

    summary = run_experiment(experiment, tmp_path / "out", executor="dask",
                             scheduler=client.scheduler.address, progress=False,
                             callback=kill_one_busy_worker)
    assert "Dask dashboard: http://127.0.0.1:" in capsys.readouterr().out
    # the kill happened half-way, while the victim was running a run
    assert killed and 3 <= killed["done"] < 16 and killed["keys"], killed
    assert worker_procs[pids[killed["address"]]].wait(timeout=30) == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while len(client.scheduler_info()["workers"]) != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(client.scheduler_info()["workers"]) != [killed["address"]]

    # every run completed, exactly once in the results
    assert summary.ok and summary.failures == [] and summary.succeeded == 16
    tasks, _ = experiment.plan
    city = load_results(tmp_path / "out", "city")
    assert set(city["run_id"]) == {t.run_id for t in tasks}
    assert not city.duplicated(["run_id", "month", "city"]).any()
    n_cities = city["city"].nunique()
    assert city.groupby("run_id").size().eq(6 * n_cities).all()
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 16
    assert len(list((tmp_path / "out" / "city").glob("*.parquet"))) == 16
    # the runs the victim was executing were finished by the surviving worker
    for key in killed["keys"]:
        marker = tmp_path / "out" / "runs" / f"{key.removeprefix('ecosim-run-')}.json"
        assert not json.loads(marker.read_text())["worker"].endswith(
            f":{pids[killed['address']]}")

    # and the results are those of a serial run
    serial = run_experiment(experiment, tmp_path / "serial", executor="serial", progress=False)
    assert serial.ok
    for output in ("city", "summary"):
        pd.testing.assert_frame_equal(load_results(tmp_path / "out", output),
                                      load_results(tmp_path / "serial", output))


def test_dask_executor_takes_a_client_and_warms_each_worker_once(cluster, tmp_path):
    client, _ = cluster
    experiment = Experiment(name="client", parameters={"behaviour.w_open": [0.3, 0.9]},
                            replicates=2, months=2, scale=0.002, outputs=["summary"])
    summary = run_experiment(experiment, tmp_path, executor="dask", scheduler=client,
                             progress=False)
    assert summary.ok and summary.executed == 4 and summary.workers == 2
    assert len(summary.worker_startup) == 2  # both workers warmed up before the runs
    assert client.status == "running"  # a client we were given is left open
    ran_on = {json.loads(p.read_text())["worker"] for p in (tmp_path / "runs").glob("*.json")}
    assert ran_on <= set(summary.worker_startup)
