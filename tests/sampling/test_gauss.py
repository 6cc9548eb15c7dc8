"""Gauss–Legendre rules and tensor products (rankscope.sampling.gauss): exactness and error formulas."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankscope.sampling import Box, Interval, gauss_legendre, tensor_product, trapezoid, uniform_grid

A, B = -0.7, 1.9  # a generic, asymmetric interval


def exact_monomial(k: int, a: float, b: float) -> float:
    """∫_a^b x^k dx in exact rational arithmetic, then rounded once."""
    fa, fb = Fraction(a), Fraction(b)
    return float((fb ** (k + 1) - fa ** (k + 1)) / (k + 1))


def gauss_error_x2n(n: int, width: float, panels: int = 1) -> float:
    """∫ x^{2n} - Q[x^{2n}], composite n-point Gauss: panels H^{2n+1} (n!)^4/((2n+1) ((2n)!)^2)."""
    h = width / panels
    return panels * h ** (2 * n + 1) * math.factorial(n) ** 4 / ((2 * n + 1) * math.factorial(2 * n) ** 2)


def power(k: int, axis: int = 0):
    return lambda x: x[:, axis] ** k


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_gauss_exact_up_to_degree_2n_minus_1(n):
    q = gauss_legendre(Interval(A, B), n)
    assert q.rule == "gauss_legendre" and len(q) == n and q.dim == 1
    for k in range(2 * n):
        np.testing.assert_allclose(q.integrate(power(k)), exact_monomial(k, A, B), rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("panels", [1, 3])
def test_gauss_not_exact_at_degree_2n_and_error_matches_formula(n, panels):
    q = gauss_legendre((A, B), n, panels=panels)
    assert len(q) == n * panels
    exact = exact_monomial(2 * n, A, B)
    err = exact - q.integrate(power(2 * n))
    expected = gauss_error_x2n(n, B - A, panels)
    roundoff = 1e-13 * abs(exact)
    assert abs(err) > 1e3 * roundoff  # genuinely inexact, far above round-off
    np.testing.assert_allclose(err, expected, rtol=1e-7, atol=roundoff)


@pytest.mark.parametrize("panels", [2, 5])
def test_composite_gauss_exact_and_nodes_inside_panels(panels):
    n = 3
    q = gauss_legendre((A, B), n, panels=panels)
    for k in range(2 * n):
        np.testing.assert_allclose(q.integrate(power(k)), exact_monomial(k, A, B), rtol=1e-12)
    edges = np.linspace(A, B, panels + 1)
    x = q.points[:, 0].reshape(panels, n)
    assert np.all((x > edges[:-1, None]) & (x < edges[1:, None]))
    # panel weights each sum to the panel width
    np.testing.assert_allclose(q.weights.reshape(panels, n).sum(axis=1), np.diff(edges))


def test_gauss_on_2d_box_products_of_monomials():
    box = Box((-1.0, 0.5), (2.0, 1.5))
    n = 3
    q = gauss_legendre(box, n)
    assert q.points.shape == (n**2, 2)
    for i in range(2 * n):
        for j in range(2 * n):
            got = q.integrate(lambda x, i=i, j=j: x[:, 0] ** i * x[:, 1] ** j)
            want = exact_monomial(i, -1.0, 2.0) * exact_monomial(j, 0.5, 1.5)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    err = exact_monomial(2 * n, -1.0, 2.0) * 1.0 - q.integrate(power(2 * n, axis=0))
    np.testing.assert_allclose(err, gauss_error_x2n(n, 3.0) * 1.0, rtol=1e-7)
    assert abs(err) > 1e-6


def test_gauss_on_3d_box_with_panels():
    lows, highs = (0.0, -1.0, 2.0), (1.0, 1.0, 2.5)
    n, panels = 2, 2
    q = gauss_legendre(Box(lows, highs), n, panels=panels)
    assert q.points.shape == ((n * panels) ** 3, 3)
    for i in range(2 * n):
        for j in range(2 * n):
            for k in range(2 * n):
                got = q.integrate(lambda x, i=i, j=j, k=k: x[:, 0] ** i * x[:, 1] ** j * x[:, 2] ** k)
                powers = zip((i, j, k), lows, highs, strict=True)
                want = math.prod(exact_monomial(p, lo, hi) for p, lo, hi in powers)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    # degree 2n in z is not exact; y^0 x^0 factors integrate to the other widths (1 * 2)
    err = 2.0 * exact_monomial(2 * n, 2.0, 2.5) - q.integrate(power(2 * n, axis=2))
    np.testing.assert_allclose(err, 2.0 * gauss_error_x2n(n, 0.5, panels), rtol=1e-6)
    assert err > 0


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(-10.0, 10.0),
    width=st.floats(1e-2, 10.0),
    n=st.integers(1, 10),
    data=st.data(),
)
def test_gauss_random_polynomial_degree_2n_minus_1(low, width, n, data):
    high = low + width
    coeffs = data.draw(st.lists(st.floats(-1.0, 1.0), min_size=2 * n, max_size=2 * n), label="coeffs")
    q = gauss_legendre((low, high), n)
    got = q.integrate(lambda x: np.polynomial.polynomial.polyval(x[:, 0], coeffs))
    fa, fb = Fraction(low), Fraction(high)
    exact = float(sum(Fraction(c) * (fb ** (k + 1) - fa ** (k + 1)) / (k + 1) for k, c in enumerate(coeffs)))
    big = max(abs(low), abs(high))
    scale = (high - low) * sum(abs(c) * big**k for k, c in enumerate(coeffs))
    assert abs(got - exact) <= 1e-12 * scale + 1e-300


@pytest.mark.parametrize(("n", "panels"), [(1, 1), (3, 1), (2, 3)])
def test_tensor_product_of_1d_gauss_equals_box_rule(n, panels):
    qx = gauss_legendre((-1.0, 2.0), n, panels=panels)
    qy = gauss_legendre(Interval(0.5, 1.5), n, panels=panels)
    q = tensor_product(qx, qy)
    ref = gauss_legendre(Box((-1.0, 0.5), (2.0, 1.5)), n, panels=panels)
    np.testing.assert_array_equal(q.points, ref.points)
    np.testing.assert_array_equal(q.weights, ref.weights)
    assert q.rule == "gauss_legendre" and q.dim == 2


def test_tensor_product_with_different_node_counts():
    q = tensor_product(gauss_legendre((-1.0, 2.0), 3), gauss_legendre((0.5, 1.5), 4, panels=2))
    assert q.points.shape == (3 * 8, 2)
    np.testing.assert_allclose(q.weights.sum(), 3.0, rtol=1e-14)
    got = q.integrate(lambda x: x[:, 0] ** 5 * x[:, 1] ** 7)
    want = exact_monomial(5, -1.0, 2.0) * exact_monomial(7, 0.5, 1.5)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_tensor_product_three_factors_and_mixed_names():
    q = tensor_product(trapezoid((0.0, 1.0), 3), gauss_legendre(Box.cube(0.0, 2.0, 2), 2))
    assert q.rule == "tensor_product" and q.points.shape == (3 * 4, 3)
    np.testing.assert_allclose(q.integrate(lambda x: x[:, 0] * x[:, 1] * x[:, 2]), 0.5 * 2 * 2)
    q3 = tensor_product(*(uniform_grid((0.0, 1.0), 2) for _ in range(3)))
    ref = uniform_grid(Box.cube(0.0, 1.0, 3), 2)
    np.testing.assert_array_equal(q3.points, ref.points)
    np.testing.assert_allclose(q3.weights, ref.weights, rtol=1e-15)


def test_tensor_product_rejects_bad_input():
    with pytest.raises(ValueError, match=r"rules must contain at least one Quadrature"):
        tensor_product()
    with pytest.raises(TypeError, match=r"rules\[1\] must be a Quadrature; got"):
        tensor_product(trapezoid((0.0, 1.0), 2), np.zeros((2, 1)))  # type: ignore[arg-type]
