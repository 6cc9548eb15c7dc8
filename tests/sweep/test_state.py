"""A sweep's state (rankscope.sweep.state): sweep.json, the spec it records, the root's lock."""

import fcntl
import json
import shutil

import pytest

from rankscope.sweep import SweepError, read_sweep, run_sweep, spec_from_sweep
from rankscope.sweep.state import SweepState


def test_a_second_sweep_on_the_same_root_is_refused_while_one_runs(pool_sweep, sweep_spec, tmp_path):
    root = tmp_path / "locked"
    shutil.copytree(pool_sweep[0], root)
    with open(root / ".sweep.lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(SweepError, match=r"another sweep is running in"):
            run_sweep(sweep_spec, root, resume=True)


def test_the_recorded_spec_is_the_one_that_ran(pool_sweep, sweep_spec):
    assert spec_from_sweep(pool_sweep[0]) == sweep_spec
    state = read_sweep(pool_sweep[0])
    assert state["format"] == "rankscope-sweep/1" and state["seed_key"] == "seed"
    assert state["holds_fraction"] == 0.8 and state["created"] <= state["updated"]
    assert state["counts"] == {"pending": 0, "running": 0, "done": 2, "failed": 2, "incomplete": 0}


def test_read_sweep_refuses_a_missing_or_foreign_file(tmp_path):
    with pytest.raises(SweepError, match=r"sweep.json is missing: .* is not a sweep root"):
        read_sweep(tmp_path)
    (tmp_path / "sweep.json").write_text("{")
    with pytest.raises(SweepError, match=r"sweep.json is not valid JSON"):
        read_sweep(tmp_path)
    (tmp_path / "sweep.json").write_text(json.dumps({"format": "other", "points": []}))
    with pytest.raises(
        SweepError, match=r"not a rankscope sweep file \(expected format 'rankscope-sweep/1'\)"
    ):
        read_sweep(tmp_path)


def test_state_records_attempts_outcomes_and_cuts_long_errors(tmp_path):
    point = {"index": 0, "name": "p", "settings": {}, "status": "pending", "attempts": 0}
    seen = []
    state = SweepState(
        tmp_path, {"points": [point]}, lambda p, counts: seen.append((p.status, counts["failed"]))
    )
    state.start("p")
    state.record("p", {"status": "failed", "error": "x" * 5000, "seconds": 1.5, "host": "h"})
    (status,) = state.result().points
    assert (status.status, status.attempts, status.seconds, status.host) == ("failed", 1, 1.5, "h")
    assert status.error == "x" * 2000 + " ..."
    assert seen == [("running", 0), ("failed", 1)]
    assert json.loads((tmp_path / "sweep.json").read_text())["counts"]["failed"] == 1
    state.start("p")
    state.mark_interrupted()
    assert [p["status"] for p in json.loads((tmp_path / "sweep.json").read_text())["points"]] == [
        "incomplete"
    ]
