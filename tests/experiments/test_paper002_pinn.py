"""Experiments ``two-scale`` (paper 002 Sec. 4.2, Fig. 4) and ``frequency-principle`` (Sec. 2, Fig. 1)."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper002_pinn import (
    FrequencyPrinciple,
    TwoScale,
    frequency_checks,
    learning_order,
    two_scale_checks,
)
from rankscope.store import RunDir

TS_TINY = {
    "width": 6,
    "depth": 2,
    "trials": 2,
    "regression_points": 40,
    "collocation_points": 32,
    "eval_points": 50,
    "regression_stages": [["adam", 12, 1e-2], ["lbfgs", 4, 1.0]],
    "poisson_stages": [["adam", 10, 1e-3], ["lbfgs", 4, 1.0]],
    "darcy_stages": [["adam", 10, 1e-3], ["lbfgs", 4, 1.0]],
    "every": 3,
    "checkpoint_every": 5,
}
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


def test_two_scale_tiny_run_writes_the_run_directory(tmp_path):
    run_experiment("two-scale", "quick", tmp_path / "r", TS_TINY)
    run = tmp_path / "r"
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/two_scale.png"]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert [c["name"] for c in summary["checks"]] == [
        "regression < Poisson PINN < Darcy PINN",
        "regression is accurate",
        "Darcy PINN fails",
    ]
    records = RunDir(run).read_metrics()
    runs = sorted({r["run"] for r in records})
    assert runs == sorted(f"{m}/{t}" for m in ("regression", "poisson", "darcy") for t in (0, 1))
    assert [r["iter"] for r in records if r["run"] == "regression/1"] == [0, 3, 6, 9, 12, 15, 16]
    arrays = np.load(run / "arrays.npz")
    assert arrays["darcy/trials"].shape == (2, 50)
    np.testing.assert_allclose(arrays["darcy/mean"], arrays["darcy/trials"].mean(0))
    errs = summary["measures"]["max_error_of_mean"]
    assert errs["poisson"] == pytest.approx(np.abs(arrays["exact"] - arrays["poisson/mean"]).max())


def test_two_scale_killed_run_resumes_to_the_unbroken_records(tmp_path):
    ref = tmp_path / "ref"
    run_experiment("two-scale", "quick", ref, TS_TINY)

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if label == "poisson/1" and done == 12:  # inside the L-BFGS stage
            raise Kill

    with pytest.raises(Kill):
        run_experiment("two-scale", "quick", tmp_path / "k", TS_TINY, progress=killer)
    run_experiment("two-scale", "quick", tmp_path / "k", TS_TINY, resume=True)
    a, b = RunDir(ref).read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [(r["run"], r["iter"]) for r in a] == [(r["run"], r["iter"]) for r in b]
    assert [r["loss"] for r in a] == [r["loss"] for r in b]
    ra, rb = np.load(ref / "arrays.npz"), np.load(tmp_path / "k" / "arrays.npz")
    np.testing.assert_array_equal(ra["darcy/trials"], rb["darcy/trials"])


def test_two_scale_checks_hold_and_fail():
    cfg = resolve_config(TwoScale(), "quick")
    good = {
        c.name: c.holds for c in two_scale_checks(cfg, {"regression": 3e-3, "poisson": 7e-2, "darcy": 0.43})
    }
    assert all(good.values())
    bad = {
        c.name: c.holds for c in two_scale_checks(cfg, {"regression": 3e-2, "poisson": 0.5, "darcy": 0.05})
    }
    assert not any(bad.values())
    mixed = two_scale_checks(cfg, {"regression": 5e-3, "poisson": 0.5, "darcy": 0.2})
    assert [c.holds for c in mixed] == [False, True, True]
    assert "7.20e-02" in mixed[0].paper and "5.00e-01" in mixed[0].ours


def test_learning_order_and_frequency_check():
    cfg = resolve_config(FrequencyPrinciple(), "quick", {"window": 1, "fall_fraction": 0.5})
    it = np.arange(0, 100, 10)
    amp = np.ones((10, 4))
    for k, t in enumerate((1, 3, 5, 7)):  # frequency k falls at record t
        amp[t:, k] = 0.1
    times, smooth = learning_order(it, amp, 0.5, 1)
    assert times.tolist() == [10.0, 30.0, 50.0, 70.0]
    np.testing.assert_allclose(smooth, amp, rtol=1e-12)
    assert frequency_checks(cfg, times, 0.01)[0].holds
    assert not frequency_checks(cfg, times[::-1].copy(), 0.01)[0].holds
    assert not frequency_checks(cfg, np.array([10.0, 30.0, 50.0, np.inf]), 0.01)[0].holds
    # a 4-record rolling mean falls below 0.5 two records late, (1 + 3 x 0.1)/4 = 0.325 at the third
    # low record; near the start the window is shorter: (1 + 0.1 + 0.1)/3 = 0.4 at record 2
    t4, _ = learning_order(it, amp, 0.5, 4)
    assert t4.tolist() == [20.0, 50.0, 70.0, 90.0]
    with pytest.raises(ValueError, match="fraction must lie in"):
        learning_order(it, amp, 1.5, 1)


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


@pytest.mark.slow
@pytest.mark.parametrize("name", ["two-scale", "frequency-principle"])
def test_quick_preset_checks(tmp_path, name):
    """The quick presets run end to end (their checks are reported, see the README for which hold)."""
    run_experiment(name, "quick", tmp_path / name)
    summary = json.loads((tmp_path / name / "summary.json").read_text())
    assert summary["checks"] and all(isinstance(c["holds"], bool) for c in summary["checks"])
