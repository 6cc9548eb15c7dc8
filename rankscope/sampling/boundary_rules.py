"""Boundary rules: quadrature for the surface integral over the boundary of a box, and outward normals.

Each face of a d-box gets a (d-1)-dimensional Gauss–Legendre, trapezoid or midpoint rule (see
:mod:`rankscope.sampling.gauss` and :mod:`rankscope.sampling.grids`); weights are the surface
measure. Used for boundary terms of PDE losses (paper 000, Sec. 4).
"""

from __future__ import annotations

import numpy as np

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.sampling.domains import Box, Domain, as_box
from rankscope.sampling.gauss import axis_product, gauss_nodes_1d
from rankscope.sampling.grids import midpoint_nodes_1d, trapezoid_nodes_1d
from rankscope.sampling.quadrature import Quadrature

__all__ = ["BOUNDARY_RULES", "boundary", "boundary_normals"]

BOUNDARY_RULES: tuple[str, ...] = ("gauss_legendre", "trapezoid", "uniform")
"""Face rules accepted by :func:`boundary`."""


def _box_rule(box: Box, n: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights of the face rule ``rule`` with ``n`` nodes per axis on ``box``."""
    if rule == "gauss_legendre":
        return axis_product(box, lambda lo, hi: gauss_nodes_1d(lo, hi, n, 1))
    if rule == "trapezoid":
        return axis_product(box, lambda lo, hi: trapezoid_nodes_1d(lo, hi, n))
    pts, _ = axis_product(box, lambda lo, hi: midpoint_nodes_1d(lo, hi, n))
    return pts, np.full(pts.shape[0], box.volume / n**box.dim)


def _merge_duplicates(points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge bit-identical points, summing their weights; keeps first-occurrence order."""
    _, first, inverse = np.unique(points, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    summed = np.zeros(first.shape[0])
    np.add.at(summed, inverse, weights)
    order = np.argsort(first)
    return points[first[order]], summed[order]


def boundary(domain: Domain, n: int, *, rule: str = "gauss_legendre") -> Quadrature:
    """Quadrature for the surface integral ``∫_{∂Ω} f ds`` over the boundary of a box.

    - Interval ``[a, b]``: the two end points with weight 1 each (counting measure, so
      ``Q[f] = f(a) + f(b)``); ``n`` is validated but unused.
    - d-box, d >= 2: each of the ``2d`` faces ``{x_i = lows[i]}`` / ``{x_i = highs[i]}`` gets the
      (d-1)-dimensional ``rule`` (``"gauss_legendre"`` | ``"trapezoid"`` | ``"uniform"``) with
      ``n`` nodes per axis, the fixed coordinate set exactly to the bound. Weights are the face
      measure, summing to the surface measure (the perimeter ``2(w_x + w_y)`` in 2-D).
      Gauss–Legendre and midpoint nodes never touch a face's edges. Trapezoid nodes do: points
      shared by several faces (corners in 2-D, edges in 3-D) are merged into one point whose
      weight is the sum of the faces' weights, which is exactly the sum of the per-face rules,
      so face-wise exactness (e.g. for linear ``f``) is preserved and there are no duplicates.

    Faces are listed axis by axis, low face before high face.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: nodes per face axis (positive int; ``>= 2`` for ``"trapezoid"``).
        rule: face rule name.

    Returns:
        :class:`Quadrature` with ``rule == "boundary"``.

    Example:
        >>> q = boundary(Box.cube(0.0, 1.0, 2), 2)
        >>> round(q.total_weight, 12), round(q.integrate(lambda x: x[:, 0]), 12)
        (4.0, 2.0)
    """
    box = as_box(domain)
    n = check_positive_int("n", n)
    rule = check_choice("rule", rule, BOUNDARY_RULES)
    if rule == "trapezoid" and n < 2:
        raise ValueError(f"n must be >= 2 for the trapezoid face rule; got {n}")
    d = box.dim
    if d == 1:
        return Quadrature(np.array([[box.lows[0]], [box.highs[0]]]), np.ones(2), "boundary")
    all_pts, all_w = [], []
    for i in range(d):
        others = [j for j in range(d) if j != i]
        face = Box(tuple(box.lows[j] for j in others), tuple(box.highs[j] for j in others))
        face_pts, face_w = _box_rule(face, n, rule)
        for value in (box.lows[i], box.highs[i]):
            pts = np.empty((face_pts.shape[0], d))
            pts[:, others] = face_pts
            pts[:, i] = value
            all_pts.append(pts)
            all_w.append(face_w)
    points, weights = np.concatenate(all_pts), np.concatenate(all_w)
    if rule == "trapezoid":
        points, weights = _merge_duplicates(points, weights)
    return Quadrature(points, weights, "boundary")


def boundary_normals(domain: Domain, q: Quadrature, *, rtol: float = 1e-12) -> np.ndarray:
    """Outward unit normals at the points of a boundary rule.

    A point on the face ``x_i = lows[i]`` has normal ``-e_i``, on ``x_i = highs[i]`` normal
    ``+e_i`` (a point counts as on a face when ``|x_i - bound| <= rtol * (highs[i] - lows[i])``).
    At points on several faces (corners/edges, e.g. from ``boundary(..., rule="trapezoid")``) the
    normal is undefined; the normalised sum of the faces' normals is returned there.

    Args:
        domain: the box the rule ``q`` lies on.
        q: :class:`Quadrature` whose points all lie on the boundary of ``domain``.
        rtol: face tolerance relative to the side length.

    Returns:
        float64 array of shape (m, d) with unit rows.

    Example:
        >>> boundary_normals((0.0, 1.0), boundary((0.0, 1.0), 1)).ravel().tolist()
        [-1.0, 1.0]
    """
    box = as_box(domain)
    if not isinstance(q, Quadrature):
        raise TypeError(f"q must be a Quadrature; got {describe(q)}")
    if q.dim != box.dim:
        raise ValueError(
            f"q must have the domain's dimension {box.dim}; got points of shape {q.points.shape}"
        )
    tol = float(rtol) * np.asarray(box.widths)
    lows, highs = np.asarray(box.lows), np.asarray(box.highs)
    inside = np.all((q.points >= lows - tol) & (q.points <= highs + tol), axis=1)
    normals = (np.abs(q.points - highs) <= tol).astype(np.float64) - (np.abs(q.points - lows) <= tol).astype(
        np.float64
    )
    norms = np.linalg.norm(normals, axis=1)
    off = ~inside | (norms == 0)
    if np.any(off):
        k = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"q must have all points on the boundary of domain {box}; "
            f"{int(np.sum(off))} are not, e.g. points[{k}] = {q.points[k].tolist()}"
        )
    out: np.ndarray = normals / norms[:, None]
    return out
