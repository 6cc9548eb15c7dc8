"""Experiment ``sggn`` (paper 003 ref. [1], sggn-notes.md): SgGN vs Adam and L-BFGS, a tiny run (its
parts: ``test_sggn_problems.py``, ``test_sggn_train.py``, ``test_sggn_measures.py``,
``test_sggn_claims.py``; the tiny config in ``conftest.py``)."""

import json

import pytest

from rankscope.store import RunDir

CHECKS = {
    "A and Hhat positive definite along the SgGN run",
    "SgGN moves a breakpoint onto the step discontinuity",
    "5 SgGN iterations beat 40 Adam steps",
    "SgGN beats Adam at equal wall time",
    "SgGN beats L-BFGS at equal wall time",
}


def _keys(records):
    return [(r["problem"], r["method"], r["iter"]) for r in records]


def test_tiny_run_writes_the_run_directory(sggn_ref_run):
    run = sggn_ref_run
    for f in [
        "config.toml",
        "metrics.jsonl",
        "arrays.npz",
        "summary.json",
        "figures/sggn_step.png",
        "figures/sggn_line2d.png",
    ]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert {c["name"] for c in summary["checks"]} == CHECKS
    records = RunDir(run).read_metrics()
    keys = _keys(records)
    assert len(keys) == len(set(keys))
    assert [k[2] for k in keys if k[:2] == ("step", "adam")] == [0, 10, 20, 30, 40]
    sg = [r for r in records if r["method"] == "sggn" and r["problem"] == "step"]
    assert sg[0]["iter"] == 0 and len(sg[0]["breakpoints"]) == 6
    assert all(k in sg[-1] for k in ("mass_min_eig", "gn_min_eig", "mass_cholesky", "gn_cholesky", "time"))
    # every method starts from the same neurons and the same L2-projection coefficients
    first = {r["method"]: r for r in records if r["problem"] == "step" and r["iter"] == 0}
    assert first["adam"]["loss"] == pytest.approx(first["sggn"]["loss"], rel=1e-10)
    assert first["lbfgs"]["weights"] == first["sggn"]["weights"]
    # the loss and the relative error are one quantity: J = ||u||^2 e^2 / 2 with ||u||^2 = 0.6 (step at 0.4)
    for r in records:
        if r["problem"] == "step":
            assert r["loss"] == pytest.approx(0.5 * 0.6 * r["rel_error"] ** 2, rel=1e-9)
    assert "2d_moment_errors" in summary["measures"]["quadrature"]
    # 2D records carry the error on the independent (finer) check rule, 1D records do not need it
    assert all(("rel_error_check" in r) == (r["problem"] == "line2d") for r in records)
    assert all(0 < r["rel_error_check"] <= 1.5 for r in records if r["problem"] == "line2d")
