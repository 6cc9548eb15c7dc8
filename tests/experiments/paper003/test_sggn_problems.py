"""``paper003/_sggn_problems.py``: the config of ``sggn`` refuses an unknown problem, and the targets,
initial neurons and 2D check rule of its problems."""

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper003._sggn_problems import SgGNConfig, check_error, make_problem, make_target


def test_bad_config_errors(tmp_path, sggn_tiny):
    with pytest.raises(
        ValueError,
        match=r"problems\[0\] must be one of \[.step., .layer., .multifreq., .line2d.\]; got .square.",
    ):
        run_experiment("sggn", "quick", tmp_path / "never", {**sggn_tiny, "problems": ["square"]})
    assert not (tmp_path / "never").exists()  # refused before anything was written


def test_1d_problems_start_from_uniform_breakpoints_of_alternating_orientation():
    cfg = SgGNConfig(neurons_1d=4, step_x0=0.3)
    target, _, w0, b0 = make_problem("step", cfg)
    assert w0.tolist() == [[1.0], [-1.0], [1.0], [-1.0]]
    np.testing.assert_allclose(-b0 / w0[:, 0], [0.125, 0.375, 0.625, 0.875])
    assert target(np.array([[0.29], [0.31]])).tolist() == [0.0, 1.0]  # the step at step_x0
    assert check_error(target, cfg) is None  # 1D: the training rule is exact for the network
    with pytest.raises(ValueError, match="problems entries must be among"):
        make_target("square", cfg)


def test_2d_check_error_is_the_relative_l2_error_on_a_finer_rule():
    cfg = SgGNConfig(neurons_2d=3, panels_2d=2, order_2d=2)
    target, _, w0, b0 = make_problem("line2d", cfg)
    assert w0.shape == (3, 2) and b0.shape == (3,)
    np.testing.assert_allclose(np.linalg.norm(w0, axis=1), 1.0)
    err = check_error(target, cfg)
    assert err(w0, b0, np.zeros(3)) == pytest.approx(1.0)  # v = 0: ||u|| / ||u||
    # v = 2 relu(x1) = 2 x1 on [0, 1]^2 against the jump u = 1 above x2 = x1 / 2 + 1 / 4 (int u = 1/2):
    # ||v - u||^2 = int 4 x1^2 - 4 x1 u + u = 4/3 - 4 * 5/24 + 1/2 = 1, so the error is 1 / sqrt(1/2)
    assert err([[1.0, 0.0]], [0.0], [2.0]) == pytest.approx(np.sqrt(2.0), rel=1e-2)
