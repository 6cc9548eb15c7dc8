"""Trapezoid and midpoint grids (rankscope.sampling.grids): exactness and error formulas."""

from fractions import Fraction

import numpy as np
import pytest

from rankscope.sampling import Box, Interval, trapezoid, uniform_grid

A, B = -0.7, 1.9  # a generic, asymmetric interval


def exact_monomial(k: int, a: float, b: float) -> float:
    """∫_a^b x^k dx in exact rational arithmetic, then rounded once."""
    fa, fb = Fraction(a), Fraction(b)
    return float((fb ** (k + 1) - fa ** (k + 1)) / (k + 1))


def power(k: int, axis: int = 0):
    return lambda x: x[:, axis] ** k


@pytest.mark.parametrize("n", [2, 3, 7])
def test_trapezoid_exact_linear_and_quadratic_error_formula(n):
    q = trapezoid((A, B), n)
    assert q.rule == "trapezoid" and len(q) == n
    assert q.points[0, 0] == A and q.points[-1, 0] == B
    h = (B - A) / (n - 1)
    np.testing.assert_allclose(q.weights[[0, -1]], [h / 2, h / 2], rtol=1e-15)
    np.testing.assert_allclose(q.weights[1:-1], h, rtol=1e-15)
    lin = q.integrate(lambda x: 3.0 * x[:, 0] - 2.0)
    np.testing.assert_allclose(lin, 3.0 * exact_monomial(1, A, B) - 2.0 * (B - A), rtol=1e-13)
    # ∫f - T f = -(b - a) h^2 f''/12 with f = x^2, f'' = 2
    err = exact_monomial(2, A, B) - q.integrate(power(2))
    np.testing.assert_allclose(err, -(B - A) * h**2 * 2.0 / 12.0, rtol=1e-10)


def test_trapezoid_2d_bilinear_exact_and_quadratic_error():
    box = Box((0.0, -1.0), (2.0, 0.5))
    n = 5
    q = trapezoid(box, n)
    assert q.points.shape == (n * n, 2)
    got = q.integrate(lambda x: x[:, 0] * x[:, 1] + x[:, 0] - 4.0 * x[:, 1])
    want = (
        exact_monomial(1, 0.0, 2.0) * exact_monomial(1, -1.0, 0.5)
        + exact_monomial(1, 0.0, 2.0) * 1.5
        - 4.0 * 2.0 * exact_monomial(1, -1.0, 0.5)
    )
    np.testing.assert_allclose(got, want, rtol=1e-13)
    h = 2.0 / (n - 1)
    err = exact_monomial(2, 0.0, 2.0) * 1.5 - q.integrate(power(2))
    np.testing.assert_allclose(err, -1.5 * 2.0 * h**2 * 2.0 / 12.0, rtol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_midpoint_exact_linear_and_quadratic_error_formula(n):
    q = uniform_grid(Interval(A, B), n)
    h = (B - A) / n
    assert q.rule == "uniform" and len(q) == n
    np.testing.assert_allclose(q.points[:, 0], A + h * (np.arange(n) + 0.5), rtol=1e-14)
    lin = q.integrate(lambda x: 3.0 * x[:, 0] - 2.0)
    np.testing.assert_allclose(lin, 3.0 * exact_monomial(1, A, B) - 2.0 * (B - A), rtol=1e-13)
    # ∫f - M f = +(b - a) h^2 f''/24 with f = x^2: +(b - a) h^2 / 12
    err = exact_monomial(2, A, B) - q.integrate(power(2))
    np.testing.assert_allclose(err, (B - A) * h**2 / 12.0, rtol=1e-10)
    assert err > 0


def test_uniform_grid_box_equal_weights_and_cell_centres():
    box = Box((0.0, 0.0, -1.0), (1.0, 2.0, 1.0))
    q = uniform_grid(box, 4)
    assert q.points.shape == (64, 3)
    np.testing.assert_array_equal(q.weights, np.full(64, box.volume / 64))
    np.testing.assert_allclose(q.points[:4, 2], [-0.75, -0.25, 0.25, 0.75])  # last axis fastest
    lin = q.integrate(lambda x: x[:, 0] + 2.0 * x[:, 1] - x[:, 2])
    np.testing.assert_allclose(lin, 0.5 * 4.0 + 2.0 * 2.0 * 2.0 - 0.0, rtol=1e-13)
