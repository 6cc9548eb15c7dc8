"""Sweeps on the local process pool and on a real local Ray cluster (started here, not mocked)."""

import fcntl
import importlib.util
import json
import shutil
import socket
import sys
import time

import numpy as np
import pytest

from rankscope.store import RunDir
from rankscope.sweep import (
    Grid,
    LocalPool,
    RayCluster,
    SweepError,
    SweepSpec,
    parse_grid,
    read_sweep,
    run_sweep,
)
from rankscope.sweep import runner as runner_mod

HAVE_RAY = importlib.util.find_spec("ray") is not None
requires_ray = pytest.mark.skipif(
    not HAVE_RAY, reason="Ray is not installed: pip install 'rankscope[ray]' to run the Ray sweep tests"
)

TINY = {
    "nets": [[1, 6]],
    "stages": [["adam", 40, 0.01]],
    "every": 5,
    "checkpoint_every": 20,
    "train_points": 50,
    "quadrature_points": 50,
}
# SGD at lr 1e30 passes the config's checks and diverges at its first step: a point that fails at run time
GRID = ["seed=0:2", 'stages=[["adam", 40, 0.01]]|[["sgd", 40, 1e30]]']
SPEC = SweepSpec("staircase", "quick", parse_grid(GRID), {k: v for k, v in TINY.items() if k != "stages"})


@pytest.fixture(scope="module")
def pool_sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("pool") / "sweep"
    result = run_sweep(SPEC, root, backend=LocalPool(jobs=2))
    return root, result


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'rankscope[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _files(run_dir):
    return sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())


def assert_same_run(a, b):
    """Same files, same config, and the same numbers in metrics, summary and arrays."""
    assert _files(a) == _files(b)
    ra, rb = RunDir(a), RunDir(b)
    assert ra.read_config()["config"] == rb.read_config()["config"]
    if (a / "error.json").exists():
        ea, eb = (json.loads((d / "error.json").read_text()) for d in (a, b))
        assert ea["error"] == eb["error"]
        return
    assert ra.read_metrics() == rb.read_metrics()
    sa, sb = ra.read_summary(), rb.read_summary()
    pa, pb = sa.pop("provenance"), sb.pop("provenance")  # where it ran may differ between backends
    assert sa == sb
    assert pa["torch_threads"] == pb["torch_threads"] and pa["versions"] == pb["versions"]
    xa, xb = ra.read_arrays(), rb.read_arrays()
    assert sorted(xa) == sorted(xb)
    for key in xa:
        assert np.array_equal(xa[key], xb[key]), key


def test_pool_sweep_writes_one_run_directory_per_point_and_sweep_json(pool_sweep):
    root, result = pool_sweep
    names = [
        "seed=0__stages=adam_40_0.01",
        "seed=0__stages=sgd_40_1e+30",
        "seed=1__stages=adam_40_0.01",
        "seed=1__stages=sgd_40_1e+30",
    ]
    assert [p.name for p in result.points] == names
    assert [p.status for p in result.points] == ["done", "failed", "done", "failed"]
    state = read_sweep(root)
    assert state["grid"] == {"seed": [0, 1], "stages": [[["adam", 40, 0.01]], [["sgd", 40, 1e30]]]}
    assert state["overrides"] == SPEC.overrides and state["backend"] == {"kind": "pool", "jobs": 2}
    assert [p["dir"] for p in state["points"]] == names
    assert state["counts"]["done"] == 2 and state["counts"]["failed"] == 2
    for seed in (0, 1):
        run = RunDir(root / f"seed={seed}__stages=adam_40_0.01")
        assert run.is_complete() and (run.path / "report.html").is_file()
        config = run.read_config()["config"]
        assert config["seed"] == seed and config["nets"] == [[1, 6]] and config["every"] == 5
        assert [r["iter"] for r in run.read_metrics()] == list(range(0, 41, 5))


def test_a_failed_run_is_recorded_in_its_directory_and_in_sweep_json(pool_sweep):
    root, result = pool_sweep
    failed = {p.name: p for p in result.failed}
    assert sorted(failed) == ["seed=0__stages=sgd_40_1e+30", "seed=1__stages=sgd_40_1e+30"]
    for name, point in failed.items():
        assert (
            point.error.startswith("RuntimeError: training of net 'L1_n6' diverged")
            and "lower the" in point.error
        )
        record = json.loads((root / name / "error.json").read_text())
        assert record["error"] == point.error and "Traceback" in record["traceback"]
        assert not RunDir(root / name).is_complete()
    assert read_sweep(root)["points"][1]["error"] == failed["seed=0__stages=sgd_40_1e+30"].error


def test_resume_reruns_only_failed_and_incomplete_points(pool_sweep, tmp_path, monkeypatch):
    root = tmp_path / "copy"
    shutil.copytree(pool_sweep[0], root)
    (root / "seed=1__stages=adam_40_0.01" / "summary.json").unlink()  # as if killed before it finished
    handed: list[str] = []

    def fake_pool(todo, backend, state):  # records what would run, runs nothing
        handed.extend(t["name"] for t in todo)

    monkeypatch.setattr(runner_mod, "_execute_pool", fake_pool)
    result = run_sweep(SPEC, root, backend=LocalPool(jobs=2), resume=True)
    assert handed == [
        "seed=0__stages=sgd_40_1e+30",
        "seed=1__stages=adam_40_0.01",
        "seed=1__stages=sgd_40_1e+30",
    ]
    assert [p.status for p in result.points] == ["done", "failed", "incomplete", "failed"]


@requires_ray
def test_ray_and_pool_give_identical_run_directories(pool_sweep, ray_session, tmp_path):
    root = tmp_path / "ray"
    result = run_sweep(SPEC, root, backend=RayCluster())  # uses the connection the fixture opened
    assert [p.status for p in result.points] == [p.status for p in pool_sweep[1].points]
    assert read_sweep(root)["backend"]["kind"] == "ray"
    for p in result.points:
        assert_same_run(pool_sweep[0] / p.name, root / p.name)
    assert ray_session.is_initialized()  # a connection the sweep did not open is left open

    before = {
        p.name: (root / p.name / "summary.json").stat().st_mtime_ns
        for p in result.points
        if p.status == "done"
    }
    again = run_sweep(SPEC, root, backend=RayCluster(), resume=True)
    assert [p.attempts for p in again.points] == [1, 2, 1, 2]  # only the failed points ran again
    assert [p.status for p in again.points] == ["done", "failed", "done", "failed"]
    for name, mtime in before.items():
        assert (root / name / "summary.json").stat().st_mtime_ns == mtime


@requires_ray
def test_ray_requests_that_the_cluster_cannot_meet_fail_before_writing(ray_session, tmp_path):
    with pytest.raises(SweepError, match=r"each run asks for 1 GPU\(s\) but the Ray cluster has 0"):
        run_sweep(SPEC, tmp_path / "g", backend=RayCluster(gpus=1))
    with pytest.raises(SweepError, match=r"a run asks for 64 CPU\(s\) but the Ray cluster has 2"):
        run_sweep(SPEC, tmp_path / "c", backend=RayCluster(cpus=64))
    assert not (tmp_path / "g").exists() and not (tmp_path / "c").exists()


@requires_ray
def test_a_bad_ray_address_fails_within_seconds(tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(SweepError, match=r"cannot reach the Ray cluster at '127.0.0.1:1'"):
        run_sweep(SPEC, tmp_path / "a", backend=RayCluster("127.0.0.1:1"))
    with pytest.raises(SweepError, match=r"Ray address 'head' is malformed; expected HOST:PORT"):
        run_sweep(SPEC, tmp_path / "a", backend=RayCluster("head"))
    assert time.perf_counter() - t0 < 5
    with socket.socket() as listener:  # something answers, but not Ray: ray.init alone would hang
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        t0 = time.perf_counter()
        with pytest.raises(
            SweepError, match=rf"could not connect to a Ray cluster at '{address}' within 2 s"
        ):
            run_sweep(SPEC, tmp_path / "a", backend=RayCluster(address, connect_timeout=2))
        assert time.perf_counter() - t0 < 10
    assert not (tmp_path / "a").exists()


def test_missing_ray_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(SweepError, match=r"--ray needs Ray.*pip install 'rankscope\[ray\]'"):
        run_sweep(SPEC, tmp_path / "r", backend=RayCluster())


def test_bad_specs_and_roots_are_refused_before_anything_runs(pool_sweep, tmp_path):
    def spec(grid, overrides=SPEC.overrides, experiment="staircase"):
        return SweepSpec(experiment, "quick", parse_grid(grid), overrides)

    with pytest.raises(ValueError, match=r"\['width'\] are not fields of the 'staircase' config; valid keys"):
        run_sweep(spec(["width=25,50"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"grid point eps=tiny: eps must be a number; got 'tiny'"):
        run_sweep(spec(["eps=1e-6,tiny"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"grid point activation=nope: activation must be one of \['tanh', "):
        run_sweep(spec(["activation=tanh,nope"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"\['every'\] are given both in --grid and in --set"):
        run_sweep(spec(["every=5,10"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"seed_key 'sed' is not a field of the 'staircase' config"):
        run_sweep(
            SweepSpec("staircase", "quick", parse_grid(["seed=0:2"]), TINY, seed_key="sed"), tmp_path / "a"
        )
    with pytest.raises(ValueError, match=r"holds_fraction must be a number in \(0, 1\]; got 0"):
        run_sweep(
            SweepSpec("staircase", "quick", parse_grid(["seed=0:2"]), TINY, holds_fraction=0), tmp_path / "a"
        )
    with pytest.raises(ValueError, match=r"the grid is empty"):
        run_sweep(SweepSpec("staircase", "quick", Grid((), ())), tmp_path / "a")
    with pytest.raises(ValueError, match=r"experiment 'stairs' is unknown"):
        run_sweep(spec(["seed=0:2"], experiment="stairs"), tmp_path / "a")
    with pytest.raises(ValueError, match=r"jobs must be a positive integer; got 0"):
        run_sweep(spec(["seed=0:2"]), tmp_path / "a", backend=LocalPool(jobs=0))
    assert not (tmp_path / "a").exists()

    with pytest.raises(SweepError, match=r"already holds a sweep \(sweep.json\); pass --resume"):
        run_sweep(SPEC, pool_sweep[0])
    with pytest.raises(SweepError, match=r"cannot resume .* with different settings: grid \(was"):
        run_sweep(spec(["seed=0:3"]), pool_sweep[0], resume=True)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match=r"is not empty and holds no sweep.json"):
        run_sweep(SPEC, tmp_path / "busy")


def test_a_second_sweep_on_the_same_root_is_refused_while_one_runs(pool_sweep, tmp_path):
    root = tmp_path / "locked"
    shutil.copytree(pool_sweep[0], root)
    with open(root / ".sweep.lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(SweepError, match=r"another sweep is running in"):
            run_sweep(SPEC, root, resume=True)


def test_run_point_deletes_only_the_error_json_it_wrote(tmp_path):
    from rankscope.sweep import run_point

    point = tmp_path / "p"
    task = {"name": "p", "dir": str(point), "experiment": "staircase", "preset": "quick"}
    failing = {**task, "overrides": {**TINY, "stages": [["sgd", 40, 1e30]]}}
    assert run_point(failing)["status"] == "failed"
    assert "error.json" in RunDir(point).owned_files()
    (point / "notes.txt").write_text("mine")
    assert run_point(failing)["status"] == "failed"  # the old error.json is replaced, nothing else
    assert (point / "notes.txt").read_text() == "mine"
    assert json.loads((point / "error.json").read_text())["error"].startswith("RuntimeError: training of")

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "error.json").write_text("the user's")
    outcome = run_point({**task, "dir": str(foreign), "overrides": TINY})
    assert outcome["status"] == "failed" and "not a rankscope run directory" in outcome["error"]
    assert sorted(p.name for p in foreign.iterdir()) == ["error.json"]
    assert (foreign / "error.json").read_text() == "the user's"
