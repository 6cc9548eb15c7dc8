"""``frequency-principle`` (paper 002 Sec. 2, Fig. 1): the learning order, its claim and a tiny run."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper002.frequency_principle import (
    FrequencyPrincipleExperiment,
    frequency_checks,
    learning_order,
)
from rankscope.store import RunDir

FP_TINY = {
    "width": 8,
    "depth": 2,
    "collocation_points": 32,
    "dft_points": 128,
    "stages": [["adam", 30, 1e-3]],
    "every": 2,
    "window": 3,
    "checkpoint_every": 10,
}


def test_learning_order_and_frequency_check():
    cfg = resolve_config(FrequencyPrincipleExperiment(), "quick", {"window": 1, "fall_fraction": 0.5})
    it = np.arange(0, 100, 10)
    amp = np.ones((10, 4))
    for k, t in enumerate((1, 3, 5, 7)):  # frequency k falls at record t
        amp[t:, k] = 0.1
    times, smooth = learning_order(it, amp, 0.5, 1)
    assert times.tolist() == [10.0, 30.0, 50.0, 70.0]
    np.testing.assert_allclose(smooth, amp, rtol=1e-12)
    assert frequency_checks(cfg, times, 0.01)[0].holds
    assert not frequency_checks(cfg, times[::-1].copy(), 0.01)[0].holds
    # a frequency never learned counts as learned last: 55 never learned keeps the order ...
    assert frequency_checks(cfg, np.array([10.0, 30.0, 50.0, np.inf]), 0.01)[0].holds
    # ... but not when a lower one is never learned, or the lowest is never learned
    assert not frequency_checks(cfg, np.array([10.0, np.inf, 50.0, np.inf]), 0.01)[0].holds
    assert not frequency_checks(cfg, np.full(4, np.inf), 0.01)[0].holds
    # a 4-record rolling mean falls below 0.5 two records late, (1 + 3 x 0.1)/4 = 0.325 at the third
    # low record; near the start the window is shorter: (1 + 0.1 + 0.1)/3 = 0.4 at record 2
    t4, _ = learning_order(it, amp, 0.5, 4)
    assert t4.tolist() == [20.0, 50.0, 70.0, 90.0]
    with pytest.raises(ValueError, match="fraction must lie in"):
        learning_order(it, amp, 1.5, 1)
    # against a reference (the exact solution's amplitudes): falls once below half of it
    ref = np.array([1.0, 1.0, 0.1, 1.0])
    tr, _ = learning_order(it, amp, 0.5, 1, ref)
    assert tr.tolist() == [10.0, 30.0, np.inf, 70.0]
    with pytest.raises(ValueError, match="reference must hold one amplitude per frequency"):
        learning_order(it, amp, 0.5, 1, np.ones(3))


def test_frequency_tiny_run(tmp_path):
    run_experiment("frequency-principle", "quick", tmp_path / "f", FP_TINY)
    run = tmp_path / "f"
    assert (run / "figures/frequency_principle.png").is_file()
    records = RunDir(run).read_metrics()
    assert [r["iter"] for r in records] == list(range(0, 31, 2))
    assert all(len(r["amplitude"]) == 4 for r in records)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["checks"][0]["name"] == "low frequencies are learned first"
    assert set(summary["measures"]["learned_at_step"]) == {"1", "5", "15", "55"}
    # the reference of "learned": the exact solution's amplitudes 1/k^2 (eq. 4), and the ratio to it
    sol = summary["measures"]["solution_amplitude"]
    assert [sol[str(k)] for k in (1, 5, 15, 55)] == pytest.approx([1.0, 1 / 25, 1 / 225, 1 / 3025], rel=1e-9)
    rel = summary["measures"]["final_relative_amplitude"]
    fin = summary["measures"]["final_amplitude"]
    assert rel["55"] == pytest.approx(fin["55"] * 3025, rel=1e-9)


def test_learned_means_below_for_good():
    # below at the start, above, then below for good: learned at the last crossing, not at 0
    it = np.arange(5) * 10
    amp = np.array([[0.1], [1.0], [1.0], [0.1], [0.1]])
    assert learning_order(it, amp, 0.5, 1, np.ones(1))[0].tolist() == [30.0]
    assert learning_order(it, amp[:3], 0.5, 1, np.ones(1))[0].tolist() == [np.inf]
