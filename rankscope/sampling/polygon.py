"""Convex polygons in the plane and quadrature on them (the 2D domains of paper 003's ReLU matrices).

A :class:`ConvexPolygon` is given by its vertices in counter-clockwise order. Two operations serve
the exact 2D ReLU matrices (:mod:`rankscope.matrices.relu_2d`):

* :func:`clip_halfplane` -- the part ``{x in P : a . x + c >= 0}`` of a convex polygon, again convex
  (Sutherland-Hodgman against one edge);
* :func:`polygon_rule` -- a quadrature rule on a convex polygon: a fan of triangles from vertex 0,
  each carrying the collapsed (Duffy) tensor Gauss-Legendre rule of ``order`` points per axis, exact
  for polynomials of degree ``<= 2 order - 2`` on every triangle. Smooth integrands converge
  spectrally; integrands with a kink or jump along a known line are integrated accurately by
  clipping the polygon at that line first (:func:`split_polygon`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rankscope._checks import as_matrix, check_positive_int, describe
from rankscope.sampling.domains import Box
from rankscope.sampling.quadrature import Quadrature

__all__ = ["ConvexPolygon", "as_polygon", "clip_halfplane", "polygon_rule", "split_polygon"]


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


@dataclass(frozen=True, eq=False)
class ConvexPolygon:
    """A convex polygon ``P`` of the plane, vertices ``(k, 2)`` in counter-clockwise order, ``k >= 3``.

    Validated on construction: finite vertices, strictly positive area, every turn counter-clockwise
    (a clockwise or non-convex vertex list raises ``ValueError`` naming the first bad vertex).

    Example:
        >>> p = ConvexPolygon([[0, 0], [1, 0], [0, 1]])
        >>> p.area
        0.5
    """

    vertices: np.ndarray

    def __post_init__(self) -> None:
        v = as_matrix("vertices", np.asarray(self.vertices, dtype=np.float64))
        if v.shape[1] != 2 or v.shape[0] < 3:
            raise ValueError(f"vertices must have shape (k, 2) with k >= 3; got {describe(v)}")
        k = v.shape[0]
        for i in range(k):
            if _cross(v[i], v[(i + 1) % k], v[(i + 2) % k]) <= 0:
                raise ValueError(
                    f"vertices must be a convex polygon in counter-clockwise order; the turn at vertex "
                    f"{(i + 1) % k} ({v[(i + 1) % k].tolist()}) is clockwise or straight"
                )
        v = np.array(v, copy=True)
        v.setflags(write=False)
        object.__setattr__(self, "vertices", v)

    @property
    def dim(self) -> int:
        """2."""
        return 2

    @property
    def area(self) -> float:
        """The area, by the shoelace formula."""
        x, y = self.vertices[:, 0], self.vertices[:, 1]
        return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def as_polygon(domain: Box | ConvexPolygon) -> ConvexPolygon:
    """A 2D :class:`Box` as its rectangle (counter-clockwise from ``lows``), or a polygon as is."""
    if isinstance(domain, ConvexPolygon):
        return domain
    if isinstance(domain, Box) and domain.dim == 2:
        (x0, y0), (x1, y1) = domain.lows, domain.highs
        return ConvexPolygon(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
    raise TypeError(f"domain must be a 2D Box or a ConvexPolygon; got {describe(domain)}")


def clip_halfplane(vertices: npt.ArrayLike, a: npt.ArrayLike, c: float) -> np.ndarray:
    """The vertices of ``{x in P : a . x + c >= 0}`` for a convex polygon ``P`` (counter-clockwise).

    New vertices lie where an edge crosses the line, at the parameter ``t = l_k / (l_k - l_{k+1})`` of
    the edge's end values ``l = a . x + c``. Returns ``(k', 2)``, possibly empty (``k' = 0``).
    """
    v = np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
    lv = v @ np.asarray(a, dtype=np.float64) + float(c)
    out: list[np.ndarray] = []
    k = v.shape[0]
    for i in range(k):
        j = (i + 1) % k
        if lv[i] >= 0:
            out.append(v[i])
        if (lv[i] > 0 and lv[j] < 0) or (lv[i] < 0 and lv[j] > 0):  # strict: no duplicate vertices
            t = lv[i] / (lv[i] - lv[j])
            out.append(v[i] + t * (v[j] - v[i]))
    return np.array(out).reshape(-1, 2)


def split_polygon(vertices: npt.ArrayLike, lines: npt.ArrayLike) -> list[np.ndarray]:
    """The convex pieces of a convex polygon cut by the lines ``a . x + c = 0`` (rows ``(a1, a2, c)``)."""
    pieces = [np.asarray(vertices, dtype=np.float64).reshape(-1, 2)]
    for a1, a2, c in np.asarray(lines, dtype=np.float64).reshape(-1, 3):
        nxt: list[np.ndarray] = []
        for p in pieces:
            for sign in (1.0, -1.0):
                q = clip_halfplane(p, (sign * a1, sign * a2), sign * c)
                if q.shape[0] >= 3:
                    nxt.append(q)
        pieces = nxt
    return pieces


def _triangle_reference(order: int) -> tuple[np.ndarray, np.ndarray]:
    """Collapsed Gauss rule on the reference triangle ``{s, t >= 0, s + t <= 1}``: points, weights."""
    g, gw = np.polynomial.legendre.leggauss(order)
    u, wu = 0.5 * (g + 1), 0.5 * gw
    s = u[:, None] * np.ones(order)[None, :]
    t = (1 - u)[:, None] * u[None, :]
    w = (wu * (1 - u))[:, None] * wu[None, :]
    return np.stack([s.ravel(), t.ravel()], axis=1), w.ravel()


def polygon_rule(pieces: ConvexPolygon | npt.ArrayLike | list[np.ndarray], order: int = 8) -> Quadrature:
    """Quadrature on a convex polygon (or a list of convex pieces): a triangle fan from vertex 0, each
    triangle with the collapsed Gauss-Legendre rule of ``order`` points per axis (``order**2`` points).

    Exact for polynomials of degree ``<= 2 order - 2`` on each triangle. Weights sum to the area.

    Example:
        >>> q = polygon_rule(ConvexPolygon([[0, 0], [2, 0], [2, 1], [0, 1]]), order=2)
        >>> round(float(q.weights.sum()), 12), round(float(q.integrate(lambda x: x[:, 0] ** 2)), 12)
        (2.0, 2.666666666667)
    """
    order = check_positive_int("order", order)
    if isinstance(pieces, ConvexPolygon):
        polys = [np.asarray(pieces.vertices)]
    elif isinstance(pieces, list):
        polys = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in pieces]
    else:
        polys = [np.asarray(pieces, dtype=np.float64).reshape(-1, 2)]
    ref, rw = _triangle_reference(order)
    pts, wts = [], []
    for v in polys:
        for k in range(1, v.shape[0] - 1):
            e1, e2 = v[k] - v[0], v[k + 1] - v[0]
            jac = abs(e1[0] * e2[1] - e1[1] * e2[0])
            pts.append(v[0] + ref[:, :1] * e1 + ref[:, 1:] * e2)
            wts.append(jac * rw)
    if not pts:
        return Quadrature(np.zeros((1, 2)), np.zeros(1), "polygon")
    return Quadrature(np.concatenate(pts), np.concatenate(wts), "polygon")
