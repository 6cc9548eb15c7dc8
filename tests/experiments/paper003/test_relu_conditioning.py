"""Experiment ``relu-conditioning`` (paper 003): cond(A), cond(H) and eigenvector frequencies."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper003.relu_conditioning import ConditioningConfig, conditioning_checks

TINY_COND = {
    "ns": [8, 16, 32, 64],
    "structured_ns": [128, 256],
    "ns_2d": [8, 16],
    "panels_2d": 16,
    "frequency_n": 32,
}


def test_tiny_conditioning_run(tmp_path):
    run_experiment("relu-conditioning", "quick", tmp_path / "c", TINY_COND)
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/conditioning.png"]:
        assert (tmp_path / "c" / f).is_file(), f
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    names = {c["name"] for c in summary["checks"]}
    assert "cond(A) ~ n^4 (1D, uniform breakpoints)" in names
    assert "cond(H) ~ n^2 (1D, uniform breakpoints)" in names
    assert len(summary["checks"]) == 4


def _cond_data(pa, ph, n_low=80, n_high=0):
    ns = np.array([16, 32, 64, 128])
    return {
        "ns": ns,
        "cond_A_uniform": 6.4 * ns.astype(float) ** pa,
        "cond_H_uniform": 1.6 * ns.astype(float) ** ph,
        "sign_changes": np.array([n_low] + [5] * 126 + [n_high]),
    }


def test_conditioning_checks_hold_and_fail():
    cfg = ConditioningConfig()
    checks, measures = conditioning_checks(cfg, _cond_data(4.0, 2.0))
    assert [c.holds for c in checks] == [True, True, True]
    assert measures["slope_cond_A"] == pytest.approx(4.0)
    checks, _ = conditioning_checks(cfg, _cond_data(3.5, 2.5, n_low=10, n_high=9))
    assert [c.holds for c in checks] == [False, False, False]
