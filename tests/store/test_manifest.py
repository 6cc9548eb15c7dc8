"""The marker and manifest (rankscope.store._manifest): nothing of the user's is ever deleted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from rankscope.store import MARKER_FILE, RunDir, StoreError

CHECK = {"name": "rank grows", "paper": "staircase", "ours": 7, "holds": True}


def _plant(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() + os.urandom(16))
    return path


def _full_run(run: RunDir) -> None:
    from rankscope.report import new_figure

    run.append_metrics({"step": 0})
    run.write_arrays(x=np.arange(3))
    fig, _ = new_figure()
    run.save_figure(fig, "loss")
    run.save_checkpoint({"w": torch.ones(1)}, step=1)
    run.write_summary({"checks": [CHECK]})
    run.write_text("report.html", "<html></html>")


def test_marker_records_version_created_and_every_file_written(run):
    _full_run(run)
    marker = json.loads((run.path / MARKER_FILE).read_text())
    assert marker["format"] == "rankscope-run/1" and marker["rankscope_version"] and marker["created"]
    assert (
        marker["files"]
        == run.owned_files()
        == [
            "arrays.npz",
            "checkpoints/latest.json",
            "checkpoints/step-00000001.pt",
            "config.toml",
            "figures/loss.png",
            "metrics.jsonl",
            "report.html",
            "summary.json",
        ]
    )
    assert marker["dirs"] == ["checkpoints", "figures"]


def test_overwrite_deletes_only_what_rankscope_wrote(run):
    _full_run(run)
    user = {
        rel: _plant(run.path / rel, rel)
        for rel in (
            "notes.txt",  # the root
            "config.toml.bak",  # next to config.toml
            ".config.toml.mine.tmp",  # shaped almost like a temporary file of ours
            "figures/my-plot.png",
            "checkpoints/config.toml",  # named like a rankscope file, in a subfolder
            "checkpoints/step-00000099.pt.orig",
            "data/summary.json",  # a folder rankscope does not use
        )
    }
    before = {rel: p.read_bytes() for rel, p in user.items()}
    leftover = run.path / ".summary.json.abcd1234.tmp"  # a write of ours cut short by a kill
    leftover.write_bytes(b"torn")
    fresh = RunDir.create(run.path, experiment="demo", preset="paper", config={"width": 16}, overwrite=True)
    assert {rel: p.read_bytes() for rel, p in user.items()} == before
    assert not leftover.exists()
    assert fresh.read_metrics() == [] and not fresh.is_complete() and fresh.load_checkpoint() is None
    assert not (run.path / "figures" / "loss.png").exists() and not (run.path / "report.html").exists()
    assert fresh.owned_files() == ["config.toml"]
    # folders rankscope made are kept while they hold the user's files, and stay rankscope's
    assert json.loads((run.path / MARKER_FILE).read_text())["dirs"] == ["checkpoints", "figures"]


def test_overwrite_removes_folders_rankscope_made_once_empty(run):
    _full_run(run)
    RunDir.create(run.path, experiment="demo", preset="quick", config={}, overwrite=True)
    assert sorted(p.name for p in run.path.iterdir()) == [MARKER_FILE, "config.toml"]


def test_overwrite_never_follows_a_symlink_or_leaves_the_directory(run, tmp_path):
    _full_run(run)
    outside = tmp_path / "elsewhere"
    keep = _plant(outside / "loss.png", "precious")
    secret = _plant(tmp_path / "secret.txt", "secret")
    for p in (run.path / "figures").iterdir():
        p.unlink()
    (run.path / "figures").rmdir()
    (run.path / "figures").symlink_to(outside)  # the user put a link where figures/ was
    marker = json.loads((run.path / MARKER_FILE).read_text())
    marker["files"] += ["../secret.txt", "/etc/hostname"]  # a tampered manifest
    (run.path / MARKER_FILE).write_text(json.dumps(marker))
    RunDir.create(run.path, experiment="demo", preset="quick", config={}, overwrite=True)
    assert keep.read_bytes().startswith(b"precious") and secret.read_bytes().startswith(b"secret")
    assert (run.path / "figures").is_symlink()


@pytest.mark.parametrize("flags", [{"overwrite": True}, {"resume": True}, {}])
def test_a_directory_without_the_marker_is_refused_and_untouched(tmp_path, flags):
    target = tmp_path / "mine"
    files = {rel: _plant(target / rel, rel) for rel in ("config.toml", "figures/a.png", "checkpoints/x")}
    before = {rel: p.read_bytes() for rel, p in files.items()}
    with pytest.raises(StoreError, match=r"not a rankscope run directory") as info:
        RunDir.create(target, experiment="e", preset="p", config={}, **flags)
    assert "\n" not in str(info.value)
    if flags:
        assert "nothing was deleted" in str(info.value)
    assert {rel: p.read_bytes() for rel, p in files.items()} == before
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*")) == [
        "checkpoints",
        "checkpoints/x",
        "config.toml",
        "figures",
        "figures/a.png",
    ]
