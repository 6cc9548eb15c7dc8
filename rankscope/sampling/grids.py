"""Rules on uniform grids: the composite trapezoid rule (end points included) and the midpoint grid.

Paper 000, Sec. 4 uses "a uniform mesh" for the mass matrix of eq. (4.1). Weights are
integral-scaled, so they sum to the box's volume: the trapezoid weights are ``h * (1/2, 1, ..., 1,
1/2)``, where the paper writes ``(1/2, 1, ..., 1, 1/2)`` without the mesh width ``h`` (see
:mod:`rankscope.sampling.quadrature`).
"""

from __future__ import annotations

import numpy as np

from rankscope._checks import check_positive_int
from rankscope.sampling.domains import Domain, as_box
from rankscope.sampling.gauss import axis_product
from rankscope.sampling.quadrature import Quadrature

__all__ = ["trapezoid", "uniform_grid"]


def trapezoid_nodes_1d(low: float, high: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` equispaced nodes on ``[low, high]``, end points included, and the trapezoid weights."""
    nodes = np.linspace(low, high, n)
    h = (high - low) / (n - 1)
    weights = np.full(n, h)
    weights[[0, -1]] = 0.5 * h
    return nodes, weights


def midpoint_nodes_1d(low: float, high: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The centres of ``n`` equal cells of ``[low, high]`` and their widths."""
    h = (high - low) / n
    nodes = low + h * (np.arange(n) + 0.5)
    return nodes, np.full(n, h)


def trapezoid(domain: Domain, n: int) -> Quadrature:
    """Composite trapezoid rule on a uniform mesh, tensor product over the axes of a box.

    Per axis: ``n >= 2`` nodes ``x_i = a + i h``, ``h = (b - a)/(n - 1)``, including both end
    points, weights ``h * (1/2, 1, ..., 1, 1/2)``. Paper 000 (Sec. 4, after eq. 4.1) writes
    ``w_0 = w_m = 1/2, w_i = 1``, omitting ``h``; the factor ``h`` is kept here so the weights sum
    to the volume and ``M`` approximates the integral its eps-rank threshold refers to. Exact for
    (multi)linear functions; on an interval the error for a quadratic is exactly
    ``∫f - T f = -(b - a) h^2 f'' / 12``.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: nodes per axis, an int ``>= 2``.

    Returns:
        :class:`Quadrature` with ``n^d`` points.

    Example:
        >>> trapezoid((0.0, 1.0), 3).weights.tolist()
        [0.25, 0.5, 0.25]
    """
    box = as_box(domain)
    n = check_positive_int("n", n)
    if n < 2:
        raise ValueError(f"n must be >= 2 for the trapezoid rule (it includes both end points); got {n}")
    pts, w = axis_product(box, lambda lo, hi: trapezoid_nodes_1d(lo, hi, n))
    return Quadrature(pts, w, "trapezoid")


def uniform_grid(domain: Domain, n: int) -> Quadrature:
    """Composite midpoint rule: the centres of a uniform ``n^d`` cell grid, equal weights.

    Per axis: nodes ``x_i = a + (i + 1/2) h``, ``h = (b - a)/n``, ``i = 0..n-1``; every weight is
    ``volume / n^d``. Exact for (multi)linear functions; on an interval the error for a quadratic
    is exactly ``∫f - M f = +(b - a) h^2 f'' / 24``. This is the "uniform mesh" of paper 000,
    Sec. 4, without end points.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: cells per axis (positive int).

    Returns:
        :class:`Quadrature` with ``n^d`` points.

    Example:
        >>> uniform_grid((0.0, 1.0), 2).points.ravel().tolist()
        [0.25, 0.75]
    """
    box = as_box(domain)
    n = check_positive_int("n", n)
    pts, _ = axis_product(box, lambda lo, hi: midpoint_nodes_1d(lo, hi, n))
    return Quadrature(pts, np.full(pts.shape[0], box.volume / n**box.dim), "uniform")
