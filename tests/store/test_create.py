"""Creating, resuming and overwriting a run directory, and reading its config.toml
(rankscope.store._create): every check before any write."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rankscope.store import MARKER_FILE, RunDir, StoreError

CHECK = {"name": "rank grows", "paper": "staircase", "ours": 7, "holds": True}


def test_create_writes_config(run):
    cfg = run.read_config()
    assert cfg["run"]["experiment"] == "demo"
    assert cfg["run"]["preset"] == "quick"
    assert "rankscope_version" in cfg["run"] and "created" in cfg["run"]
    assert cfg["config"] == {"width": 8, "lr": 1e-3}
    assert not run.is_complete()


def test_create_drops_none_and_lists_tuples(tmp_path):
    run = RunDir.create(
        tmp_path / "r",
        experiment="e",
        preset="p",
        config={"seed": None, "sizes": (1, 2), "sub": {"a": np.float64(0.25)}},
    )
    assert run.read_config()["config"] == {"sizes": [1, 2], "sub": {"a": 0.25}}
    # resuming with the same config (None included) is accepted
    RunDir.create(
        tmp_path / "r",
        experiment="e",
        preset="p",
        config={"seed": None, "sizes": (1, 2), "sub": {"a": 0.25}},
        resume=True,
    )


def test_create_rejects_none_in_config_list(tmp_path):
    with pytest.raises(StoreError, match=r"config\.sizes contains None"):
        RunDir.create(tmp_path / "r", experiment="e", preset="p", config={"sizes": [1, None]})
    assert not (tmp_path / "r").exists()


def test_create_refuses_existing_dir_without_flags(run):
    with pytest.raises(StoreError, match=r"--resume.*--overwrite"):
        RunDir.create(run.path, experiment="demo", preset="quick", config={"width": 8, "lr": 1e-3})


def test_create_accepts_existing_empty_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    run = RunDir.create(tmp_path / "empty", experiment="e", preset="p", config={})
    assert run.read_config()["config"] == {}


def test_create_rejects_both_flags(tmp_path):
    with pytest.raises(StoreError, match="mutually exclusive"):
        RunDir.create(tmp_path, experiment="e", preset="p", config={}, overwrite=True, resume=True)


def test_overwrite_clears_only_rankscope_files(run):
    run.append_metrics({"step": 1})
    run.write_summary({"checks": [CHECK]})
    run.save_checkpoint({"w": torch.ones(2)}, step=1)
    (run.path / "notes.txt").write_text("mine")
    fresh = RunDir.create(run.path, experiment="demo", preset="paper", config={"width": 16}, overwrite=True)
    assert fresh.read_metrics() == []
    assert not fresh.is_complete()
    assert fresh.load_checkpoint() is None
    assert fresh.read_config()["config"] == {"width": 16}
    assert (run.path / "notes.txt").read_text() == "mine"


def test_resume_with_same_config_keeps_files(run):
    run.append_metrics({"step": 1})
    again = RunDir.create(
        run.path, experiment="demo", preset="quick", config={"lr": 1e-3, "width": 8}, resume=True
    )
    assert again.read_metrics() == [{"step": 1}]


def test_resume_with_different_config_lists_keys(run):
    with pytest.raises(StoreError, match=r"width \(was 8, now 16\)") as info:
        RunDir.create(
            run.path,
            experiment="demo",
            preset="quick",
            config={"width": 16, "lr": 1e-3, "depth": 3},
            resume=True,
        )
    assert "depth" in str(info.value)
    assert "lr" not in str(info.value).split("differ")[1]


def test_resume_with_other_experiment_is_refused(run):
    with pytest.raises(StoreError, match="experiment 'demo', not 'other'"):
        RunDir.create(run.path, experiment="other", preset="quick", config={}, resume=True)


def test_resume_of_foreign_dir_is_refused(tmp_path):
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(StoreError, match=r"not a rankscope run directory.*nothing was deleted"):
        RunDir.create(tmp_path, experiment="e", preset="p", config={}, resume=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_malformed_config_names_file(run):
    (run.path / "config.toml").write_text("[run\nexperiment = ")
    with pytest.raises(StoreError, match=r"config\.toml is not valid TOML"):
        run.read_config()


def test_missing_config_names_file(tmp_path):
    with pytest.raises(StoreError, match=r"config\.toml is missing"):
        RunDir(tmp_path).read_config()


def test_resume_of_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(StoreError, match=r"cannot resume .*missing.*does not exist.*drop --resume"):
        RunDir.create(tmp_path / "missing", experiment="e", preset="p", config={}, resume=True)
    assert not (tmp_path / "missing").exists()


def test_check_create_writes_nothing_and_says_what_create_would_do(run, tmp_path):
    kw = {"experiment": "demo", "preset": "quick", "config": {"width": 8, "lr": 1e-3}}
    assert RunDir.check_create(tmp_path / "new", **kw) == "new"
    assert not (tmp_path / "new").exists()
    listing = sorted(p.name for p in run.path.iterdir())
    assert RunDir.check_create(run.path, resume=True, **kw) == "resume"
    assert RunDir.check_create(run.path, overwrite=True, **kw) == "overwrite"
    with pytest.raises(StoreError, match="already exists"):
        RunDir.check_create(run.path, **kw)
    assert sorted(p.name for p in run.path.iterdir()) == listing


def test_a_run_killed_while_being_created_starts_afresh(tmp_path):
    target = tmp_path / "r"
    run = RunDir.create(target, experiment="e", preset="p", config={})
    (target / "config.toml").unlink()  # killed after the marker, before config.toml
    (target / ".config.toml.x1y2z3w4.tmp").write_text("torn")
    again = RunDir.create(target, experiment="e", preset="p", config={"a": 1}, resume=True)
    assert again.read_config()["config"] == {"a": 1}
    assert sorted(p.name for p in target.iterdir()) == [MARKER_FILE, "config.toml"]
    assert run.path == again.path
