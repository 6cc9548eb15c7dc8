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

This module holds the value type :class:`Quadrature` and :func:`quadrature` (user points and
weights); the rules are grouped by family: :mod:`~rankscope.sampling.gauss` (Gauss–Legendre and
tensor products), :mod:`~rankscope.sampling.grids` (trapezoid and midpoint grids),
:mod:`~rankscope.sampling.random_rules` (Monte Carlo and Sobol') and
:mod:`~rankscope.sampling.boundary_rules` (surface rules and outward normals).

Point ordering: tensor-product rules list points in C order, the last axis varying fastest; the
first factor of :func:`tensor_product` varies slowest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rankscope._checks import _to_numpy, as_matrix, as_vector, describe
from rankscope.linalg.types import MatrixLike, VectorLike

if TYPE_CHECKING:
    import torch

__all__ = ["Quadrature", "quadrature"]


def _points(name: str, value: Any) -> np.ndarray:
    """Points ``(m, d)`` (or sample-shaped ``(m, *shape)``, e.g. images) as finite float64, or raise."""
    arr = _to_numpy(name, value)
    if arr.ndim <= 2:
        arr = as_matrix(name, arr)
    elif not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {int(np.sum(~np.isfinite(arr)))} NaN or Inf values")
    return np.asarray(arr, dtype=np.float64)


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
        points: (m, d) float64, finite, ``m >= 1``, ``d >= 1``; or sample-shaped ``(m, *shape)``
            points such as images ``(m, c, h, w)`` (the rule then weights whole samples; models
            receive the points in that shape, and ``dim`` is ``prod(shape)``).
        weights: (m,) float64, finite and ``>= 0``.
        rule: name of the rule that produced it, e.g. ``"gauss_legendre"``, ``"trapezoid"``,
            ``"uniform"``, ``"monte_carlo"``, ``"sobol"``, ``"boundary"``, ``"points"``.

    Example:
        >>> from rankscope.sampling import gauss_legendre
        >>> q = gauss_legendre((0.0, 1.0), 3)
        >>> round(q.integrate(lambda x: x[:, 0] ** 2), 12)
        0.333333333333
    """

    points: np.ndarray
    weights: np.ndarray
    rule: str

    def __post_init__(self) -> None:
        pts = _points("points", self.points)
        if pts.shape[0] < 1 or min(pts.shape[1:]) < 1:
            raise ValueError(
                f"points must have shape (m, d) (or (m, *sample_shape), e.g. images (m, c, h, w), every "
                f"axis >= 1) with m >= 1 and d >= 1; got shape {pts.shape}"
            )
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
        """Spatial dimension ``d``; for sample-shaped points (e.g. images ``(m, c, h, w)``) the
        number of input values per point, ``prod(sample_shape)``."""
        return int(np.prod(self.points.shape[1:]))

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """The shape of one point: ``(d,)``, or e.g. ``(c, h, w)`` for images."""
        return tuple(int(k) for k in self.points.shape[1:])

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
            >>> from rankscope.sampling import trapezoid
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
        """Points (m, d) (or (m, *sample_shape)) and weights (m,) as fresh torch tensors (default
        ``torch.float64``)."""
        import torch

        dtype = torch.float64 if dtype is None else dtype
        pts = torch.tensor(np.array(self.points), dtype=dtype, device=device)
        w = torch.tensor(np.array(self.weights), dtype=dtype, device=device)
        return pts, w


def quadrature(points: MatrixLike, weights: VectorLike | None = None, *, rule: str = "points") -> Quadrature:
    """Wrap user data as a :class:`Quadrature`.

    Without ``weights`` the rule is the Monte Carlo *mean* ``(1/m) sum_k f(x_k)``: the weights are
    ``1/m`` and sum to 1, not to a domain volume (multiply by the volume for an integral).

    Args:
        points: numpy array or torch tensor of shape (m, d) (a 1-D array of length m means (m, 1)),
            or sample-shaped (m, *shape), e.g. a batch of images (m, c, h, w).
        weights: optional (m,) non-negative weights (numpy or torch); default ``1/m`` each.
        rule: the name recorded on the result.

    Example:
        >>> quadrature([0.0, 1.0]).weights.tolist()
        [0.5, 0.5]
    """
    pts = _to_numpy("points", points)
    if pts.ndim == 1:
        pts = pts[:, None]
    pts = _points("points", pts)
    if weights is None:
        m = pts.shape[0]
        if m < 1:
            raise ValueError(f"points must contain at least one point; got shape {pts.shape}")
        w = np.full(m, 1.0 / m)
    else:
        w = _to_numpy("weights", weights)
    return Quadrature(pts, w, rule)
