"""The local process-pool backend (rankscope.sweep.pool)."""

import os

import pytest

from rankscope.store import RunDir
from rankscope.sweep import LocalPool, read_sweep
from rankscope.sweep.pool import pool_jobs


def test_pool_sweep_writes_one_run_directory_per_point_and_sweep_json(pool_sweep, sweep_spec):
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
    assert state["overrides"] == sweep_spec.overrides and state["backend"] == {"kind": "pool", "jobs": 2}
    assert [p["dir"] for p in state["points"]] == names
    assert state["counts"]["done"] == 2 and state["counts"]["failed"] == 2
    for seed in (0, 1):
        run = RunDir(root / f"seed={seed}__stages=adam_40_0.01")
        assert run.is_complete() and (run.path / "report.html").is_file()
        config = run.read_config()["config"]
        assert config["seed"] == seed and config["nets"] == [[1, 6]] and config["every"] == 5
        assert [r["iter"] for r in run.read_metrics()] == list(range(0, 41, 5))


def test_pool_jobs_defaults_to_the_cpu_count_and_must_be_a_positive_int():
    assert pool_jobs(LocalPool()) == (os.cpu_count() or 1) and pool_jobs(LocalPool(jobs=3)) == 3
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=rf"jobs must be a positive integer; got {bad!r}"):
            pool_jobs(LocalPool(jobs=bad))  # type: ignore[arg-type]
