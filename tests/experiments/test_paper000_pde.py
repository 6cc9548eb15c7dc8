"""Experiments ``pinn-poisson-udi`` (paper 000 Ex. 4.2, Fig. 7) and ``rfm-vs-elm`` (Ex. 4.3, Fig. 8)."""

import json
import math

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.checks import unexpected_failures
from rankscope.experiments.paper000_pde import (
    PinnPoissonUDI,
    RfmVsElm,
    pinn_checks,
    rfm_checks,
    steps_to_reach,
)
from rankscope.store import RunDir

PINN_TINY = {
    "width": 8,
    "depth": 1,
    "stages": [["adam", 40, 0.01]],
    "interior_points": 6,
    "boundary_points": 6,
    "quadrature_points": 10,
    "error_points": 10,
    "every": 5,
    "checkpoint_every": 10,
}
RFM_TINY = {"n_features": 36, "counts": [18, 36], "fit_points": 6, "error_points": 8, "map_points": 11}
PINN_CHECKS = {
    "UDI starts at a higher eps-rank",
    "UDI decreases the loss faster",
    "UDI ends with a lower error",
    "staircase under Xavier",
}


def test_pinn_tiny_run_writes_the_run_directory(tmp_path):
    run_experiment("pinn-poisson-udi", "quick", tmp_path / "r", PINN_TINY)
    run = tmp_path / "r"
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/pinn_poisson_udi.png"]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert {c["name"] for c in summary["checks"]} == PINN_CHECKS
    records = RunDir(run).read_metrics()
    for init in ("xavier", "udi"):
        assert [r["iter"] for r in records if r["run"] == init] == list(range(0, 41, 5))
    assert all(0 < r["rel_l2_error"] for r in records)
    arrays = np.load(run / "arrays.npz")
    assert arrays["udi/spectrum"].shape == (9, 8)


def test_pinn_killed_run_resumes_without_losing_or_duplicating_records(tmp_path):
    ref = tmp_path / "ref"
    run_experiment("pinn-poisson-udi", "quick", ref, PINN_TINY)

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if label == "udi" and done == 27:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("pinn-poisson-udi", "quick", tmp_path / "k", PINN_TINY, progress=killer)
    partial = RunDir(tmp_path / "k").read_metrics()
    assert partial[-1]["run"] == "udi" and partial[-1]["iter"] == 25
    run_experiment("pinn-poisson-udi", "quick", tmp_path / "k", PINN_TINY, resume=True)
    a, b = RunDir(ref).read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [(r["run"], r["iter"]) for r in a] == [(r["run"], r["iter"]) for r in b]
    assert [r["loss"] for r in a] == [r["loss"] for r in b]
    assert [r["rel_l2_error"] for r in a] == [r["rel_l2_error"] for r in b]


def test_steps_to_reach():
    steps = np.array([0, 10, 20, 30])
    assert steps_to_reach(steps, np.array([5.0, 2.0, 0.5, 0.1]), 1.0) == 20.0
    assert steps_to_reach(steps, np.array([5.0, 2.0, 1.5, 1.1]), 1.0) == math.inf


def _series(ranks, loss, error):
    it = np.arange(0, 10 * len(ranks), 10)
    return {
        "iter": it,
        "loss": np.asarray(loss, float),
        "eps_rank": np.asarray(ranks),
        "error": np.full(len(it), float(error)),
        "spectrum": np.zeros((len(it), 1)),
    }


def test_pinn_checks_hold_and_fail_on_synthetic_series():
    cfg = resolve_config(PinnPoissonUDI(), "quick", {"stages": [["adam", 990, 1e-3]], "width": 50})
    n = 100
    fast = np.geomspace(100.0, 1e-3, n)
    slow = np.geomspace(100.0, 0.5, n)  # reaches the level 1e-2 * 100 after 88% of training
    stair = np.repeat([10, 20, 30, 40, 45], 20)
    good = {"udi": _series(np.full(n, 50), fast, 0.01), "xavier": _series(stair, slow, 0.1)}
    checks, measures = pinn_checks(cfg, good, f_norm2=100.0)
    assert [c.name for c in checks] == [
        "UDI starts at a higher eps-rank",
        "UDI decreases the loss faster",
        "UDI ends with a lower error",
        "staircase under Xavier",
    ]
    assert [c.holds for c in checks] == [True, True, True, True]
    assert measures["udi"]["steps_to_level"] < measures["xavier"]["steps_to_level"]
    bad = {"udi": _series(np.full(n, 5), slow, 0.2), "xavier": _series(np.full(n, 30), fast, 0.1)}
    checks, _ = pinn_checks(cfg, bad, f_norm2=100.0)
    assert [c.holds for c in checks] == [False, False, False, False]


def _rec(method, n, seed, rank, err_t, err_l):
    return {
        "method": method,
        "n_features": n,
        "seed": seed,
        "eps_rank": rank,
        "rel_l2_error": {"truncated_svd": err_t, "lstsq": err_l},
    }


def test_rfm_checks_hold_and_fail_on_synthetic_records():
    cfg = resolve_config(RfmVsElm(), "quick", {"counts": [90, 450, 900]})
    good = []
    for n in (90, 450, 900):
        good.append(_rec("RFM", n, 0, n // 2, 10.0 / (n // 2), 1e-3))  # error = 10 / eps-rank
        good.append(_rec("ELM", n, 0, n // 8, 10.0 / (n // 8), 1e-4))
    checks, measures = rfm_checks(cfg, good)
    names = [c.name for c in checks]
    assert names == [
        "RFM has a higher eps-rank",
        "RFM has a lower L2 error (truncated_svd)",
        "RFM has a lower L2 error (lstsq)",
        "error roughly inversely proportional to the eps-rank",
    ]
    assert [c.holds for c in checks] == [True, True, False, True]
    assert measures["loglog_slope_error_vs_rank"] == pytest.approx(-1.0)
    bad = [
        _rec(r["method"], r["n_features"], 0, 200 - r["eps_rank"], r["eps_rank"] / 1e3, 1e-4) for r in good
    ]
    checks, _ = rfm_checks(cfg, bad)
    assert [c.holds for c in checks] == [False, False, False, False]


def test_rfm_tiny_run_writes_the_run_directory(tmp_path):
    run_experiment("rfm-vs-elm", "quick", tmp_path / "r", RFM_TINY)
    run = tmp_path / "r"
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/rfm_vs_elm.png"]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert len(summary["checks"]) == 4
    records = RunDir(run).read_metrics()
    assert sorted((r["method"], r["n_features"]) for r in records) == [
        ("ELM", 18),
        ("ELM", 36),
        ("RFM", 18),
        ("RFM", 36),
    ]
    arrays = np.load(run / "arrays.npz")
    assert arrays["map/RFM"].shape == arrays["map/exact"].shape == (11, 11)
    with pytest.raises(ValueError, match="divisible by the 9 subdomains"):
        run_experiment("rfm-vs-elm", "quick", tmp_path / "bad", {**RFM_TINY, "counts": [20]})


@pytest.mark.slow
@pytest.mark.parametrize("name", ["pinn-poisson-udi", "rfm-vs-elm"])
def test_quick_presets_reproduce_the_papers_claims(tmp_path, name):
    """CI-sized reproductions of Fig. 7 and Fig. 8. Every check must hold or be fragile except the
    accuracy claim under full-precision float64 least squares, which does not reproduce (see the
    module docstring of ``rankscope.experiments.paper000_pde``)."""
    not_reproduced = {"RFM has a lower L2 error (lstsq)"}
    run_experiment(name, "quick", tmp_path / name)
    summary = json.loads((tmp_path / name / "summary.json").read_text())
    failing = unexpected_failures(summary["checks"], not_reproduced)
    assert not failing, failing
