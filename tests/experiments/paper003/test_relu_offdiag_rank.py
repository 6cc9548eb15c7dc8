"""Experiment ``relu-offdiag-rank`` (paper 003): off-diagonal ranks of A and H in 1D and 2D."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper003.relu_offdiag_rank import OffDiagRankConfig, offdiag_checks

TINY_OFF = {"ns": [32, 64], "ns_2d": [16, 32], "panels_2d": 24, "block_fractions": [4]}


def test_tiny_offdiag_run(tmp_path):
    run_experiment("relu-offdiag-rank", "quick", tmp_path / "o", TINY_OFF)
    for f in ["config.toml", "arrays.npz", "summary.json", "figures/offdiag_rank.png"]:
        assert (tmp_path / "o" / f).is_file(), f
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert len(summary["checks"]) == 5
    assert all(c["holds"] for c in summary["checks"][:4])  # exact 1D ranks hold at any n


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
