"""Checkpoints (rankscope.store._checkpoints): sha256-verified, the newest two kept, and the
fallback to an older verified one when the newest is bad."""

from __future__ import annotations

import json
import math
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from rankscope import store
from rankscope.store import CheckpointFallbackWarning, RunDir, StoreError


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
