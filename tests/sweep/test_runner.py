"""run_sweep and run_point (rankscope.sweep.runner): points run into their directories, failures
recorded, resumption, roots refused; on the local pool (the backends have their own test files)."""

import json
import shutil

import pytest

from rankscope.store import RunDir
from rankscope.sweep import LocalPool, SweepError, SweepSpec, parse_grid, read_sweep, run_sweep
from rankscope.sweep import runner as runner_mod


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


def test_resume_reruns_only_failed_and_incomplete_points(pool_sweep, sweep_spec, tmp_path, monkeypatch):
    root = tmp_path / "copy"
    shutil.copytree(pool_sweep[0], root)
    (root / "seed=1__stages=adam_40_0.01" / "summary.json").unlink()  # as if killed before it finished
    handed: list[str] = []

    def fake_pool(todo, backend, state):  # records what would run, runs nothing
        handed.extend(t["name"] for t in todo)

    monkeypatch.setattr(runner_mod, "_execute_pool", fake_pool)
    result = run_sweep(sweep_spec, root, backend=LocalPool(jobs=2), resume=True)
    assert handed == [
        "seed=0__stages=sgd_40_1e+30",
        "seed=1__stages=adam_40_0.01",
        "seed=1__stages=sgd_40_1e+30",
    ]
    assert [p.status for p in result.points] == ["done", "failed", "incomplete", "failed"]


def test_bad_roots_are_refused_before_anything_runs(pool_sweep, sweep_spec, tmp_path):
    def spec(grid, overrides=sweep_spec.overrides, experiment="staircase"):
        return SweepSpec(experiment, "quick", parse_grid(grid), overrides)

    with pytest.raises(SweepError, match=r"already holds a sweep \(sweep.json\); pass --resume"):
        run_sweep(sweep_spec, pool_sweep[0])
    with pytest.raises(SweepError, match=r"cannot resume .* with different settings: grid \(was"):
        run_sweep(spec(["seed=0:3"]), pool_sweep[0], resume=True)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match=r"is not empty and holds no sweep.json"):
        run_sweep(sweep_spec, tmp_path / "busy")


def test_run_point_deletes_only_the_error_json_it_wrote(tiny, tmp_path):
    from rankscope.sweep import run_point

    point = tmp_path / "p"
    task = {"name": "p", "dir": str(point), "experiment": "staircase", "preset": "quick"}
    failing = {**task, "overrides": {**tiny, "stages": [["sgd", 40, 1e30]]}}
    assert run_point(failing)["status"] == "failed"
    assert "error.json" in RunDir(point).owned_files()
    (point / "notes.txt").write_text("mine")
    assert run_point(failing)["status"] == "failed"  # the old error.json is replaced, nothing else
    assert (point / "notes.txt").read_text() == "mine"
    assert json.loads((point / "error.json").read_text())["error"].startswith("RuntimeError: training of")

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "error.json").write_text("the user's")
    outcome = run_point({**task, "dir": str(foreign), "overrides": tiny})
    assert outcome["status"] == "failed" and "not a rankscope run directory" in outcome["error"]
    assert sorted(p.name for p in foreign.iterdir()) == ["error.json"]
    assert (foreign / "error.json").read_text() == "the user's"
