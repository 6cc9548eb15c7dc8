"""``pinn-poisson-udi`` (paper 000 Ex. 4.2, Fig. 7): a tiny run, a killed run resumed, and the claims."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper000.pinn_poisson_udi import (
    PinnPoissonUDIExperiment,
    pinn_checks,
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
    cfg = resolve_config(PinnPoissonUDIExperiment(), "quick", {"stages": [["adam", 990, 1e-3]], "width": 50})
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
