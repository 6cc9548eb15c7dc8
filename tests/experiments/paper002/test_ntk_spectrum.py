"""``ntk-spectrum`` (paper 002 Sec. 4.1, Fig. 3): the spectrum summary, the claims and a tiny run."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper002.ntk_spectrum import (
    NtkSpectrumExperiment,
    spectrum_checks,
    spectrum_summary,
)

SPECTRUM_TINY = {"width": 6, "collocation_points": 20, "train_steps": 10, "every": 5, "checkpoint_every": 4}


def test_spectrum_checks_hold_and_fail():
    cfg = resolve_config(NtkSpectrumExperiment(), "quick")
    few = np.r_[[100.0, 50.0, 10.0], np.full(100, 1e-5), np.zeros(50)]
    one = np.r_[[100.0, 2.0], np.full(101, 1e-6), np.zeros(50)]
    s_few, s_one = spectrum_summary(few, 103, cfg), spectrum_summary(one, 103, cfg)
    assert s_few["n_large"] == 3 and s_one["ratio_1_2"] == pytest.approx(50.0)
    assert s_few["ratio_max_min_nonzero"] == pytest.approx(1e7) and s_few["numerical_rank"] == 103
    assert [c.holds for c in spectrum_checks(cfg, s_few, s_one)] == [True, True, True]
    flat = np.linspace(100.0, 1.0, 153)
    s_flat = spectrum_summary(flat, 103, cfg)
    assert [c.holds for c in spectrum_checks(cfg, s_flat, s_flat)] == [False, False, False]


def test_spectrum_tiny_run(tmp_path):
    run_experiment("ntk-spectrum", "quick", tmp_path / "s", SPECTRUM_TINY)
    run = tmp_path / "s"
    assert (run / "figures/ntk_spectrum.png").is_file()
    a = np.load(run / "arrays.npz")
    assert a["init/eigenvalues"].shape == (22,) and np.all(np.diff(a["trained/eigenvalues"]) <= 0)
    summary = json.loads((run / "summary.json").read_text())
    assert [c["name"] for c in summary["checks"]] == [
        "at initialisation: a handful of large eigenvalues, the rest near zero",
        "after training: one dominant eigenvalue",
        "stiff: lambda_max / lambda_min is large",
    ]
