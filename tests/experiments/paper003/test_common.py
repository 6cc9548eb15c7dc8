"""``paper003/_common.py``: the quadrature size, the fitted-function error and the 1D solver warm-up
shared by the paper 003 experiments."""

import warnings

import numpy as np
import pytest

from rankscope.experiments.paper003._common import DOMAIN, function_error, quad_points, warm_up_1d


def test_quad_points_is_ceil_of_two_sqrt_n():
    assert [quad_points(n) for n in (1, 10, 16, 17, 100)] == [2, 7, 8, 9, 20]
    assert all(quad_points(n) ** 2 >= 4 * n for n in range(1, 500))  # about 4n points in 2D


def test_function_error_by_hand():
    a = np.diag([1.0, 4.0])
    assert function_error(a, np.array([1.0, 0.5]), np.array([1.0, 0.0])) == pytest.approx(1.0)  # e = (0, .5)
    assert function_error(a, np.array([2.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(np.sqrt(1 / 5))
    assert function_error(np.diag([1.0, -1.0]), np.array([1.0, 1.0]), np.array([1.0, 0.0])) == 0.0  # clipped


def test_function_error_is_the_relative_l2_error_of_the_relu_fit():
    # A = Phi^T W Phi on a midpoint rule over DOMAIN: then e^T A e is that rule's ||v_c - v_c*||^2
    x = np.linspace(*DOMAIN, 401)[:-1] + 1 / 800
    wq = np.full(x.size, 1 / 400)
    t = np.array([0.1, 0.4, 0.7])
    phi = np.maximum(x[:, None] - t, 0.0)
    a = phi.T @ (wq[:, None] * phi)
    c, c_star = np.array([1.0, -2.0, 0.5]), np.array([1.5, -2.0, 1.0])
    direct = np.sqrt(wq @ (phi @ (c - c_star)) ** 2 / (wq @ (phi @ c_star) ** 2))
    assert function_error(a, c, c_star) == pytest.approx(direct, rel=1e-12)


def test_warm_up_1d_solves_without_a_warning():
    assert DOMAIN == (0.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the solver warns on a large backward error or residual
        warm_up_1d()
