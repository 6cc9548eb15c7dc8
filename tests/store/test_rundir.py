"""RunDir itself (rankscope.store._rundir): files it writes are recorded, and only those removed."""

from __future__ import annotations

from rankscope.store import MARKER_FILE, RunDir


def test_remove_owned_removes_only_recorded_files(run):
    run.write_text("error.json", "{}")
    (run.path / "mine.json").write_text("{}")
    assert run.remove_owned("error.json") and not (run.path / "error.json").exists()
    assert not run.remove_owned("mine.json") and (run.path / "mine.json").exists()
    assert "error.json" not in run.owned_files()


def test_nothing_is_recorded_in_a_directory_without_the_marker(tmp_path):
    plain = RunDir(tmp_path)
    plain.append_metrics({"step": 0})
    assert not plain.has_marker() and plain.owned_files() == []
    assert not (tmp_path / MARKER_FILE).exists()
