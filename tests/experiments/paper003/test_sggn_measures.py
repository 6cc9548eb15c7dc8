"""``paper003/_sggn_measures.py``: the records grouped into series and the measures the ``sggn`` claims
read, on hand-made records."""

import numpy as np
import pytest

from rankscope.experiments.paper003._sggn_measures import error_at_time, series, sggn_measures
from rankscope.experiments.paper003._sggn_problems import SgGNConfig


def test_error_at_time():
    t, e = np.array([0.0, 1.0, 2.0]), np.array([1.0, 0.5, 0.1])
    assert error_at_time(t, e, 2.0) == 0.1
    assert error_at_time(t, e, 0.99) == 1.0
    assert error_at_time(t + 1, e, 0.5) == 1.0


def _rec(problem, method, it, time, rel_error, biases, **extra):
    w = [[1.0], [-1.0]] if problem == "step" else [[1.0, 0.0], [0.0, 1.0]]
    out = {"problem": problem, "method": method, "iter": it, "time": time, "rel_error": rel_error}
    out |= {"loss": 0.3 * rel_error**2, "weights": w, "biases": biases, "coefficients": [1.0, 2.0]}
    return {**out, **extra}


def _sggn(cholesky, gn_cholesky, mass_eig, gn_eig):
    return {
        "mass_cholesky": cholesky,
        "gn_cholesky": gn_cholesky,
        "mass_min_eig": mass_eig,
        "gn_min_eig": gn_eig,
    }


RECORDS = [
    # step: breakpoints -b/w = (0.3, 0.45) initially, (0.39, 0.45) after SgGN; x0 = 0.4
    _rec("step", "sggn", 0, 0.0, 0.5, [-0.3, 0.45], **_sggn(True, None, 1e-3, None)),
    _rec("step", "sggn", 1, 0.1, 0.2, [-0.39, 0.45], **_sggn(False, True, 1e-4, 1e-5)),
    _rec("step", "adam", 0, 0.0, 0.5, [-0.3, 0.45]),
    _rec("step", "adam", 10, 0.05, 0.4, [-0.32, 0.45]),
    _rec("step", "adam", 20, 0.2, 0.35, [-0.35, 0.45]),
    # line2d: the errors on the check rule are the errors the measures read
    _rec("line2d", "sggn", 0, 0.0, 0.5, [-0.5, -0.5], rel_error_check=0.6, **_sggn(True, None, 1e-3, None)),
    _rec("line2d", "sggn", 1, 0.3, 0.1, [-0.5, -0.5], rel_error_check=0.2, **_sggn(True, False, 1e-4, -1.0)),
    _rec("line2d", "lbfgs", 0, 0.0, 0.5, [-0.5, -0.5], rel_error_check=0.6),
    _rec("line2d", "lbfgs", 5, 0.25, 0.3, [-0.5, -0.5], rel_error_check=0.5),
]


def test_series_groups_the_records_and_reads_the_check_rule_in_2d():
    data = series(RECORDS)
    assert {p: list(d) for p, d in data.items()} == {"step": ["sggn", "adam"], "line2d": ["sggn", "lbfgs"]}
    sg = data["step"]["sggn"]
    assert sg["iter"].tolist() == [0, 1] and sg["error"].tolist() == [0.5, 0.2]
    assert sg["mass_cholesky"].tolist() == [True, False]
    assert sg["gn_cholesky"].tolist() == [True, True]  # no Gauss-Newton step at iteration 0 is no failure
    np.testing.assert_array_equal(sg["gn_min_eig"], [np.nan, 1e-5])
    assert sg["initial_biases"].tolist() == [-0.3, 0.45] and sg["final_biases"].tolist() == [-0.39, 0.45]
    assert "mass_cholesky" not in data["step"]["adam"]
    assert data["line2d"]["sggn"]["error"].tolist() == [0.6, 0.2]
    assert data["line2d"]["sggn"]["rel_error"].tolist() == [0.5, 0.1]


def test_sggn_measures_by_hand():
    m = sggn_measures(SgGNConfig(problems=("step", "line2d")), series(RECORDS))
    step, line = m["step"], m["line2d"]
    assert step["sggn"] == {
        "iterations": 1,
        "final_rel_error": 0.2,
        "final_rel_error_training_rule": 0.2,
        "final_loss": pytest.approx(0.3 * 0.2**2),
        "wall_time_s": 0.1,
        "min_eig_A": 1e-4,
        "min_eig_Hhat": 1e-5,
        "cholesky_failures_A": 1,
        "cholesky_failures_Hhat": 0,
    }
    # equal time T = min(0.1, 0.2): Adam's last record with time <= 0.1 is iteration 10 (error 0.4)
    assert step["equal_time_vs_adam"] == {
        "time_s": 0.1,
        "sggn": 0.2,
        "adam": 0.4,
        "factor": pytest.approx(2.0),
    }
    assert "equal_time_vs_lbfgs" not in step
    assert step["breakpoint_distance"] == {
        "initial": pytest.approx(0.05),
        "final": pytest.approx(0.01),
        "tolerance": 0.01 / 2,
        "neurons": 2,
        "adam_final": pytest.approx(0.05),
    }
    assert line["sggn"]["final_rel_error"] == 0.2 and line["sggn"]["final_rel_error_training_rule"] == 0.1
    assert line["sggn"]["min_eig_Hhat"] == -1.0 and line["sggn"]["cholesky_failures_Hhat"] == 1
    # T = min(0.3, 0.25): SgGN's last record by then is its first (error 0.6), L-BFGS's its last (0.5)
    assert line["equal_time_vs_lbfgs"] == {
        "time_s": 0.25,
        "sggn": 0.6,
        "lbfgs": 0.5,
        "factor": pytest.approx(0.5 / 0.6),
    }
    assert "breakpoint_distance" not in line
