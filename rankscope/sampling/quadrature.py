"""Quadrature rules ``∫_Ω f(x) dx ≈ sum_k w_k f(x_k)`` on intervals and boxes.

Paper 000, Sec. 4, eq. (4.1), approximates the mass (Gram) matrix of the neuron functions by

    M_ij = ∫_Ω phi_i(x) phi_j(x) dx ≈ sum_k w_k phi_i(x_k) phi_j(x_k) = (D^T W D)_ij,

with Gauss points or a uniform mesh for d = 1, 2 and Monte Carlo in high dimension.

Weight scaling (callers must know this): every rule here approximates the *integral*, so its
weights sum to the measure of the domain (``volume``; the surface measure for :func:`boundary`).
Paper 000 writes the trapezoid weights as ``w_0 = w_m = 1/2, w_i = 1`` -- that omits the mesh
width ``h``; here they are ``h * (1/2, 1, ..., 1, 1/2)``. The paper's absolute eps-rank threshold
``eps = 1e-6`` refers to the integral ``M_ij = ∫ phi_i phi_j dx``, so it is only meaningful with
integral-scaled weights. The one exception is :func:`quadrature` without weights, which uses the
Monte Carlo *mean* weights ``1/m`` (the domain is unknown there).

Point ordering: tensor-product rules list points in C order, the last axis varying fastest; the
first factor of :func:`tensor_product` varies slowest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rankscope._checks import (
    _to_numpy,
    as_matrix,
    as_vector,
    check_choice,
    check_positive_int,
    describe,
)
from rankscope.sampling.domains import Box, Domain, as_box

if TYPE_CHECKING:
    import torch

__all__ = [
    "BOUNDARY_RULES",
    "Quadrature",
    "boundary",
    "boundary_normals",
    "gauss_legendre",
    "monte_carlo",
    "quadrature",
    "sobol",
    "tensor_product",
    "trapezoid",
    "uniform_grid",
]

BOUNDARY_RULES: tuple[str, ...] = ("gauss_legendre", "trapezoid", "uniform")
"""Face rules accepted by :func:`boundary`."""


def _frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Quadrature:
    """A quadrature rule ``Q[f] = sum_k w_k f(x_k)`` with points ``x_k`` and weights ``w_k >= 0``.

    The arrays are copied to float64 and made read-only at construction. Equality is identity
    (compare ``points``/``weights`` with numpy when needed).

    Args:
        points: (m, d) float64, finite, ``m >= 1``, ``d >= 1``.
        weights: (m,) float64, finite and ``>= 0``.
        rule: name of the rule that produced it, e.g. ``"gauss_legendre"``, ``"trapezoid"``,
            ``"uniform"``, ``"monte_carlo"``, ``"sobol"``, ``"boundary"``, ``"points"``.

    Example:
        >>> q = gauss_legendre((0.0, 1.0), 3)
        >>> round(q.integrate(lambda x: x[:, 0] ** 2), 12)
        0.333333333333
    """

    points: np.ndarray
    weights: np.ndarray
    rule: str

    def __post_init__(self) -> None:
        pts = as_matrix("points", self.points)
        if pts.shape[0] < 1 or pts.shape[1] < 1:
            raise ValueError(f"points must have shape (m, d) with m >= 1 and d >= 1; got shape {pts.shape}")
        w = as_vector("weights", self.weights)
        if w.shape[0] != pts.shape[0]:
            raise ValueError(
                f"weights must have one entry per point: points has shape {pts.shape} "
                f"(m={pts.shape[0]}) but weights has shape {w.shape}"
            )
        if np.any(w < 0):
            k = int(np.argmin(w))
            raise ValueError(
                f"weights must be non-negative; got {int(np.sum(w < 0))} negative entries, "
                f"e.g. weights[{k}] = {w[k]!r}"
            )
        if not isinstance(self.rule, str) or not self.rule:
            raise TypeError(f"rule must be a non-empty string; got {describe(self.rule)}")
        object.__setattr__(self, "points", _frozen(pts))
        object.__setattr__(self, "weights", _frozen(w))

    @property
    def dim(self) -> int:
        """Spatial dimension ``d``."""
        return int(self.points.shape[1])

    def __len__(self) -> int:
        return int(self.points.shape[0])

    @property
    def total_weight(self) -> float:
        """``sum_k w_k``: the domain's measure for integral rules, 1 for mean weights."""
        return float(np.sum(self.weights))

    def integrate(self, f: Callable[[np.ndarray], Any]) -> float | np.ndarray:
        """``sum_k w_k f(x_k)``.

        Args:
            f: maps the (m, d) float64 points to values of shape (m,) or (m, k) (numpy or torch).

        Returns:
            A float for (m,)-shaped values, else a float64 array of shape ``values.shape[1:]``.

        Example:
            >>> trapezoid((0.0, 2.0), 3).integrate(lambda x: np.ones(len(x)))
            2.0
        """
        values = _to_numpy("f(points)", f(self.points))
        if values.ndim < 1 or values.shape[0] != len(self):
            raise ValueError(
                f"f must return an array of shape ({len(self)},) or ({len(self)}, k) for "
                f"{len(self)} points; got {describe(values)}"
            )
        out = np.tensordot(self.weights, values, axes=1)
        return float(out) if values.ndim == 1 else np.asarray(out, dtype=np.float64)

    def to_torch(
        self, dtype: torch.dtype | None = None, device: torch.device | str | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Points (m, d) and weights (m,) as fresh torch tensors (default ``torch.float64``)."""
        import torch

        dtype = torch.float64 if dtype is None else dtype
        pts = torch.tensor(np.array(self.points), dtype=dtype, device=device)
        w = torch.tensor(np.array(self.weights), dtype=dtype, device=device)
        return pts, w


def quadrature(points: Any, weights: Any = None, *, rule: str = "points") -> Quadrature:
    """Wrap user data as a :class:`Quadrature`.

    Without ``weights`` the rule is the Monte Carlo *mean* ``(1/m) sum_k f(x_k)``: the weights are
    ``1/m`` and sum to 1, not to a domain volume (multiply by the volume for an integral).

    Args:
        points: numpy array or torch tensor of shape (m, d); a 1-D array of length m means (m, 1).
        weights: optional (m,) non-negative weights (numpy or torch); default ``1/m`` each.
        rule: the name recorded on the result.

    Example:
        >>> quadrature([0.0, 1.0]).weights.tolist()
        [0.5, 0.5]
    """
    pts = _to_numpy("points", points)
    if pts.ndim == 1:
        pts = pts[:, None]
    pts = as_matrix("points", pts)
    if weights is None:
        m = pts.shape[0]
        if m < 1:
            raise ValueError(f"points must contain at least one point; got shape {pts.shape}")
        w = np.full(m, 1.0 / m)
    else:
        w = _to_numpy("weights", weights)
    return Quadrature(pts, w, rule)


# ----------------------------------------------------------------------------------------------
# 1-D building blocks on [low, high]


def _gauss_1d(low: float, high: float, n: int, panels: int) -> tuple[np.ndarray, np.ndarray]:
    t, w = np.polynomial.legendre.leggauss(n)
    edges = np.linspace(low, high, panels + 1)
    half = 0.5 * (edges[1:] - edges[:-1])
    mid = 0.5 * (edges[1:] + edges[:-1])
    nodes = (mid[:, None] + half[:, None] * t[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


def _trapezoid_1d(low: float, high: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    nodes = np.linspace(low, high, n)
    h = (high - low) / (n - 1)
    weights = np.full(n, h)
    weights[[0, -1]] = 0.5 * h
    return nodes, weights


def _midpoint_1d(low: float, high: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    h = (high - low) / n
    nodes = low + h * (np.arange(n) + 0.5)
    return nodes, np.full(n, h)


def _product(
    factors: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Tensor product of (points (m_i, d_i), weights (m_i,)) factors, first factor slowest."""
    points, weights = factors[0]
    for p2, w2 in factors[1:]:
        m1, m2 = points.shape[0], p2.shape[0]
        points = np.concatenate([np.repeat(points, m2, axis=0), np.tile(p2, (m1, 1))], axis=1)
        weights = (weights[:, None] * w2[None, :]).ravel()
    return points, weights


def _axis_product(
    box: Box, one_d: Callable[[float, float], tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    factors = []
    for lo, hi in zip(box.lows, box.highs, strict=True):
        nodes, w = one_d(lo, hi)
        factors.append((nodes[:, None], w))
    return _product(factors)


def _box_rule(box: Box, n: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    if rule == "gauss_legendre":
        return _axis_product(box, lambda lo, hi: _gauss_1d(lo, hi, n, 1))
    if rule == "trapezoid":
        return _axis_product(box, lambda lo, hi: _trapezoid_1d(lo, hi, n))
    pts, _ = _axis_product(box, lambda lo, hi: _midpoint_1d(lo, hi, n))
    return pts, np.full(pts.shape[0], box.volume / n**box.dim)


# ----------------------------------------------------------------------------------------------
# Rules on a domain


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
    pts, w = _axis_product(box, lambda lo, hi: _gauss_1d(lo, hi, n, panels))
    return Quadrature(pts, w, "gauss_legendre")


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
    pts, w = _axis_product(box, lambda lo, hi: _trapezoid_1d(lo, hi, n))
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
    pts, w = _box_rule(box, n, "uniform")
    return Quadrature(pts, w, "uniform")


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative integer; got {describe(seed)}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}")
    return int(seed)


def monte_carlo(domain: Domain, n: int, *, seed: int = 0) -> Quadrature:
    """Plain Monte Carlo: ``n`` i.i.d. uniform points, weights ``volume / n``.

    ``∫_Ω f ≈ (|Ω|/n) sum_k f(x_k)``, error ``O(n^{-1/2})``; paper 000 Sec. 4 uses it for the mass
    matrix in high dimension. Points come from ``numpy.random.default_rng(seed)``.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: number of points (positive int).
        seed: non-negative int; equal seeds give identical rules.

    Example:
        >>> q = monte_carlo(Box.cube(0.0, 2.0, 3), 100, seed=1)
        >>> q.points.shape, round(q.total_weight, 12)
        ((100, 3), 8.0)
    """
    box = as_box(domain)
    n = check_positive_int("n", n)
    rng = np.random.default_rng(_check_seed(seed))
    lows = np.asarray(box.lows)
    pts = lows + np.asarray(box.widths) * rng.random((n, box.dim))
    return Quadrature(pts, np.full(n, box.volume / n), "monte_carlo")


def sobol(domain: Domain, n: int, *, seed: int = 0, scramble: bool = True) -> Quadrature:
    """Quasi-Monte Carlo with the first ``n`` points of a (scrambled) Sobol' sequence.

    Points from ``scipy.stats.qmc.Sobol(d, scramble=scramble, rng=default_rng(seed))`` mapped to the
    box, weights ``volume / n``. Error ``O(n^{-1} log^d n)`` (about ``n^{-3/2}`` for scrambled
    nets on smooth integrands). Best with ``n`` a power of two (balanced nets); for other ``n``
    the first ``n`` points of the next power-of-two net are used -- the same points as
    ``Sobol.random(n)`` but without its balance warning. Without scrambling the sequence is
    deterministic and starts at the corner ``lows``; ``seed`` is then irrelevant.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: number of points (positive int).
        seed: non-negative int for the scrambling.
        scramble: Owen scrambling with digital shift (recommended).

    Example:
        >>> q = sobol(Box.cube(0.0, 1.0, 2), 1024)
        >>> abs(q.integrate(lambda x: x[:, 0] * x[:, 1]) - 0.25) < 1e-4
        True
    """
    from scipy.stats import qmc

    box = as_box(domain)
    n = check_positive_int("n", n)
    seed = _check_seed(seed)
    if not isinstance(scramble, (bool, np.bool_)):
        raise TypeError(f"scramble must be a bool; got {describe(scramble)}")
    try:
        engine = qmc.Sobol(box.dim, scramble=bool(scramble), rng=np.random.default_rng(seed))
    except TypeError:  # pragma: no cover - scipy < 1.15 names the argument `seed`
        engine = qmc.Sobol(box.dim, scramble=bool(scramble), seed=np.random.default_rng(seed))
    unit = engine.random_base2((n - 1).bit_length())[:n]
    pts = np.asarray(box.lows) + np.asarray(box.widths) * unit
    return Quadrature(pts, np.full(n, box.volume / n), "sobol")


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
    pts, w = _product([(q.points, q.weights) for q in rules])
    names = {q.rule for q in rules}
    name = names.pop() if len(names) == 1 else "tensor_product"
    return Quadrature(pts, w, name)


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
    return normals / norms[:, None]
