"""Sweeps on a real local Ray cluster (rankscope.sweep.ray_backend; started here, not mocked)."""

import importlib.util
import json
import socket
import sys
import time

import numpy as np
import pytest

from rankscope.store import RunDir
from rankscope.sweep import RayCluster, SweepError, read_sweep, run_sweep

HAVE_RAY = importlib.util.find_spec("ray") is not None


requires_ray = pytest.mark.skipif(
    not HAVE_RAY, reason="Ray is not installed: pip install 'rankscope[ray]' to run the Ray sweep tests"
)


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


@requires_ray
def test_ray_and_pool_give_identical_run_directories(pool_sweep, sweep_spec, ray_session, tmp_path):
    root = tmp_path / "ray"
    result = run_sweep(sweep_spec, root, backend=RayCluster())  # uses the connection the fixture opened
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
    again = run_sweep(sweep_spec, root, backend=RayCluster(), resume=True)
    assert [p.attempts for p in again.points] == [1, 2, 1, 2]  # only the failed points ran again
    assert [p.status for p in again.points] == ["done", "failed", "done", "failed"]
    for name, mtime in before.items():
        assert (root / name / "summary.json").stat().st_mtime_ns == mtime


@requires_ray
def test_ray_requests_that_the_cluster_cannot_meet_fail_before_writing(ray_session, sweep_spec, tmp_path):
    with pytest.raises(SweepError, match=r"each run asks for 1 GPU\(s\) but the Ray cluster has 0"):
        run_sweep(sweep_spec, tmp_path / "g", backend=RayCluster(gpus=1))
    with pytest.raises(SweepError, match=r"a run asks for 64 CPU\(s\) but the Ray cluster has 2"):
        run_sweep(sweep_spec, tmp_path / "c", backend=RayCluster(cpus=64))
    assert not (tmp_path / "g").exists() and not (tmp_path / "c").exists()


@requires_ray
def test_a_bad_ray_address_fails_within_seconds(sweep_spec, tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(SweepError, match=r"cannot reach the Ray cluster at '127.0.0.1:1'"):
        run_sweep(sweep_spec, tmp_path / "a", backend=RayCluster("127.0.0.1:1"))
    with pytest.raises(SweepError, match=r"Ray address 'head' is malformed; expected HOST:PORT"):
        run_sweep(sweep_spec, tmp_path / "a", backend=RayCluster("head"))
    assert time.perf_counter() - t0 < 5
    with socket.socket() as listener:  # something answers, but not Ray: ray.init alone would hang
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        t0 = time.perf_counter()
        with pytest.raises(
            SweepError, match=rf"could not connect to a Ray cluster at '{address}' within 2 s"
        ):
            run_sweep(sweep_spec, tmp_path / "a", backend=RayCluster(address, connect_timeout=2))
        assert time.perf_counter() - t0 < 10
    assert not (tmp_path / "a").exists()


def test_missing_ray_says_how_to_install_it(sweep_spec, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(SweepError, match=r"--ray needs Ray.*pip install 'rankscope\[ray\]'"):
        run_sweep(sweep_spec, tmp_path / "r", backend=RayCluster())
