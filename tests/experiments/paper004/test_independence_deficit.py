"""Experiment ``independence-deficit`` (paper 004 Sec. 5, Fig. 4): a logit decided by a few others."""

import json

import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper004.independence_deficit import DeficitExperiment, deficit_checks

TINY_TRAIN = {"stages": [["adam", 20, 0.01]], "width": 16, "depth": 2, "checkpoint_every": 10}


def test_tiny_deficit_run(tmp_path):
    run_experiment("independence-deficit", "quick", tmp_path / "d", {**TINY_TRAIN, "targets": [0, 3]})
    s = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert set(s["measures"]) == {"0", "3"} and len(s["checks"]) == 2
    assert (tmp_path / "d" / "figures" / "independence_deficit.png").is_file()


def _res(support, pos=0.95, ori_pos=0.97):
    return {
        "support": support,
        "r2": 0.9,
        "coefficients": [0.0] * 10,
        "accuracy": 0.9,
        "original_accuracy": 0.9,
        "positive_accuracy": pos,
        "original_positive_accuracy": ori_pos,
    }


def test_deficit_checks_can_hold_and_fail():
    cfg = resolve_config(DeficitExperiment(), "quick")
    assert [c.holds for c in deficit_checks(cfg, {"0": _res([1, 2], 0.95, 0.97)})] == [True, True]
    assert [c.holds for c in deficit_checks(cfg, {"0": _res([1, 2, 3, 4, 5], 0.5, 0.97)})] == [False, False]


@pytest.mark.parametrize(
    ("support", "status", "margin"),
    [([1, 2, 3], "holds", 1.0), ([1, 2, 3, 4], "fragile", 0.0), ([1, 2, 3, 4, 5], "fails", -1.0)],
)
def test_support_margin_counts_classes_and_is_fragile_within_one(support, status, margin):
    cfg = resolve_config(DeficitExperiment(), "quick")  # max_support = 4
    check = deficit_checks(cfg, {"0": _res(support), "1": _res([1])})[0]
    assert (check.status, check.margin) == (status, margin)
