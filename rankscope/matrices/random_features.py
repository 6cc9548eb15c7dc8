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

``sigma^{(k)}`` comes in closed form for ``sin`` and ``tanh`` or, for any activation, from
``torch.func`` (the ``k``-fold ``torch.func.grad`` of ``sum(sigma(z))``, exact for elementwise
activations). Random-feature matrices are float64, as the paper's RFM experiments (appendix B.1);
the builders also take tensors with leading batch dimensions and gradients, which is how the
two-layer networks of Sec. 3.2 reuse them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import torch
from torch.func import grad

from rankscope._checks import as_matrix, check_choice, check_positive_int, describe
from rankscope.linalg.spectrum import singular_spectrum
from rankscope.linalg.truncated_svd import shared_count
from rankscope.nets.activations import ACTIVATIONS
from rankscope.nets.activations import activation as make_activation
from rankscope.operators.stencils import (
    DiffOperator,
    FDGrid,
    apply_stencil,
    stencil_for,
    stencil_matrix,
)

__all__ = [
    "CLOSED_FORM_ACTIVATIONS",
    "ADFDComparison",
    "RandomFeatures",
    "activation_derivative",
    "ad_matrix",
    "compare_ad_fd",
    "feature_matrix",
    "proposition2_bound",
    "sample_features",
    "system_matrix_ad",
    "system_matrix_fd",
]

#: Activations whose derivatives of every order have a closed form here.
CLOSED_FORM_ACTIVATIONS = ("sin", "tanh")
Method = Literal["auto", "closed_form", "autodiff"]
_METHODS = ("auto", "closed_form", "autodiff")
ActivationLike = str | Callable[[torch.Tensor], torch.Tensor]


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


@lru_cache(maxsize=32)
def _tanh_poly(order: int) -> tuple[float, ...]:
    """Coefficients (low to high) of ``P_k`` with ``tanh^{(k)}(z) = P_k(tanh z)``.

    ``P_0(t) = t`` and ``P_{k+1}(t) = P_k'(t) (1 - t^2)`` since ``d tanh/dz = 1 - tanh^2``.
    """
    p = np.polynomial.Polynomial([0.0, 1.0])
    one_minus_t2 = np.polynomial.Polynomial([1.0, 0.0, -1.0])
    for _ in range(order):
        p = p.deriv() * one_minus_t2
    return tuple(float(c) for c in p.coef)


def _closed_form(name: str, z: torch.Tensor, order: int) -> torch.Tensor:
    if name == "sin":
        return (torch.sin, torch.cos, lambda v: -torch.sin(v), lambda v: -torch.cos(v))[order % 4](z)
    t = torch.tanh(z)
    out = torch.zeros_like(t)
    for c in reversed(_tanh_poly(order)):  # Horner
        out = out * t + c
    return out


def _autodiff(fn: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor, order: int) -> torch.Tensor:
    """``fn^{(order)}(z)`` of an elementwise ``fn`` by ``torch.func.grad``, nested ``order`` times.

    For an elementwise function the Jacobian is diagonal, so the gradient of ``sum(fn(z))`` is
    ``fn'(z)`` entrywise; nesting gives the higher derivatives with no ``vmap`` over the entries.
    (A ``vmap`` of nested scalar ``grad``s gives the same values about 20% slower; nested
    forward-mode ``jvp`` is an order of magnitude slower on CPU in torch 2.x.)
    """
    g = fn
    for _ in range(order):
        g = (lambda h: grad(lambda v: h(v).sum()))(g)
    return g(z)


def _resolve(activation: ActivationLike, method: str) -> tuple[str, ActivationLike]:
    check_choice("method", method, _METHODS)
    closed = isinstance(activation, str) and activation in CLOSED_FORM_ACTIVATIONS
    if method == "closed_form" and not closed:
        raise ValueError(
            f"method='closed_form' needs an activation in {list(CLOSED_FORM_ACTIVATIONS)}; got "
            f"{activation!r}; use method='autodiff' (torch.func) for other activations"
        )
    if method == "auto":
        method = "closed_form" if closed else "autodiff"
    if isinstance(activation, str):
        check_choice("activation", activation, tuple(ACTIVATIONS))
    elif not callable(activation):
        raise TypeError(f"activation must be a name or an elementwise callable; got {describe(activation)}")
    return method, activation


def activation_derivative(
    activation: ActivationLike, z: torch.Tensor, order: int, *, method: Method = "auto"
) -> torch.Tensor:
    """The ``order``-th derivative ``sigma^{(k)}(z)`` of an activation, entrywise.

    ``method="closed_form"``: ``sin^{(k)} = sin, cos, -sin, -cos`` (k mod 4) and
    ``tanh^{(k)} = P_k(tanh)`` (``P_{k+1} = P_k' (1 - t^2)``); ``"autodiff"``: ``torch.func.grad``
    of ``sum(sigma(z))``, nested k times
    of the activation (any elementwise torch function or a name in ``ACTIVATIONS``); ``"auto"``:
    closed form where there is one. Paper 001 eq. (7), (11), (17): ``A_2``, ``A_3`` hold these values.

    Example:
        >>> z = torch.tensor([0.3], dtype=torch.float64)
        >>> bool(torch.allclose(activation_derivative("tanh", z, 2, method="autodiff"),
        ...                     activation_derivative("tanh", z, 2, method="closed_form")))
        True
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"order must be an integer >= 0; got {order!r}")
    how, act = _resolve(activation, method)
    if how == "closed_form":
        return _closed_form(str(act), z, int(order))
    fn = make_activation(act) if isinstance(act, str) else act
    return _autodiff(fn, z, int(order))


def _preactivation(x: torch.Tensor, weights: torch.Tensor, biases: torch.Tensor) -> torch.Tensor:
    """``z[..., i, j] = w_j . x_i + b_j`` for ``x`` (N, d), ``weights`` (..., M, d), ``biases`` (..., M)."""
    return torch.matmul(weights, x.T).transpose(-1, -2) + biases.unsqueeze(-2)


def _check_points(x: Any, dim: int, dtype: torch.dtype) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x, dtype=np.float64))
    if x.ndim == 1 and dim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"x must be an (N, {dim}) array of points; got {describe(x)}")
    return x.to(dtype)


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


def feature_matrix(features: RandomFeatures, x: Any) -> torch.Tensor:
    """``A_0[i, j] = sigma(w_j . x_i + b_j)`` (eq. 11), shape (N, M), in the features' dtype."""
    x = _check_points(x, features.dim, features.weights.dtype)
    z = _preactivation(x, features.weights, features.biases)
    return activation_derivative(features.activation, z, 0)


def system_matrix_ad(
    features: RandomFeatures, x: Any, operator: DiffOperator, *, method: Method = "auto"
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
        >>> from rankscope.operators.stencils import second_derivative
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
            f"grid must be an FDGrid (see rankscope.operators.stencils.fd_grid); got {describe(grid)}"
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
    return apply_stencil(st, vals, grid.h).reshape(features.m, grid.size).T


@dataclass(frozen=True)
class ADFDComparison:
    """Singular values of ``A_AD`` and ``A_FD`` side by side (paper 001 Prop. 1-2, Fig. 2).

    Attributes:
        sv_ad, sv_fd: singular values, descending.
        lambda_max_ad, lambda_max_fd: ``lambda_max(A^T A) = sigma_1^2``.
        top_rel_gap: ``|lambda_max_ad - lambda_max_fd| / lambda_max_ad`` (Prop. 1: O(h^2)).
        shared: K, the number of leading singular values that agree to ``rtol`` (Fig. 3's red dot).
        tail_log10_ratio: median of ``log10(sigma_FD,i / sigma_AD,i)`` over ``i > K``; > 0 when the
            small singular values are larger for FD (Prop. 2).
    """

    sv_ad: np.ndarray
    sv_fd: np.ndarray
    lambda_max_ad: float
    lambda_max_fd: float
    top_rel_gap: float
    shared: int
    tail_log10_ratio: float


def compare_ad_fd(a_ad: Any, a_fd: Any, *, rtol: float = 0.05) -> ADFDComparison:
    """Compare the spectra of ``A_AD`` and ``A_FD`` as Propositions 1 and 2 of paper 001 do.

    Example:
        >>> c = compare_ad_fd(np.diag([2.0, 1.0, 1e-9]), np.diag([2.0, 1.0, 1e-5]))
        >>> c.shared, round(c.tail_log10_ratio, 6)
        (2, 4.0)
    """
    s_ad = singular_spectrum(a_ad, name="a_ad").values
    s_fd = singular_spectrum(a_fd, name="a_fd").values
    if s_ad.size != s_fd.size:
        raise ValueError(
            f"a_ad and a_fd must have the same shape; got {s_ad.size} and {s_fd.size} singular values"
        )
    k = shared_count(s_ad, s_fd, rtol=rtol)
    tiny = np.finfo(np.float64).tiny
    tail = np.log10(np.maximum(s_fd[k:], tiny) / np.maximum(s_ad[k:], tiny))
    lam_ad, lam_fd = float(s_ad[0] ** 2), float(s_fd[0] ** 2)
    return ADFDComparison(
        sv_ad=s_ad,
        sv_fd=s_fd,
        lambda_max_ad=lam_ad,
        lambda_max_fd=lam_fd,
        top_rel_gap=abs(lam_ad - lam_fd) / lam_ad if lam_ad > 0 else math.inf,
        shared=k,
        tail_log10_ratio=float(np.median(tail)) if tail.size else 0.0,
    )


def proposition2_bound(a0: Any, c: Any) -> tuple[float, float]:
    """Both sides of Prop. 2: ``sigma_min(C A_0) >= sigma_min(A_0) sigma_min(C)``.

    The paper states it for square ``A_0`` (M = N); other shapes only warn, and the bound then
    compares the min(N, M)-th singular values (it still holds for N >= M, ``C`` square N x N).

    Returns:
        ``(sigma_min(C A_0), sigma_min(A_0) * sigma_min(C))``.
    """
    a0 = as_matrix("a0", a0)
    c_dense = c.toarray() if hasattr(c, "toarray") else c
    c_arr = as_matrix("c", c_dense, square=True)
    if c_arr.shape[0] != a0.shape[0]:
        raise ValueError(f"c must be {a0.shape[0]} x {a0.shape[0]} to multiply a0; got {c_arr.shape}")
    if a0.shape[0] != a0.shape[1]:
        warnings.warn(
            f"Proposition 2 assumes M = N (square A_0); got N = {a0.shape[0]} points and "
            f"M = {a0.shape[1]} features",
            UserWarning,
            stacklevel=2,
        )
    lhs = singular_spectrum(c_arr @ a0).min
    rhs = singular_spectrum(a0).min * singular_spectrum(c_arr).min
    return lhs, rhs
