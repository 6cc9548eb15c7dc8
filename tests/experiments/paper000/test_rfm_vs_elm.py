"""``rfm-vs-elm`` (paper 000 Ex. 4.3, Fig. 8): a tiny run and the claims."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper000.rfm_vs_elm import RfmVsElmExperiment, lstsq_cutoff, rfm_checks
from rankscope.store import RunDir

RFM_TINY = {"n_features": 36, "counts": [18, 36], "fit_points": 6, "error_points": 8, "map_points": 11}


def _rec(method, n, seed, rank, err_t, err_l):
    return {
        "method": method,
        "n_features": n,
        "seed": seed,
        "eps_rank": rank,
        "rel_l2_error": {"truncated_svd": err_t, "lstsq": err_l},
    }


def test_rfm_checks_hold_and_fail_on_synthetic_records():
    cfg = resolve_config(RfmVsElmExperiment(), "quick", {"counts": [90, 450, 900]})
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
    assert all(set(r["rel_l2_error"]) == {"lstsq", "truncated_svd", "lstsq_machine_eps"} for r in records)
    assert {r["seed"] for r in records} == {0}


def test_lstsq_cutoff_is_numpys_default_or_scipys():
    m, n = 3600, 900
    assert lstsq_cutoff("numpy", m, n) == pytest.approx(np.finfo(np.float64).eps * m)
    assert lstsq_cutoff("scipy", m, n) is None
    with pytest.raises(ValueError, match="lstsq_rcond must be one of"):
        lstsq_cutoff("matlab", m, n)


def test_the_run_seed_moves_the_feature_seeds():
    cfg = resolve_config(RfmVsElmExperiment(), "paper", {"seed": 5})
    assert tuple(cfg.seed + s for s in cfg.seeds) == (5, 6, 7)
