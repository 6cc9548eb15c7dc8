"""Experiment ``rank-layers`` (paper 004 Fig. 1(a-c), Thm 2): partial Jacobian ranks layer by layer."""

import json

import pytest

from rankscope.experiments import run_experiment
from rankscope.store import RunDir


def _summary(path):
    return json.loads((path / "summary.json").read_text())


def test_tiny_layers_run_and_resume(tmp_path):
    over = {
        "image_size": 8,
        "patch": 2,
        "resnet_width": 2,
        "mixer_dim": 8,
        "mixer_depth": 1,
        "vit_dim": 8,
        "vit_depth": 1,
        "vit_heads": 2,
        "minilm": False,
        "digits_width": 8,
        "digits_depth": 2,
        "digits_samples": 1,
        "stages": [["adam", 20, 0.01]],
        "checkpoint_every": 10,
    }
    run_experiment("rank-layers", "quick", tmp_path / "l", over)
    s = _summary(tmp_path / "l")
    assert [c["name"] for c in s["checks"]] == [
        "partial rank never increases with depth",
        "partial rank diminishes from the first to the last sub-network",
    ]
    assert set(s["measures"]["partial_ranks"]) == {
        "resnet18",
        "mixer",
        "vit",
        "digits-mlp/0",
        "digits-resnet/0",
        "digits-vit/0",
    }
    assert s["measures"]["minilm"] == {"skipped": "minilm = false in the config"}
    assert (tmp_path / "l" / "figures" / "partial_ranks.png").is_file()

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if label == "digits-resnet" and done == 15:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("rank-layers", "quick", tmp_path / "k", over, progress=killer)
    run_experiment("rank-layers", "quick", tmp_path / "k", over, resume=True)
    a, b = RunDir(tmp_path / "l").read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [(r["net"], r["iter"], r["loss"]) for r in a] == [(r["net"], r["iter"], r["loss"]) for r in b]
    assert _summary(tmp_path / "k")["measures"]["partial_ranks"] == s["measures"]["partial_ranks"]
