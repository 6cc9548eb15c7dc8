"""Paper 003 experiments relu-conditioning and relu-offdiag-rank."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.checks import unexpected_failures
from rankscope.experiments.paper003_matrices import (
    ConditioningConfig,
    OffDiagRankConfig,
    conditioning_checks,
    offdiag_checks,
)

TINY_COND = {
    "ns": [8, 16, 32, 64],
    "structured_ns": [128, 256],
    "ns_2d": [8, 16],
    "panels_2d": 16,
    "frequency_n": 32,
}
TINY_OFF = {"ns": [32, 64], "ns_2d": [16, 32], "panels_2d": 24, "block_fractions": [4]}


def test_tiny_conditioning_run(tmp_path):
    run_experiment("relu-conditioning", "quick", tmp_path / "c", TINY_COND)
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/conditioning.png"]:
        assert (tmp_path / "c" / f).is_file(), f
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    names = {c["name"] for c in summary["checks"]}
    assert "cond(A) ~ n^4 (1D, uniform breakpoints)" in names
    assert "cond(H) ~ n^2 (1D, uniform breakpoints)" in names
    assert len(summary["checks"]) == 4


def test_tiny_offdiag_run(tmp_path):
    run_experiment("relu-offdiag-rank", "quick", tmp_path / "o", TINY_OFF)
    for f in ["config.toml", "arrays.npz", "summary.json", "figures/offdiag_rank.png"]:
        assert (tmp_path / "o" / f).is_file(), f
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert len(summary["checks"]) == 5
    assert all(c["holds"] for c in summary["checks"][:4])  # exact 1D ranks hold at any n


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


def test_offdiag_checks_hold_and_fail():
    cfg = OffDiagRankConfig()
    good = {"A_same": np.full((3, 2), 2), "H_same": np.ones((3, 2)), "A_mixed": np.full((3, 2), 4)}
    good["H_mixed"] = np.full((3, 2), 2)
    good["2d"] = np.array([8, 9, 10])
    ns2 = np.array([64, 128, 256])
    checks, _ = offdiag_checks(cfg, good, ns2)
    assert all(c.holds for c in checks)
    bad = dict(good, A_same=np.array([[2, 2], [2, 3], [2, 2]]), **{"2d": np.array([16, 32, 64])})
    checks, measures = offdiag_checks(cfg, bad, ns2)
    assert [c.holds for c in checks] == [False, True, True, True, False]
    assert measures["growth_exponent_2d"] == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["relu-conditioning", "relu-offdiag-rank"])
def test_quick_preset_reproduces(tmp_path, name):
    run_experiment(name, "quick", tmp_path / "q")
    summary = json.loads((tmp_path / "q" / "summary.json").read_text())
    failing = unexpected_failures(summary["checks"])
    assert not failing, failing
