"""Tests for rankscope.sampling.quadrature: exactness, error formulas, weights, validation."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import qmc

from rankscope.sampling import (
    Box,
    Interval,
    Quadrature,
    boundary,
    boundary_normals,
    contains,
    gauss_legendre,
    monte_carlo,
    quadrature,
    sobol,
    tensor_product,
    trapezoid,
    uniform_grid,
)

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


# --------------------------------------------------------------------------- Gauss–Legendre


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


# --------------------------------------------------------------------------- trapezoid & midpoint


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


# --------------------------------------------------------------------------- random rules


def test_monte_carlo_constants_reproducibility_and_domain():
    box = Box((-1.0, 2.0), (3.0, 2.5))
    q = monte_carlo(box, 500, seed=3)
    assert q.rule == "monte_carlo" and q.points.shape == (500, 2)
    np.testing.assert_allclose(q.integrate(lambda x: np.full(len(x), 3.0)), 6.0, rtol=1e-12)
    assert contains(box, q.points).all()
    again = monte_carlo(box, 500, seed=3)
    np.testing.assert_array_equal(q.points, again.points)
    other = monte_carlo(box, 500, seed=4)
    assert not np.array_equal(q.points, other.points)


def test_monte_carlo_converges_loosely():
    q = monte_carlo((0.0, 1.0), 20_000, seed=0)
    assert abs(q.integrate(power(1)) - 0.5) < 0.02


def test_sobol_constants_accuracy_and_reproducibility():
    box = Box((0.0, 0.0), (1.0, 2.0))
    q = sobol(box, 4096, seed=1)
    assert q.rule == "sobol" and q.points.shape == (4096, 2)
    assert contains(box, q.points).all()
    np.testing.assert_allclose(q.integrate(lambda x: np.full(len(x), -2.0)), -4.0, rtol=1e-12)
    got = q.integrate(lambda x: np.exp(x[:, 0]) * np.sin(x[:, 1]))
    exact = (math.e - 1.0) * (1.0 - math.cos(2.0))
    assert abs(got - exact) < 1e-3
    np.testing.assert_array_equal(q.points, sobol(box, 4096, seed=1).points)
    assert not np.array_equal(q.points, sobol(box, 4096, seed=2).points)


@pytest.mark.parametrize("n", [1, 64, 100])
def test_sobol_is_warning_free_and_matches_scipy(n):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = sobol((0.0, 1.0), n, seed=5)
    ref_engine = qmc.Sobol(1, scramble=True, rng=np.random.default_rng(5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ref_engine.random(n)
    np.testing.assert_array_equal(q.points, ref)


def test_sobol_unscrambled_starts_at_corner():
    q = sobol(Box((1.0, -1.0), (2.0, 1.0)), 8, scramble=False)
    np.testing.assert_array_equal(q.points[0], [1.0, -1.0])


# --------------------------------------------------------------------------- weights sum to volume

DOMAINS = [
    Interval(A, B),
    (0.0, 3.0),
    Box((0.0, -1.0), (2.0, 0.5)),
    Box((0.0, 0.0, 1.0), (1.0, 3.0, 1.5)),
]
VOLUMES = [B - A, 3.0, 3.0, 1.5]


@pytest.mark.parametrize(("domain", "volume"), list(zip(DOMAINS, VOLUMES, strict=True)))
@pytest.mark.parametrize(
    "make",
    [
        lambda d: gauss_legendre(d, 4),
        lambda d: gauss_legendre(d, 2, panels=3),
        lambda d: trapezoid(d, 5),
        lambda d: uniform_grid(d, 5),
        lambda d: monte_carlo(d, 100, seed=0),
        lambda d: sobol(d, 128, seed=0),
    ],
)
def test_weights_sum_to_volume(domain, volume, make):
    q = make(domain)
    np.testing.assert_allclose(q.weights.sum(), volume, rtol=1e-13)
    np.testing.assert_allclose(q.total_weight, volume, rtol=1e-13)
    assert np.all(q.weights > 0)
    assert contains(domain, q.points).all()
    assert q.points.dtype == np.float64 and q.weights.dtype == np.float64


# --------------------------------------------------------------------------- tensor product


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


# --------------------------------------------------------------------------- boundary


def test_boundary_of_interval_is_counting_measure():
    q = boundary(Interval(-1.0, 2.0), 3)
    assert q.rule == "boundary"
    np.testing.assert_array_equal(q.points, [[-1.0], [2.0]])
    np.testing.assert_array_equal(q.weights, [1.0, 1.0])
    assert q.integrate(lambda x: x[:, 0] ** 2) == 5.0
    np.testing.assert_array_equal(boundary_normals((-1.0, 2.0), q), [[-1.0], [1.0]])


def on_boundary(box: Box, pts: np.ndarray) -> np.ndarray:
    return np.any((pts == np.asarray(box.lows)) | (pts == np.asarray(box.highs)), axis=1)


@pytest.mark.parametrize("rule", ["gauss_legendre", "trapezoid", "uniform"])
@pytest.mark.parametrize("n", [2, 4])
def test_boundary_of_rectangle(rule, n):
    box = Box((0.0, -1.0), (2.0, 1.5))
    q = boundary(box, n, rule=rule)
    np.testing.assert_allclose(q.weights.sum(), 2 * (2.0 + 2.5), rtol=1e-14)  # perimeter
    assert contains(box, q.points).all() and on_boundary(box, q.points).all()
    assert len(np.unique(q.points, axis=0)) == len(q)  # no duplicate points
    assert len(q) == (4 * (n - 1) if rule == "trapezoid" else 4 * n)
    # ∮ (x + 2y + 1) ds, side by side: bottom y=-1, top y=1.5 (length 2); left x=0, right x=2
    # (length 2.5)
    want = (1 - 2 + 1) * 2 + (1 + 3 + 1) * 2 + (0 + 2 * 0.25 + 1) * 2.5 + (2 + 2 * 0.25 + 1) * 2.5
    got = q.integrate(lambda x: x[:, 0] + 2.0 * x[:, 1] + 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("rule", ["gauss_legendre", "trapezoid", "uniform"])
def test_boundary_integrates_x_over_unit_square(rule):
    q = boundary(Box.cube(0.0, 1.0, 2), 3, rule=rule)
    # bottom 1/2 + top 1/2 + left 0 + right 1
    np.testing.assert_allclose(q.integrate(power(1)), 2.0, rtol=1e-14)
    np.testing.assert_allclose(q.total_weight, 4.0, rtol=1e-14)


def test_boundary_trapezoid_corner_weights():
    box = Box((0.0, 0.0), (2.0, 1.0))
    q = boundary(box, 3, rule="trapezoid")
    corner = np.flatnonzero(np.all(q.points == [0.0, 0.0], axis=1))
    assert corner.size == 1
    # h_x/2 + h_y/2 with h_x = 1, h_y = 0.5
    assert q.weights[corner[0]] == pytest.approx(0.75, rel=1e-15)


@pytest.mark.parametrize("rule", ["gauss_legendre", "trapezoid", "uniform"])
def test_boundary_of_cube(rule):
    box = Box((0.0, 0.0, 0.0), (1.0, 2.0, 3.0))
    n = 3
    q = boundary(box, n, rule=rule)
    np.testing.assert_allclose(q.weights.sum(), 2 * (2 + 3 + 6), rtol=1e-14)
    assert on_boundary(box, q.points).all()
    assert len(np.unique(q.points, axis=0)) == len(q)
    if rule == "trapezoid":
        assert len(q) == n**3 - (n - 2) ** 3
    # ∯ x ds: faces x=0 -> 0, x=1 -> 6, y-faces 2 * (1/2 * 3), z-faces 2 * (1/2 * 2)
    np.testing.assert_allclose(q.integrate(power(1)), 6 + 3 + 2, rtol=1e-13)


@pytest.mark.parametrize("rule", ["gauss_legendre", "uniform"])
def test_boundary_normals_divergence_theorem(rule):
    box = Box((-1.0, 0.0), (2.0, 1.5))
    q = boundary(box, 4, rule=rule)
    nrm = boundary_normals(box, q)
    assert nrm.shape == (len(q), 2)
    np.testing.assert_allclose(np.linalg.norm(nrm, axis=1), 1.0)

    # F = (x^2, x y): div F = 3x
    def flux(x: np.ndarray) -> np.ndarray:
        f = np.stack([x[:, 0] ** 2, x[:, 0] * x[:, 1]], axis=1)
        return np.sum(f * nrm, axis=1)

    volume_integral = 3.0 * exact_monomial(1, -1.0, 2.0) * 1.5
    np.testing.assert_allclose(q.integrate(flux), volume_integral, rtol=1e-13)


def test_boundary_normals_at_corners_and_errors():
    box = Box.cube(0.0, 1.0, 2)
    q = boundary(box, 2, rule="trapezoid")
    nrm = boundary_normals(box, q)
    k = int(np.flatnonzero(np.all(q.points == [0.0, 0.0], axis=1))[0])
    np.testing.assert_allclose(nrm[k], [-(0.5**0.5), -(0.5**0.5)])
    with pytest.raises(ValueError, match=r"q must have all points on the boundary.*1 are not"):
        boundary_normals(box, quadrature(np.array([[0.0, 0.5], [0.5, 0.5]])))
    with pytest.raises(ValueError, match=r"q must have the domain's dimension 2"):
        boundary_normals(box, quadrature([0.0]))
    with pytest.raises(TypeError, match=r"q must be a Quadrature"):
        boundary_normals(box, np.zeros((2, 2)))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Quadrature object


def test_quadrature_from_user_data_numpy_and_torch():
    q = quadrature(np.array([0.0, 0.5, 1.0]))
    assert q.points.shape == (3, 1) and q.rule == "points"
    np.testing.assert_allclose(q.weights, [1 / 3] * 3)
    assert q.total_weight == pytest.approx(1.0)
    qt = quadrature(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), torch.tensor([0.25, 0.75]))
    assert qt.points.dtype == np.float64 and qt.dim == 2 and len(qt) == 2
    np.testing.assert_array_equal(qt.weights, [0.25, 0.75])


def test_quadrature_arrays_are_readonly_copies():
    src = np.array([[0.0], [1.0]])
    w = np.array([0.5, 0.5])
    q = Quadrature(src, w, "points")
    src[0, 0] = 9.0
    w[0] = 9.0
    assert q.points[0, 0] == 0.0 and q.weights[0] == 0.5
    assert not q.points.flags.writeable and not q.weights.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        q.points[0, 0] = 1.0
    with pytest.raises(AttributeError):
        q.rule = "other"  # type: ignore[misc]


def test_integrate_vector_valued_and_torch_output():
    q = gauss_legendre((0.0, 1.0), 3)
    out = q.integrate(lambda x: np.stack([np.ones(len(x)), x[:, 0], x[:, 0] ** 2], axis=1))
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    np.testing.assert_allclose(out, [1.0, 0.5, 1 / 3], rtol=1e-14)
    scalar = q.integrate(lambda x: torch.from_numpy(np.array(x[:, 0])))
    assert isinstance(scalar, float) and scalar == pytest.approx(0.5, rel=1e-14)
    with pytest.raises(ValueError, match=r"f must return an array of shape \(3,\) or \(3, k\)"):
        q.integrate(lambda x: np.ones(2))
    with pytest.raises(ValueError, match=r"f must return an array of shape"):
        q.integrate(lambda x: 1.0)


def test_gram_matrix_as_in_paper_eq_4_1():
    # M = D^T W D for phi = (1, x) on [0, 1]: [[1, 1/2], [1/2, 1/3]]
    q = gauss_legendre((0.0, 1.0), 2)
    d = np.stack([np.ones(len(q)), q.points[:, 0]], axis=1)
    m = d.T @ (q.weights[:, None] * d)
    np.testing.assert_allclose(m, [[1.0, 0.5], [0.5, 1 / 3]], rtol=1e-14)


def test_to_torch():
    q = trapezoid(Box.cube(0.0, 1.0, 2), 3)
    pts, w = q.to_torch()
    assert pts.dtype == torch.float64 and w.dtype == torch.float64
    assert tuple(pts.shape) == (9, 2) and tuple(w.shape) == (9,)
    np.testing.assert_array_equal(pts.numpy(), q.points)
    pts32, w32 = q.to_torch(dtype=torch.float32, device="cpu")
    assert pts32.dtype == torch.float32 and w32.device.type == "cpu"
    pts[0, 0] = 5.0  # a fresh tensor: the rule is untouched
    assert q.points[0, 0] == 0.0


# --------------------------------------------------------------------------- validation


def test_quadrature_rejects_negative_weights():
    with pytest.raises(ValueError, match=r"weights must be non-negative; got 1 negative .*-0\.5"):
        quadrature([[0.0], [1.0]], [1.0, -0.5])


def test_quadrature_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"points has shape \(3, 1\) .* weights has shape \(2,\)"):
        quadrature([0.0, 0.5, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"weights must be a 1-D array; got ndarray of shape"):
        quadrature([0.0, 1.0], [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"points must be a 2-D matrix; got ndarray of shape \(2,\)"):
        Quadrature(np.zeros(2), np.ones(2), "points")


def test_quadrature_rejects_nan_and_empty():
    with pytest.raises(ValueError, match=r"points must be finite; it has 1 NaN or Inf"):
        quadrature([[0.0], [math.nan]])
    with pytest.raises(ValueError, match=r"weights must be finite"):
        quadrature([[0.0], [1.0]], [1.0, math.inf])
    with pytest.raises(ValueError, match=r"points must contain at least one point"):
        quadrature(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"m >= 1 and d >= 1; got shape \(0, 2\)"):
        Quadrature(np.zeros((0, 2)), np.zeros(0), "points")
    with pytest.raises(TypeError, match=r"rule must be a non-empty string"):
        Quadrature(np.zeros((1, 1)), np.ones(1), "")


@pytest.mark.parametrize(
    "call",
    [
        lambda: gauss_legendre((0.0, 1.0), 0),
        lambda: trapezoid((0.0, 1.0), 0),
        lambda: uniform_grid((0.0, 1.0), 0),
        lambda: monte_carlo((0.0, 1.0), 0),
        lambda: sobol((0.0, 1.0), 0),
        lambda: boundary(Box.cube(0.0, 1.0, 2), 0),
    ],
)
def test_rules_reject_n_zero(call):
    with pytest.raises(ValueError, match=r"n must be a positive integer \(>= 1\); got 0"):
        call()


def test_rules_reject_other_bad_arguments():
    with pytest.raises(TypeError, match=r"n must be a positive integer; got 2\.5"):
        gauss_legendre((0.0, 1.0), 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"panels must be a positive integer \(>= 1\); got 0"):
        gauss_legendre((0.0, 1.0), 2, panels=0)
    with pytest.raises(ValueError, match=r"n must be >= 2 for the trapezoid rule.*got 1"):
        trapezoid((0.0, 1.0), 1)
    with pytest.raises(ValueError, match=r"n must be >= 2 for the trapezoid face rule; got 1"):
        boundary(Box.cube(0.0, 1.0, 2), 1, rule="trapezoid")
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer; got -1"):
        monte_carlo((0.0, 1.0), 3, seed=-1)
    with pytest.raises(TypeError, match=r"seed must be a non-negative integer; got 1\.0"):
        sobol((0.0, 1.0), 3, seed=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"scramble must be a bool; got 'yes'"):
        sobol((0.0, 1.0), 3, scramble="yes")  # type: ignore[arg-type]


def test_boundary_rejects_unknown_rule():
    with pytest.raises(
        ValueError,
        match=r"rule must be one of \['gauss_legendre', 'trapezoid', 'uniform'\]; got 'simpson'",
    ):
        boundary(Box.cube(0.0, 1.0, 2), 3, rule="simpson")


@pytest.mark.parametrize("rule", [gauss_legendre, trapezoid, uniform_grid, monte_carlo, sobol, boundary])
def test_rules_reject_bad_domain(rule):
    with pytest.raises(ValueError, match=r"domain Interval must have low < high; got low=1\.0"):
        rule((1.0, 1.0), 3)
    with pytest.raises(TypeError, match=r"domain must be an Interval, a Box or a \(low, high\)"):
        rule([0.0, 1.0], 3)
