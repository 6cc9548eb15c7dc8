"""Boundary rules and outward normals (rankscope.sampling.boundary_rules)."""

from fractions import Fraction

import numpy as np
import pytest

from rankscope.sampling import Box, Interval, boundary, boundary_normals, contains, quadrature


def exact_monomial(k: int, a: float, b: float) -> float:
    """∫_a^b x^k dx in exact rational arithmetic, then rounded once."""
    fa, fb = Fraction(a), Fraction(b)
    return float((fb ** (k + 1) - fa ** (k + 1)) / (k + 1))


def power(k: int, axis: int = 0):
    return lambda x: x[:, axis] ** k


def on_boundary(box: Box, pts: np.ndarray) -> np.ndarray:
    return np.any((pts == np.asarray(box.lows)) | (pts == np.asarray(box.highs)), axis=1)


def test_boundary_of_interval_is_counting_measure():
    q = boundary(Interval(-1.0, 2.0), 3)
    assert q.rule == "boundary"
    np.testing.assert_array_equal(q.points, [[-1.0], [2.0]])
    np.testing.assert_array_equal(q.weights, [1.0, 1.0])
    assert q.integrate(lambda x: x[:, 0] ** 2) == 5.0
    np.testing.assert_array_equal(boundary_normals((-1.0, 2.0), q), [[-1.0], [1.0]])


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


def test_boundary_rejects_unknown_rule():
    with pytest.raises(
        ValueError,
        match=r"rule must be one of \['gauss_legendre', 'trapezoid', 'uniform'\]; got 'simpson'",
    ):
        boundary(Box.cube(0.0, 1.0, 2), 3, rule="simpson")
