"""Tests for rankscope.store: atomic writes, the marker and manifest (nothing of the user's is ever
deleted), metrics, config, arrays, summary, checkpoints and their fallback."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from rankscope import store
from rankscope.store import (
    MARKER_FILE,
    CheckpointFallbackWarning,
    RunDir,
    StoreError,
    _atomic,
    atomic_write_bytes,
    atomic_write_text,
    to_jsonable,
)

CHECK = {"name": "rank grows", "paper": "staircase", "ours": 7, "holds": True}


@pytest.fixture
def run(tmp_path: Path) -> RunDir:
    return RunDir.create(tmp_path / "run", experiment="demo", preset="quick", config={"width": 8, "lr": 1e-3})


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_content(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert _leftovers(tmp_path) == []


def test_atomic_write_failure_in_replace_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"previous")

    def boom(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(_atomic.os, "replace", boom)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(target, b"next")
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_atomic_write_failure_mid_write_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"previous")

    def boom(fd):
        raise OSError("fsync failed")

    monkeypatch.setattr(_atomic.os, "fsync", boom)
    with pytest.raises(OSError, match="fsync failed"):
        atomic_write_bytes(target, b"next" * 1000)
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_atomic_write_keeps_file_mode(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "a")
    os.chmod(target, 0o640)
    atomic_write_text(target, "b")
    assert target.stat().st_mode & 0o777 == 0o640


def test_atomic_write_rejects_str_as_bytes(tmp_path):
    with pytest.raises(TypeError, match="must be bytes"):
        atomic_write_bytes(tmp_path / "f", "text")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- to_jsonable


class Color:
    RED = 1


@dataclasses.dataclass
class Cfg:
    width: int
    path: Path


def test_to_jsonable_converts_common_types():
    value = {
        "i": np.int64(3),
        "f": np.float32(0.5),
        "b": np.bool_(True),
        "a": np.array([[1.0, np.nan], [np.inf, -np.inf]]),
        "t": torch.tensor([1, 2]),
        "p": Path("/x/y"),
        "d": Cfg(2, Path("z")),
        "tup": (1, 2.5),
        3: "int key",
        "nan": float("nan"),
    }
    out = to_jsonable(value)
    assert out == {
        "i": 3,
        "f": 0.5,
        "b": True,
        "a": [[1.0, None], [None, None]],
        "t": [1, 2],
        "p": "/x/y",
        "d": {"width": 2, "path": "z"},
        "tup": [1, 2.5],
        "3": "int key",
        "nan": None,
    }
    json.dumps(out, allow_nan=False)  # strict JSON


def test_to_jsonable_rejects_unknown_type_naming_where():
    with pytest.raises(TypeError, match=r"value\['x'\]\[1\].*Color"):
        to_jsonable({"x": [1, Color()]})


# ---------------------------------------------------------------------------- create / config


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


# ---------------------------------------------------------------------------- metrics


def test_metrics_round_trip(run):
    records = [{"step": i, "loss": 1.0 / (i + 1), "rank": np.int64(i)} for i in range(20)]
    for record in records:
        run.append_metrics(record)
    back = run.read_metrics()
    assert len(back) == 20
    assert back[5] == {"step": 5, "loss": 1.0 / 6, "rank": 5}


def test_metrics_nan_becomes_null(run):
    run.append_metrics({"step": 0, "loss": float("nan")})
    assert run.read_metrics() == [{"step": 0, "loss": None}]


def test_metrics_drop_truncated_last_line(run):
    for i in range(3):
        run.append_metrics({"step": i})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b'{"step": 3, "lo')  # killed mid-write: no newline
    assert [r["step"] for r in run.read_metrics()] == [0, 1, 2]
    # the next append cuts the torn line off instead of gluing onto it
    run.append_metrics({"step": 3})
    assert [r["step"] for r in run.read_metrics()] == [0, 1, 2, 3]


def test_metrics_long_torn_line_is_cut(run):
    run.append_metrics({"step": 0})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b'{"step": 1, "blob": "' + b"x" * 10_000)
    run.append_metrics({"step": 1})
    assert run.read_metrics() == [{"step": 0}, {"step": 1}]


def test_metrics_corrupt_middle_line_names_line(run):
    run.append_metrics({"step": 0})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b"{not json}\n")
    run.append_metrics({"step": 2})
    with pytest.raises(StoreError, match=r"metrics\.jsonl line 2 is not valid JSON"):
        run.read_metrics()


def test_metrics_missing_file_is_empty(tmp_path):
    assert RunDir(tmp_path).read_metrics() == []


def test_truncate_metrics_after(run):
    for i in range(10):
        run.append_metrics({"step": i})
    run.append_metrics({"note": "no step"})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b'{"step": 10')
    run.truncate_metrics_after(4)
    assert run.read_metrics() == [{"step": i} for i in range(5)] + [{"note": "no step"}]
    assert (run.path / "metrics.jsonl").read_bytes().endswith(b"\n")
    run.truncate_metrics_after(-1)
    assert run.read_metrics() == [{"note": "no step"}]


# ---------------------------------------------------------------------------- arrays


def test_arrays_merge(run):
    run.write_arrays(spectrum=np.array([3.0, 2.0, 1.0]), steps=np.arange(3))
    run.write_arrays(spectrum=torch.tensor([5.0]), extra=np.eye(2))
    arrays = run.read_arrays()
    assert sorted(arrays) == ["extra", "spectrum", "steps"]
    np.testing.assert_array_equal(arrays["spectrum"], [5.0])
    np.testing.assert_array_equal(arrays["steps"], [0, 1, 2])


def test_arrays_reserved_name(run):
    with pytest.raises(StoreError, match=r"reserved by np\.savez"):
        run.write_arrays(allow_pickle=np.ones(2))


def test_arrays_refuse_objects_and_detect_corruption(run):
    with pytest.raises(StoreError, match="dtype object"):
        run.write_arrays(bad=np.array([{"a": 1}], dtype=object))
    (run.path / "arrays.npz").write_bytes(b"garbage")
    with pytest.raises(StoreError, match=r"arrays\.npz is corrupt"):
        run.read_arrays()


# ---------------------------------------------------------------------------- summary


def test_summary_round_trip(run):
    run.write_summary({"checks": [CHECK], "measures": {"eps_rank": np.int64(5), "x": np.nan}})
    assert run.is_complete()
    back = run.read_summary()
    assert back["checks"] == [CHECK]
    assert back["measures"] == {"eps_rank": 5, "x": None}


@pytest.mark.parametrize(
    ("summary", "match"),
    [
        ({}, "must contain 'checks'"),
        ({"checks": {}}, "must be a list"),
        ({"checks": [{"name": "a", "paper": 1, "ours": 1}]}, r"missing \['holds'\]"),
        ({"checks": [{"name": "a", "paper": 1, "ours": 1, "holds": "yes"}]}, "true or false"),
        ({"checks": [{"name": "", "paper": 1, "ours": 1, "holds": True}]}, "non-empty str"),
    ],
)
def test_summary_validation(run, summary, match):
    with pytest.raises(StoreError, match=match):
        run.write_summary(summary)
    assert not run.is_complete()


def test_read_summary_missing_says_incomplete(run):
    with pytest.raises(StoreError, match=r"incomplete.*--resume"):
        run.read_summary()


def test_read_summary_validates_file(run):
    (run.path / "summary.json").write_text(json.dumps({"checks": [{"name": "a"}]}))
    with pytest.raises(StoreError, match=r"summary\.json checks\[0\]"):
        run.read_summary()


# ---------------------------------------------------------------------------- figures


def test_save_figure(run):
    from rankscope.report import new_figure

    fig, ax = new_figure()
    ax.plot([0, 1], [1, 0])
    path = run.save_figure(fig, "loss.png")
    assert path == run.path / "figures" / "loss.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="plain file name"):
        run.save_figure(fig, "../escape")


# ---------------------------------------------------------------------------- checkpoints


def _training_state(seed: int = 0) -> tuple[torch.nn.Linear, torch.optim.Adam, dict]:
    torch.manual_seed(seed)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = model(torch.randn(5, 3)).pow(2).sum()
    loss.backward()
    opt.step()
    state = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "python_rng": random.getstate(),
        "numpy_rng": np.random.default_rng(1).bit_generator.state,
        "history": [1.0, 0.5, float("nan")],
        "step": 7,
        "name": "demo",
    }
    return model, opt, state


def test_checkpoint_round_trip_model_adam_rng(run):
    model, opt, state = _training_state()
    run.save_checkpoint(state, step=7)
    step, back = run.load_checkpoint()
    assert step == 7
    fresh = torch.nn.Linear(3, 2)
    fresh.load_state_dict(back["model"])
    for a, b in zip(fresh.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    fresh_opt = torch.optim.Adam(fresh.parameters(), lr=1e-2)
    fresh_opt.load_state_dict(back["optimizer"])
    assert fresh_opt.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    torch.testing.assert_close(
        fresh_opt.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"]
    )
    torch.set_rng_state(back["torch_rng"])
    draw = torch.rand(3)
    torch.set_rng_state(state["torch_rng"])
    torch.testing.assert_close(draw, torch.rand(3))
    assert back["python_rng"] == state["python_rng"]
    assert back["numpy_rng"] == state["numpy_rng"]
    assert back["history"][:2] == [1.0, 0.5] and math.isnan(back["history"][2])
    assert (back["step"], back["name"]) == (7, "demo")


def test_checkpoint_keeps_newest_two(run):
    for step in (10, 20, 30, 40):
        run.save_checkpoint({"w": torch.full((2,), float(step))}, step=step)
    files = sorted(p.name for p in (run.path / "checkpoints").glob("*.pt"))
    assert files == ["step-00000030.pt", "step-00000040.pt"]
    step, state = run.load_checkpoint()
    assert step == 40 and state["w"][0].item() == 40.0
    latest = json.loads((run.path / "checkpoints" / "latest.json").read_text())
    assert latest["file"] == "step-00000040.pt" and len(latest["sha256"]) == 64


def test_checkpoint_none_when_absent(run):
    assert run.load_checkpoint() is None


def test_checkpoint_rejects_unloadable_state(run):
    with pytest.raises(StoreError, match=r"state\['extra'\]\['arr'\] is a ndarray"):
        run.save_checkpoint({"extra": {"arr": np.zeros(2)}}, step=1)
    assert run.load_checkpoint() is None


def test_checkpoint_flipped_bytes_detected_by_sha(run):
    path = run.save_checkpoint({"w": torch.arange(100.0)}, step=5)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"step-00000005\.pt is corrupt.*sha256.*--overwrite"):
        run.load_checkpoint()


def test_checkpoint_unreadable_file_with_matching_sha(run):
    path = run.save_checkpoint({"w": torch.ones(1)}, step=5)
    garbage = b"this is not a torch file"
    path.write_bytes(garbage)
    latest = path.parent / "latest.json"
    pointer = json.loads(latest.read_text())
    pointer["sha256"] = store.sha256(garbage)
    latest.write_text(json.dumps(pointer))
    with pytest.raises(StoreError, match=r"step-00000005\.pt cannot be read.*--overwrite"):
        run.load_checkpoint()


def test_checkpoint_missing_file_and_bad_pointer(run):
    path = run.save_checkpoint({"w": torch.ones(1)}, step=5)
    path.unlink()
    with pytest.raises(StoreError, match=r"step-00000005\.pt named by .* is missing"):
        run.load_checkpoint()
    (path.parent / "latest.json").write_text("{")
    with pytest.raises(StoreError, match=r"latest\.json is not valid JSON"):
        run.load_checkpoint()


def test_checkpoint_pointer_records_the_sha256_of_every_kept_file(run):
    for step in (10, 20, 30):
        run.save_checkpoint({"w": torch.full((2,), float(step))}, step=step)
    latest = json.loads((run.path / "checkpoints" / "latest.json").read_text())
    kept = {e["file"]: e["sha256"] for e in latest["kept"]}
    assert sorted(kept) == ["step-00000020.pt", "step-00000030.pt"]
    for name, digest in kept.items():
        assert store.sha256((run.path / "checkpoints" / name).read_bytes()) == digest


# ---------------------------------------------------------------------------- checkpoint fallback


def _three_checkpoints(run: RunDir) -> Path:
    for step in (10, 20, 30):
        run.save_checkpoint({"w": torch.full((2,), float(step))}, step=step)
    return run.path / "checkpoints"


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_corrupt_newest_checkpoint_falls_back_with_a_warning(run):
    ckpts = _three_checkpoints(run)
    _flip(ckpts / "step-00000030.pt")
    with pytest.warns(CheckpointFallbackWarning, match=r"step-00000030\.pt is corrupt.*step 20") as caught:
        step, state = run.load_checkpoint()
    assert step == 20 and state["w"][0].item() == 20.0
    assert issubclass(caught[0].category, RuntimeWarning)


@pytest.mark.parametrize("damage", ["missing", "unreadable"])
def test_missing_or_unreadable_newest_checkpoint_falls_back(run, damage):
    ckpts = _three_checkpoints(run)
    newest = ckpts / "step-00000030.pt"
    if damage == "missing":
        newest.unlink()
    else:  # garbage whose sha256 is what latest.json records: only torch.load can tell
        garbage = b"not a torch file"
        newest.write_bytes(garbage)
        pointer = json.loads((ckpts / "latest.json").read_text())
        pointer["sha256"] = pointer["kept"][0]["sha256"] = store.sha256(garbage)
        (ckpts / "latest.json").write_text(json.dumps(pointer))
    needle = "is missing" if damage == "missing" else "cannot be read"
    with pytest.warns(CheckpointFallbackWarning, match=rf"step-00000030\.pt.*{needle}.*step 20"):
        assert run.load_checkpoint()[0] == 20


def test_no_verified_checkpoint_raises(run):
    ckpts = _three_checkpoints(run)
    for name in ("step-00000020.pt", "step-00000030.pt"):
        _flip(ckpts / name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning when nothing verifies
        with pytest.raises(StoreError, match=r"no checkpoint .* verifies.*00000030.*00000020.*--overwrite"):
            run.load_checkpoint()


def test_resuming_after_a_fallback_drops_the_abandoned_newer_checkpoint(run):
    ckpts = _three_checkpoints(run)
    _flip(ckpts / "step-00000030.pt")
    with pytest.warns(CheckpointFallbackWarning):
        step, _ = run.load_checkpoint()
    run.save_checkpoint({"w": torch.zeros(2)}, step=step + 5)
    assert sorted(p.name for p in ckpts.glob("*.pt")) == ["step-00000020.pt", "step-00000025.pt"]
    assert "checkpoints/step-00000030.pt" not in run.owned_files()
    assert run.load_checkpoint()[0] == 25


def test_pointer_of_earlier_versions_still_loads(run):
    ckpts = _three_checkpoints(run)
    pointer = json.loads((ckpts / "latest.json").read_text())
    del pointer["kept"]
    (ckpts / "latest.json").write_text(json.dumps(pointer))
    assert run.load_checkpoint()[0] == 30


# ---------------------------------------------------------------------------- marker and manifest


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
