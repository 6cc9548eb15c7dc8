"""rankscope.matrices.relu_2d: exact 2D ReLU matrices against two independent computations.

1. A 30-digit (mpmath) sweep in x that shares nothing with the polygon clipping: the support's
   y-interval is cut from all constraint lines at each x, the y-integral is done in closed form, and
   the x-integrand -- a cubic between the x-coordinates of all pairwise line intersections -- is
   integrated exactly by Simpson's rule on each piece.
2. The existing quadrature builder (:func:`rankscope.matrices.relu.mass_matrix`) fed an exact rule:
   the arrangement of all neuron lines cut into convex cells, each with a degree-2-exact triangle rule.
"""

import itertools

import mpmath
import numpy as np
import pytest

from rankscope.matrices.relu import heaviside_matrix, layer_gauss_newton, mass_matrix
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.nets.shallow_relu import ShallowReLU, random_neurons
from rankscope.problems.relu_targets import kink_2d, smooth_2d
from rankscope.sampling import Box
from rankscope.sampling.polygon import ConvexPolygon, polygon_rule, split_polygon

mpmath.mp.dps = 30
UNIT = Box((0.0, 0.0), (1.0, 1.0))


def _edges(vertices):
    """Domain edges as constraints a1 x + a2 y + c >= 0 (counter-clockwise polygon: inside is left)."""
    v = [tuple(mpmath.mpf(float(t)) for t in p) for p in vertices]
    out = []
    for (x0, y0), (x1, y1) in zip(v, [*v[1:], v[0]], strict=True):
        out.append((-(y1 - y0), x1 - x0, (y1 - y0) * x0 - (x1 - x0) * y0))
    return out


def _reference(vertices, li, lj, kind):
    """30-digit integral of l_i l_j (mass) or 1 (heaviside) over the polygon ∩ {l_i >= 0} ∩ {l_j >= 0}."""
    mp = [tuple(mpmath.mpf(float(t)) for t in line) for line in (li, lj)]
    cons = [*_edges(vertices), *mp]
    xs = [mpmath.mpf(float(p[0])) for p in vertices]
    lo, hi = min(xs), max(xs)
    brk = {lo, hi}
    for (a1, a2, c1), (b1, b2, c2) in itertools.combinations(cons, 2):
        det = a1 * b2 - a2 * b1
        if det != 0:
            x = (a2 * c2 - b2 * c1) / det
            if lo < x < hi:
                brk.add(x)
    for a1, a2, c in cons:
        if a2 == 0 and a1 != 0 and lo < -c / a1 < hi:
            brk.add(-c / a1)
    brk = sorted(brk)
    (p1, q1, r1), (p2, q2, r2) = cons[-2], cons[-1]  # l = p x + q y + r

    def g(x, xmid):
        ylo, yhi = mpmath.mpf("-inf"), mpmath.mpf("inf")
        for a1, a2, c in cons:
            if a2 > 0:
                ylo = max(ylo, -(a1 * x + c) / a2)
            elif a2 < 0:
                yhi = min(yhi, -(a1 * x + c) / a2)
            elif a1 * xmid + c < 0:
                return mpmath.mpf(0)
        if yhi <= ylo:
            return mpmath.mpf(0)
        if kind == "heaviside":
            return yhi - ylo
        a, b = p1 * x + r1, p2 * x + r2  # l_i = a + q1 y, l_j = b + q2 y

        def prim(y):
            return a * b * y + (a * q2 + b * q1) * y**2 / 2 + q1 * q2 * y**3 / 3

        return prim(yhi) - prim(ylo)

    total = mpmath.mpf(0)
    for x0, x1 in itertools.pairwise(brk):
        xm = (x0 + x1) / 2
        total += (x1 - x0) / 6 * (g(x0, xm) + 4 * g(xm, xm) + g(x1, xm))
    return float(total)


def _line(net, i):
    return (net.weights[i, 0], net.weights[i, 1], net.biases[i])


def _nets():
    rnd = random_neurons(7, 2, seed=4)
    axis = ShallowReLU(
        np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -2.0]]), np.array([-0.3, -0.6, 0.7, 1.0])
    )
    th = 0.7
    near = ShallowReLU(  # nearly parallel and nearly coincident pairs, same and opposite orientation
        np.array(
            [
                [np.cos(th), np.sin(th)],
                [np.cos(th + 1e-9), np.sin(th + 1e-9)],
                [-np.cos(th), -np.sin(th) + 1e-10],
            ]
        ),
        np.array([-0.8, -0.8 + 1e-9, 0.8 + 1e-7]),
    )
    s = 1 / np.sqrt(2)
    graze = ShallowReLU(  # cutting tiny triangles off the corners, and one line through a corner exactly
        np.array([[s, s], [-s, -s], [1.0, -1.0], [s, s]]),
        np.array([-s * (2 - 1e-6), s * 1e-7, 0.0, -s * 2]),
    )
    return {"random": rnd, "axis": axis, "near": near, "graze": graze}


@pytest.mark.parametrize("name", ["random", "axis", "near", "graze"])
@pytest.mark.parametrize("kind", ["mass", "heaviside"])
def test_entries_match_a_30_digit_sweep(name, kind):
    net = _nets()[name]
    e = ReluEntries2D(net)
    m = e.matrix(kind)
    verts = e.domain.vertices
    scale = np.abs(m).max()
    for i, j in itertools.combinations_with_replacement(range(net.n), 2):
        ref = _reference(verts, _line(net, i), _line(net, j), kind)
        assert abs(m[i, j] - ref) <= 1e-13 * abs(ref) + 1e-15 * scale, (name, kind, i, j, m[i, j], ref)


def test_polygon_domain_matches_the_sweep():
    hexagon = ConvexPolygon([[0.5, 0], [1.2, 0.2], [1.3, 0.8], [0.6, 1.1], [0.0, 0.9], [-0.1, 0.3]])
    net = random_neurons(6, 2, seed=1, box=Box((0.0, 0.0), (1.2, 1.0)))
    m = ReluEntries2D(net, hexagon).matrix()
    for i, j in itertools.combinations_with_replacement(range(net.n), 2):
        ref = _reference(hexagon.vertices, _line(net, i), _line(net, j), "mass")
        assert abs(m[i, j] - ref) <= 1e-13 * abs(ref) + 1e-15 * np.abs(m).max()


def _arrangement_rule(net, box=UNIT):
    lines = np.column_stack([net.weights, net.biases])
    square = np.array(
        [
            [box.lows[0], box.lows[1]],
            [box.highs[0], box.lows[1]],
            [box.highs[0], box.highs[1]],
            [box.lows[0], box.highs[1]],
        ]
    )
    return polygon_rule(split_polygon(square, lines), order=2)


def test_agrees_with_the_quadrature_builder_on_an_exact_rule():
    net = random_neurons(9, 2, seed=7)
    e = ReluEntries2D(net)
    rule = _arrangement_rule(net)
    for exact, quad in (
        (e.matrix(), mass_matrix(net, UNIT, quadrature=rule)),
        (e.matrix("heaviside"), heaviside_matrix(net, UNIT, quadrature=rule)),
        (e.layer_gauss_newton(), layer_gauss_newton(net, UNIT, quadrature=rule)),
    ):
        assert np.abs(exact - quad).max() <= 1e-13 * np.abs(quad).max()


def test_entries_blocks_diagonal_and_matvec_agree_with_the_matrix():
    net = random_neurons(40, 2, seed=2)
    e = ReluEntries2D(net)
    a = e.matrix()
    assert np.array_equal(a, a.T)
    rows, cols = np.array([3, 0, 39, -1]), np.arange(5, 20)
    assert np.array_equal(e.entries(rows, cols), a[np.ix_(rows % 40, cols)])
    assert np.array_equal(e.diagonal(), np.diag(a))
    x = np.random.default_rng(0).standard_normal(40)
    assert np.allclose(e.matvec(x), a @ x, rtol=1e-14, atol=1e-14 * np.abs(a).sum())
    assert np.linalg.eigvalsh(a)[0] > 0  # a Gram matrix of independent functions


def test_load_vector_and_norm_against_the_arrangement_rule():
    net = random_neurons(12, 2, seed=5)
    e = ReluEntries2D(net)
    u = smooth_2d()
    fine = _arrangement_rule(net)
    pts = fine.points
    # the smooth target on the arrangement cells with a high-order rule is an independent reference
    ref_rule = polygon_rule(
        split_polygon(e.domain.vertices, np.column_stack([net.weights, net.biases])), order=12
    )
    ref = net.features(ref_rule.points).T @ (ref_rule.weights * u(ref_rule.points))
    assert np.allclose(e.load_vector(u, order=12), ref, rtol=1e-12, atol=1e-14)
    assert pts.shape[1] == 2
    k = kink_2d()
    ref_k = polygon_rule(
        split_polygon(e.domain.vertices, np.vstack([np.column_stack([net.weights, net.biases]), k.lines])),
        order=12,
    )
    refk = net.features(ref_k.points).T @ (ref_k.weights * k(ref_k.points))
    assert np.allclose(e.load_vector(k, lines=k.lines, order=12), refk, rtol=1e-12, atol=1e-14)
    # norm of |n.x - s| + ...: split at the kink the rule is spectrally accurate; compare with mpmath
    f = lambda x, y: (abs(x + 0.4 * y - 0.6) + 0.5 * mpmath.sin(mpmath.pi * y)) ** 2  # noqa: E731
    ref2 = float(mpmath.quad(lambda y: mpmath.quad(lambda x: f(x, y), [0, 0.6 - 0.4 * y, 1]), [0, 1]))
    assert abs(e.norm2(k, lines=k.lines, order=12) - ref2) <= 1e-12 * ref2


def test_function_error_is_the_l2_error_of_the_fit():
    net = random_neurons(10, 2, seed=6)
    e = ReluEntries2D(net)
    u = smooth_2d()
    f, u2 = e.load_vector(u, order=12), e.norm2(u, order=12)
    c = np.random.default_rng(1).standard_normal(10)
    rule = polygon_rule(
        split_polygon(e.domain.vertices, np.column_stack([net.weights, net.biases])), order=12
    )
    direct = np.sqrt(np.sum(rule.weights * (net.features(rule.points) @ c - u(rule.points)) ** 2) / u2)
    assert abs(e.function_error(c, f, u2) - direct) <= 1e-10 * direct
    best = np.linalg.solve(e.matrix(), f)
    assert e.function_error(best, f, u2) < e.function_error(best + 1e-3 * c, f, u2)


def test_bad_input_names_the_argument():
    net = random_neurons(4, 2, seed=0)
    e = ReluEntries2D(net)
    with pytest.raises(ValueError, match="kind"):
        e.entries([0], [1], kind="nope")
    with pytest.raises(IndexError, match="rows"):
        e.entries([4], [0])
    with pytest.raises(TypeError, match="cols"):
        e.entries([0], [0.5])
    with pytest.raises(ValueError, match="2D inputs"):
        ReluEntries2D(random_neurons(3, 3, seed=0))
    with pytest.raises(TypeError, match="net must be a ShallowReLU"):
        ReluEntries2D(np.eye(2))
    with pytest.raises(ValueError, match="x must have shape"):
        e.matvec(np.ones(3))
    with pytest.raises(ValueError, match="out must be"):
        e.matrix(out=np.empty((4, 4), dtype=np.float32))


def test_zero_weight_neuron_is_the_constant_relu_b():
    net = ShallowReLU(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([2.0, 0.0]))
    a = ReluEntries2D(net).matrix()
    assert a[0, 0] == pytest.approx(4.0, rel=1e-15)  # int 2 * 2
    assert a[0, 1] == pytest.approx(1.0, rel=1e-15)  # int 2 * x1
