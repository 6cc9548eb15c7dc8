"""``paper003/_sggn_claims.py``: the claim table of ``sggn`` decided on synthetic series and on hand-made
measures."""

import numpy as np
import pytest

from rankscope.experiments.claims import evaluate_claims
from rankscope.experiments.paper003._sggn_claims import SGGN_CLAIMS
from rankscope.experiments.paper003.sggn import SgGNConfig, sggn_checks


def _series(err, time, n=4, bp=0.4, chol=True):
    it = np.arange(len(err))
    w = np.ones((n, 1))
    return {
        "iter": it,
        "loss": 0.3 * np.asarray(err) ** 2,
        "rel_error": np.asarray(err, dtype=float),
        "error": np.asarray(err, dtype=float),
        "time": np.asarray(time, dtype=float),
        "mass_cholesky": np.full(len(err), chol),
        "gn_cholesky": np.full(len(err), True),
        "mass_min_eig": np.full(len(err), 1e-6),
        "gn_min_eig": np.r_[np.nan, np.full(len(err) - 1, 1e-7)],
        "initial_weights": w,
        "initial_biases": -np.linspace(0.1, 0.9, n),
        "final_weights": w,
        "final_biases": -np.r_[bp, np.linspace(0.6, 0.9, n - 1)],
        "final_coefficients": np.ones(n),
    }


def test_checks_hold_and_fail_on_synthetic_series():
    cfg = SgGNConfig(problems=("step", "multifreq"), sggn_iterations=3, adam_steps=5)
    good = {
        p: {
            "sggn": _series([0.5, 0.1, 0.01, 0.001], [0.0, 0.1, 0.2, 0.3]),
            "adam": _series([0.5, 0.3, 0.2, 0.1, 0.05, 0.04], [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]),
            "lbfgs": _series([0.5, 0.2, 0.1], [0.0, 0.2, 0.4]),
        }
        for p in cfg.problems
    }
    checks, measures = sggn_checks(cfg, good)
    assert all(c.holds for c in checks), [c for c in checks if not c.holds]
    assert measures["step"]["equal_time_vs_adam"]["factor"] == pytest.approx(0.1 / 0.001)
    assert measures["step"]["breakpoint_distance"]["final"] == pytest.approx(0.0, abs=1e-15)

    bad = {p: dict(v) for p, v in good.items()}
    bad["multifreq"] = dict(good["multifreq"])
    bad["multifreq"]["sggn"] = _series([0.5, 0.4, 0.3, 0.2], [0.0, 0.1, 0.2, 0.3], chol=False)
    bad["step"] = dict(good["step"])
    bad["step"]["sggn"] = _series([0.5, 0.1, 0.01, 0.001], [0.0, 0.1, 0.2, 0.3], bp=0.41)
    held = {c.name: c.holds for c in sggn_checks(cfg, bad)[0]}
    assert held == {
        "A and Hhat positive definite along the SgGN run": False,
        "SgGN moves a breakpoint onto the step discontinuity": False,
        "3 SgGN iterations beat 5 Adam steps": False,
        "SgGN beats Adam at equal wall time": False,
        "SgGN beats L-BFGS at equal wall time": False,
    }


def _measures(factor_adam=2.0, factor_lbfgs=3.0, failures_a=0, sggn_error=0.01):
    one = {
        "sggn": {
            "final_rel_error": sggn_error,
            "min_eig_A": 1e-6,
            "min_eig_Hhat": None,
            "cholesky_failures_A": failures_a,
            "cholesky_failures_Hhat": 0,
        },
        "adam": {"final_rel_error": 0.1},
        "equal_time_vs_adam": {"factor": factor_adam},
    }
    if factor_lbfgs is not None:
        one["equal_time_vs_lbfgs"] = {"factor": factor_lbfgs}
    return {"multifreq": one, "quadrature": {"1d": "the rule"}}  # "quadrature" is no problem


def test_claims_without_the_step_skip_its_breakpoint_row_and_read_every_problem():
    cfg = SgGNConfig(problems=("multifreq",), sggn_iterations=3, adam_steps=5)
    checks = evaluate_claims(SGGN_CLAIMS, _measures(), cfg)
    assert [c.name for c in checks] == [
        "A and Hhat positive definite along the SgGN run",
        "3 SgGN iterations beat 5 Adam steps",
        "SgGN beats Adam at equal wall time",
        "SgGN beats L-BFGS at equal wall time",
    ]
    assert [c.holds for c in checks] == [True, True, True, True]
    assert "min eig Hhat n/a" in checks[0].ours  # no Gauss-Newton step was taken
    verdicts = {
        "one Cholesky failure": _measures(failures_a=1),
        "SgGN behind Adam at the end": _measures(sggn_error=0.2),
        "Adam ahead at equal time": _measures(factor_adam=1.0),
        "no L-BFGS run": _measures(factor_lbfgs=None),
    }
    assert {k: [c.holds for c in evaluate_claims(SGGN_CLAIMS, m, cfg)] for k, m in verdicts.items()} == {
        "one Cholesky failure": [False, True, True, True],
        "SgGN behind Adam at the end": [True, False, True, True],
        "Adam ahead at equal time": [True, True, False, True],
        "no L-BFGS run": [True, True, True, False],
    }
