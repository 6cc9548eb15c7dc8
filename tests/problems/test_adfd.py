"""The problems of paper 001 (``rankscope.problems.adfd``) as data: exact solutions and forcings."""

import math

import numpy as np
import pytest

from rankscope.problems.adfd import adfd_problem, biharmonic_coefficients


def test_biharmonic_solution_meets_the_clamped_conditions():
    c0, c1, c2, c3 = biharmonic_coefficients()
    e = math.e
    assert (c0, c1, c2, c3) == pytest.approx(
        (-e / 4 - 3 / (4 * e), 1 / e - e / 2, (1 / e - e) / 4, -1 / (2 * e))
    )
    u = adfd_problem("biharmonic").solution
    x = np.array([[-1.0], [1.0]])
    np.testing.assert_allclose(u(x), 0.0, atol=1e-14)
    du = (u(x + 1e-6) - u(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(du, 0.0, atol=1e-8)
    # the coefficients printed in Sec. 4 meet u(1) = u'(+-1) = 0 but not u(-1) = 0
    p0, p1, p2, p3 = -5 / (12 * e) - e / 4, 1 / (2 * e) - e / 2, 1 / (4 * e) - e / 4, -1 / (3 * e)
    assert abs(p0 + p1 + p2 + p3 + e) < 1e-12
    assert p0 - p1 + p2 - p3 + 1 / e == pytest.approx(0.2452529608)


def test_poisson2d_forcing_is_the_laplacian_of_the_solution():
    prob = adfd_problem("poisson2d")
    x = np.random.default_rng(0).random((20, 2))
    h = 1e-4
    lap = sum(
        (prob.solution(x + h * ev) - 2 * prob.solution(x) + prob.solution(x - h * ev)) / h**2
        for ev in np.eye(2)
    )
    np.testing.assert_allclose(lap, prob.forcing(x), rtol=1e-5)
