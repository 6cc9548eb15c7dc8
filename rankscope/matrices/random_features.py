"""Random-feature system matrices of a linear differential operator, by AD and by finite differences.

The random feature model (paper 001 eq. 3, Sec. 2.1) is
``phi(x; a) = sum_j a_j sigma(w_j . x + b_j)`` with fixed ``w_j ~ U([-R, R]^d)``, ``b_j ~ U([-R, R])``
(``R = 1`` in appendix B.1). For an operator ``L = sum_t c_t D^{alpha_t}`` the PINN residual is
``A a - f`` with

* ``A_AD[i, j] = L[sigma(w_j . x + b_j)](x_i) = sum_t c_t w_j^{alpha_t} sigma^{(|alpha_t|)}(w_j . x_i + b_j)``
  (eq. 7 and 11: ``A_AD = A_2 D_2`` with ``D_2 = diag(w_j^2)`` for ``u_xx``), the chain rule being
  exact for the affine argument;
* ``A_FD = C A_0`` (eq. 8, 11, 12 and appendix B), ``A_0[i, j] = sigma(w_j . x_i + b_j)`` on the grid
  (with its ghost layers) and ``C`` the FD stencil of :mod:`rankscope.operators.stencils`.

``sigma^{(k)}`` comes from :mod:`rankscope.matrices.activation_derivatives` (closed form for ``sin``
and ``tanh``, else ``torch.func``); the spectra of ``A_AD`` and ``A_FD`` are compared in
:mod:`rankscope.matrices.ad_fd_comparison`. Random-feature matrices are float64, as the paper's RFM
experiments (appendix B.1); the builders also take tensors with leading batch dimensions and
gradients, which is how the two-layer networks of Sec. 3.2 reuse them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.linalg.types import MatrixLike
from rankscope.matrices.activation_derivatives import (
    ActivationLike,
    Method,
    _resolve,
    activation_derivative,
)
from rankscope.nets.activations import ACTIVATIONS
from rankscope.operators.constant_coefficient import DiffOperator
from rankscope.operators.fd_grids import FDGrid
from rankscope.operators.stencils import apply_stencil, stencil_for, stencil_matrix

__all__ = [
    "RandomFeatures",
    "ad_matrix",
    "feature_matrix",
    "sample_features",
    "system_matrix_ad",
    "system_matrix_fd",
]


@dataclass(frozen=True)
class RandomFeatures:
    """Fixed inner parameters of a random feature model: ``sigma(w_j . x + b_j)``, ``j = 1..M``.

    Args:
        weights: (M, d) tensor of ``w_j``.
        biases: (M,) tensor of ``b_j``.
        activation: a name from ``rankscope.nets.ACTIVATIONS`` (``"sin"`` in the paper).
    """

    weights: torch.Tensor
    biases: torch.Tensor
    activation: str = "sin"

    def __post_init__(self) -> None:
        if not isinstance(self.weights, torch.Tensor) or self.weights.ndim != 2:
            raise ValueError(f"weights must be an (M, d) tensor; got {describe(self.weights)}")
        if not isinstance(self.biases, torch.Tensor) or self.biases.shape != self.weights.shape[:1]:
            raise ValueError(
                f"biases must be an (M,) tensor with M = {self.weights.shape[0]}; got {describe(self.biases)}"
            )
        check_choice("activation", self.activation, tuple(ACTIVATIONS))

    @property
    def m(self) -> int:
        """Number of features M."""
        return int(self.weights.shape[0])

    @property
    def dim(self) -> int:
        """Input dimension d."""
        return int(self.weights.shape[1])


def sample_features(
    m: int,
    dim: int = 1,
    *,
    activation: str = "sin",
    radius: float = 1.0,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> RandomFeatures:
    """Draw ``w_j ~ U([-R, R]^d)``, ``b_j ~ U([-R, R])`` (paper 001 Sec. 2.1, appendix B.1: R = 1).

    Example:
        >>> f = sample_features(5, 2, seed=0)
        >>> f.weights.shape, f.biases.shape, bool(f.weights.abs().max() <= 1)
        (torch.Size([5, 2]), torch.Size([5]), True)
    """
    m = check_positive_int("m", m)
    dim = check_positive_int("dim", dim)
    if not (isinstance(radius, (int, float)) and math.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a finite number > 0; got {radius!r}")
    gen = torch.Generator().manual_seed(int(seed))
    w = (torch.rand(m, dim, generator=gen, dtype=torch.float64) * 2 - 1) * radius
    b = (torch.rand(m, generator=gen, dtype=torch.float64) * 2 - 1) * radius
    return RandomFeatures(w.to(dtype), b.to(dtype), activation)


def _preactivation(x: torch.Tensor, weights: torch.Tensor, biases: torch.Tensor) -> torch.Tensor:
    """``z[..., i, j] = w_j . x_i + b_j`` for ``x`` (N, d), ``weights`` (..., M, d), ``biases`` (..., M)."""
    return torch.matmul(weights, x.T).transpose(-1, -2) + biases.unsqueeze(-2)


def _check_points(x: MatrixLike, dim: int, dtype: torch.dtype) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x, dtype=np.float64))
    if x.ndim == 1 and dim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"x must be an (N, {dim}) array of points; got {describe(x)}")
    out: torch.Tensor = x.to(dtype)
    return out


def ad_matrix(
    x: torch.Tensor,
    weights: torch.Tensor,
    biases: torch.Tensor,
    operator: DiffOperator,
    activation: ActivationLike = "sin",
    *,
    method: Method = "auto",
) -> torch.Tensor:
    """``A[..., i, j] = sum_t c_t w_j^{alpha_t} sigma^{(|alpha_t|)}(w_j . x_i + b_j)`` (eq. 7, 11).

    The low-level AD builder: ``weights`` (..., M, d) and ``biases`` (..., M) may carry leading batch
    dimensions and gradients (the two-layer networks of Sec. 3.2 use it with trainable ``w, b``).
    Each derivative order is evaluated once and shared by the terms of that order.

    Returns:
        Tensor of shape (..., N, M).
    """
    if not isinstance(operator, DiffOperator):
        raise TypeError(f"operator must be a DiffOperator; got {describe(operator)}")
    if weights.shape[-1] != operator.dim:
        raise ValueError(
            f"operator {operator.name!r} is {operator.dim}-D but the features have d = {weights.shape[-1]}"
        )
    how, act = _resolve(activation, method)
    z = _preactivation(x, weights, biases)
    by_order: dict[int, torch.Tensor] = {}
    out = None
    for c, alpha in operator.terms:
        k = sum(alpha)
        if k not in by_order:
            by_order[k] = activation_derivative(act, z, k, method=how)  # type: ignore[arg-type]
        coef = torch.ones_like(biases) * c
        for axis, power in enumerate(alpha):
            if power:
                coef = coef * weights[..., axis] ** power
        term = by_order[k] * coef.unsqueeze(-2)
        out = term if out is None else out + term
    assert out is not None
    return out


def feature_matrix(features: RandomFeatures, x: MatrixLike) -> torch.Tensor:
    """``A_0[i, j] = sigma(w_j . x_i + b_j)`` (eq. 11), shape (N, M), in the features' dtype."""
    x = _check_points(x, features.dim, features.weights.dtype)
    z = _preactivation(x, features.weights, features.biases)
    return activation_derivative(features.activation, z, 0)


def system_matrix_ad(
    features: RandomFeatures, x: MatrixLike, operator: DiffOperator, *, method: Method = "auto"
) -> torch.Tensor:
    """``A_AD``: the operator applied to each feature exactly, at the points ``x`` (eq. 7, 11).

    For ``u_xx`` this is ``A_AD = (w_j^2 sigma''(w_j x_i + b_j))_{ij} = A_2 D_2``.

    Args:
        features: the random features (float64 in the paper's RFM experiments).
        x: (N, d) collocation points.
        operator: any ``DiffOperator`` (any orders, mixed derivatives, several terms).
        method: ``"closed_form"`` (sin, tanh), ``"autodiff"`` (torch.func; any activation) or
            ``"auto"`` (closed form where available). Both agree to round-off.

    Example:
        >>> from rankscope.operators.constant_coefficient import second_derivative
        >>> f = sample_features(3, seed=1)
        >>> x = torch.linspace(-1, 1, 4, dtype=torch.float64)[:, None]
        >>> a = system_matrix_ad(f, x, second_derivative())
        >>> bool(torch.allclose(a, -torch.sin(x @ f.weights.T + f.biases) * f.weights[:, 0] ** 2))
        True
    """
    x = _check_points(x, features.dim, features.weights.dtype)
    return ad_matrix(x, features.weights, features.biases, operator, features.activation, method=method)


def system_matrix_fd(
    features: RandomFeatures,
    grid: FDGrid,
    operator: DiffOperator | str,
    *,
    boundary: Literal["ghost", "truncate"] = "ghost",
) -> torch.Tensor:
    """``A_FD = C A_0``: the FD stencil applied to each feature on the grid (eq. 8, 11, 12, App. B).

    ``boundary="ghost"`` evaluates the features at the ghost layers outside the grid, so every row is
    the stencil of eq. (8) as written; ``"truncate"`` uses the square printed matrices (eq. 12, B.3,
    B.4) on ``A_0`` at the grid points only (see :mod:`rankscope.operators.stencils`).

    Returns:
        Tensor (N, M), N = ``grid.size``, in the features' dtype.
    """
    if not isinstance(grid, FDGrid):
        raise TypeError(
            f"grid must be an FDGrid (see rankscope.operators.fd_grids.fd_grid); got {describe(grid)}"
        )
    st = stencil_for(operator)
    if grid.dim != features.dim:
        raise ValueError(f"grid is {grid.dim}-D but the features have d = {features.dim}")
    check_choice("boundary", boundary, ("ghost", "truncate"))
    if boundary == "truncate":
        c = stencil_matrix(st, grid.shape, grid.h, boundary="truncate")
        a0_grid = feature_matrix(features, grid.points()).numpy()
        return torch.as_tensor(np.asarray(c @ a0_grid), dtype=features.weights.dtype)
    r = st.radius
    a0 = feature_matrix(features, grid.points(ghost=r))  # (N_ext, M)
    ext = tuple(n + 2 * r for n in grid.shape)
    vals = a0.T.reshape(features.m, *ext)
    out: torch.Tensor = apply_stencil(st, vals, grid.h).reshape(features.m, grid.size).T
    return out
