"""rankscope.sampling.polygon: convex polygons, half-plane clipping, splitting and the triangle rule."""

import numpy as np
import pytest

from rankscope.sampling import Box
from rankscope.sampling.polygon import ConvexPolygon, as_polygon, clip_halfplane, polygon_rule, split_polygon


def test_polygon_validation_names_the_bad_vertex():
    with pytest.raises(ValueError, match="counter-clockwise"):
        ConvexPolygon([[0, 0], [0, 1], [1, 0]])  # clockwise
    with pytest.raises(ValueError, match="vertex 2"):
        ConvexPolygon([[0, 0], [1, 0], [0.5, 0.1], [1, 1], [0, 1]])  # reflex at vertex 2
    with pytest.raises(ValueError, match="shape"):
        ConvexPolygon([[0, 0], [1, 0]])
    with pytest.raises(TypeError, match="2D Box or a ConvexPolygon"):
        as_polygon(Box.cube(0.0, 1.0, 3))


def test_box_becomes_its_rectangle():
    p = as_polygon(Box((0.0, 1.0), (2.0, 4.0)))
    assert p.area == pytest.approx(6.0)
    assert p.vertices.tolist() == [[0, 1], [2, 1], [2, 4], [0, 4]]


def test_clip_halfplane_areas_by_hand():
    sq = as_polygon(Box((0.0, 0.0), (1.0, 1.0))).vertices
    tri = clip_halfplane(sq, (-1.0, -1.0), 1.0)  # x + y <= 1: the lower-left triangle
    assert ConvexPolygon(tri).area == pytest.approx(0.5, rel=1e-15)
    assert clip_halfplane(sq, (1.0, 0.0), -2.0).shape == (0, 2)  # x >= 2 misses the square
    assert clip_halfplane(sq, (1.0, 0.0), 5.0).shape == (4, 2)  # all of it


def test_split_polygon_pieces_tile_the_polygon():
    sq = as_polygon(Box((0.0, 0.0), (1.0, 1.0))).vertices
    pieces = split_polygon(sq, [[1.0, -0.5, -0.2], [0.3, 1.0, -0.7]])
    assert len(pieces) == 4
    assert sum(ConvexPolygon(p).area for p in pieces) == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("order", [1, 2, 4, 7])
def test_triangle_rule_is_exact_to_its_degree(order):
    p = ConvexPolygon([[0.5, 0], [1.2, 0.2], [1.3, 0.8], [0.6, 1.1], [0.0, 0.9]])
    q = polygon_rule(p, order)
    assert len(q) == 3 * order**2
    assert q.weights.sum() == pytest.approx(p.area, rel=1e-14)
    deg = 2 * order - 2
    # int x^a y^b over the polygon by Green's theorem (exact): int x^a y^b = sum over edges of
    # the line integral of x^(a+1) y^b / (a+1) dy, here by a 20-point Gauss rule per edge (exact)
    g, gw = np.polynomial.legendre.leggauss(20)
    v = p.vertices
    for a in range(deg + 1):
        b = deg - a
        ref = 0.0
        for k in range(len(v)):
            p0, p1 = v[k], v[(k + 1) % len(v)]
            t = 0.5 * (g + 1)
            x, y = p0[0] + t * (p1[0] - p0[0]), p0[1] + t * (p1[1] - p0[1])
            ref += np.sum(0.5 * gw * x ** (a + 1) * y**b / (a + 1)) * (p1[1] - p0[1])
        got = q.integrate(lambda z, a=a, b=b: z[:, 0] ** a * z[:, 1] ** b)
        assert got == pytest.approx(ref, rel=1e-12, abs=1e-14)


def test_triangle_rule_is_not_exact_beyond_its_degree():
    p = ConvexPolygon([[0, 0], [1, 0], [0, 1]])
    q = polygon_rule(p, 2)  # exact to degree 2
    assert abs(q.integrate(lambda z: z[:, 0] ** 3) - 1 / 20) > 1e-6
