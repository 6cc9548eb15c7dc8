"""Gauss–Legendre rules and tensor products of rules on intervals and boxes.

Paper 000, Sec. 4 ("Gaussian integral points") builds the mass matrix of eq. (4.1) in d = 1, 2 with
Gauss points. Weights sum to the box's volume; points are in C order, the last axis varying
fastest (see :mod:`rankscope.sampling.quadrature`). :func:`axis_product` and
:func:`product_rule` are the tensor-product machinery the grid and boundary rules share.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rankscope._checks import check_positive_int, describe
from rankscope.sampling.domains import Box, Domain, as_box
from rankscope.sampling.quadrature import Quadrature

__all__ = ["gauss_legendre", "tensor_product"]


def gauss_nodes_1d(low: float, high: float, n: int, panels: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the ``n``-point Gauss–Legendre rule on ``panels`` equal panels of [low, high]."""
    t, w = np.polynomial.legendre.leggauss(n)
    edges = np.linspace(low, high, panels + 1)
    half = 0.5 * (edges[1:] - edges[:-1])
    mid = 0.5 * (edges[1:] + edges[:-1])
    nodes = (mid[:, None] + half[:, None] * t[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


def product_rule(
    factors: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Tensor product of (points (m_i, d_i), weights (m_i,)) factors, first factor slowest."""
    points, weights = factors[0]
    for p2, w2 in factors[1:]:
        m1, m2 = points.shape[0], p2.shape[0]
        points = np.concatenate([np.repeat(points, m2, axis=0), np.tile(p2, (m1, 1))], axis=1)
        weights = (weights[:, None] * w2[None, :]).ravel()
    return points, weights


def axis_product(
    box: Box, one_d: Callable[[float, float], tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """The tensor product over the axes of ``box`` of the 1-D rule ``one_d(low, high)``."""
    factors = []
    for lo, hi in zip(box.lows, box.highs, strict=True):
        nodes, w = one_d(lo, hi)
        factors.append((nodes[:, None], w))
    return product_rule(factors)


def gauss_legendre(domain: Domain, n: int, *, panels: int = 1) -> Quadrature:
    """Composite Gauss–Legendre rule, tensor product over the axes of a box.

    Each axis ``[a, b]`` is cut into ``panels`` equal panels of width ``H = (b - a)/panels``; on
    each panel the ``n`` Legendre nodes ``t_j`` and weights ``v_j`` of
    ``numpy.polynomial.legendre.leggauss`` map to ``x = c + (H/2) t_j``, ``w = (H/2) v_j``.
    Exact for polynomials of degree ``<= 2n - 1`` in each variable; for ``f = x^{2n}`` the error
    ``∫f - Q f`` is ``panels * H^{2n+1} (n!)^4 / ((2n+1) ((2n)!)^2) > 0``. Used by paper 000
    (Sec. 4, "Gaussian integral points") for the mass matrix in d = 1, 2.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: nodes per panel per axis (positive int).
        panels: panels per axis (positive int).

    Returns:
        :class:`Quadrature` with ``(n * panels)^d`` points; weights sum to ``domain.volume``.

    Example:
        >>> q = gauss_legendre((0.0, 1.0), 2)
        >>> round(q.integrate(lambda x: x[:, 0] ** 3), 15)
        0.25
    """
    box = as_box(domain)
    n = check_positive_int("n", n)
    panels = check_positive_int("panels", panels)
    pts, w = axis_product(box, lambda lo, hi: gauss_nodes_1d(lo, hi, n, panels))
    return Quadrature(pts, w, "gauss_legendre")


def tensor_product(*rules: Quadrature) -> Quadrature:
    """Product rule ``Q_1 x ... x Q_r`` of lower-dimensional rules.

    Points ``(x^{(1)}_{k_1}, ..., x^{(r)}_{k_r})`` (dimension ``sum d_i``) with weights
    ``prod_i w^{(i)}_{k_i}``, the first rule's index varying slowest; exact for products of
    functions each integrated exactly by its factor. The result keeps the common ``rule`` name
    when all factors share one, else it is named ``"tensor_product"``.

    Args:
        *rules: one or more :class:`Quadrature`.

    Example:
        >>> q = tensor_product(gauss_legendre((0.0, 1.0), 2), gauss_legendre((0.0, 3.0), 2))
        >>> q.points.shape, round(q.total_weight, 12)
        ((4, 2), 3.0)
    """
    if not rules:
        raise ValueError("rules must contain at least one Quadrature; got none")
    for i, q in enumerate(rules):
        if not isinstance(q, Quadrature):
            raise TypeError(f"rules[{i}] must be a Quadrature; got {describe(q)}")
    pts, w = product_rule([(q.points, q.weights) for q in rules])
    names = {q.rule for q in rules}
    name = names.pop() if len(names) == 1 else "tensor_product"
    return Quadrature(pts, w, name)
