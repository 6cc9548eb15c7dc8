"""Tests for rankscope.store: atomic writes, metrics, config, arrays, summary, checkpoints."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from rankscope import store
from rankscope.store import RunDir, StoreError, atomic_write_bytes, atomic_write_text, to_jsonable

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

    monkeypatch.setattr(store.os, "replace", boom)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(target, b"next")
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_atomic_write_failure_mid_write_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"previous")

    def boom(fd):
        raise OSError("fsync failed")

    monkeypatch.setattr(store.os, "fsync", boom)
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
    with pytest.raises(StoreError, match=r"no config\.toml"):
        RunDir.create(tmp_path, experiment="e", preset="p", config={}, resume=True)


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
    pointer["sha256"] = store._sha256(garbage)
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
