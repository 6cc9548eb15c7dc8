"""Experiment ``cls-dim`` (paper 004 Table 2, Fig. 2): classification dimension of final features."""

import json

import numpy as np

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper004.cls_dim import ClsDimExperiment, cls_dim_checks

TINY_TRAIN = {"stages": [["adam", 20, 0.01]], "width": 16, "depth": 2, "checkpoint_every": 10}


def test_tiny_cls_dim_run(tmp_path):
    run_experiment("cls-dim", "quick", tmp_path / "c", TINY_TRAIN)
    s = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert set(s["measures"]) == {"mlp", "resnet", "vit"}
    assert all(m["ambient_dim"] == 16 for m in s["measures"].values())
    assert np.load(tmp_path / "c" / "arrays.npz")["vit/curve"].shape == (16,)


def test_cls_dim_checks_can_hold_and_fail():
    cfg = resolve_config(ClsDimExperiment(), "quick")
    low = {"mlp": {"cls_dim": 8, "ambient_dim": 64, "full_accuracy": 0.9}}
    high = {"mlp": {"cls_dim": 40, "ambient_dim": 64, "full_accuracy": 0.9}}
    assert cls_dim_checks(cfg, low)[0].holds and not cls_dim_checks(cfg, high)[0].holds
