"""The two steps of structure-guided Gauss–Newton (SgGN) for a shallow ReLU network.

Specification: ``papers/sggn-notes.md`` (our derivation of paper 003's ref. [1], Cai, Ding,
Liu, Liu, Xia, arXiv:2404.05064). Fit ``v(x) = sum_i c_i relu(w_i . x + b_i)`` to ``u`` by minimising

    J = 1/2 int_Omega (v - u)^2 dx                                   (notes, "Problem")

alternating

* the **linear step** (notes, "Linear step"): ``A c = f``, ``A_ij = <relu_i, relu_j>``,
  ``f_i = <u, relu_i>`` — dense Cholesky of ``A``, or ``mass_solver="structured"`` in 1D: the O(n)
  ``rankscope.linalg.structured.ReluMassSolver1D`` (exact closed-form ``A``);
* the **nonlinear step** (notes, "Nonlinear step"): with ``xhat = (x, 1)``, ``h_i = H(w_i . x + b_i)``,
  ``Hhat_ij = <h_i h_j xhat xhat^T>`` (the layer Gauss–Newton matrix) and
  ``ghat_i = <(v - u) h_i xhat>``, solve ``Hhat_SS z = -ghat_S`` over the neurons ``S = {i: c_i != 0}``
  (dense Cholesky; no Levenberg–Marquardt shift), set ``delta_i = z_i / c_i`` for ``i`` in ``S`` and
  ``delta_i = 0`` otherwise, and take ``theta <- theta + alpha delta`` with a backtracking Armijo line
  search on ``J`` (``c`` fixed). The Gauss–Newton matrix of ``J`` in ``theta`` is ``D Hhat D`` with
  ``D = diag(c) (x) I_{d+1}``; solving ``Hhat z = -ghat`` with ``z = D delta`` is its Gauss–Newton step
  with the singular part from ``c_i = 0`` removed exactly.

Integrals are quadratures supplied by a *rule* ``rule(weights, biases) -> (points (N, d), weights (N,))``
that may depend on the current neurons (:mod:`rankscope.sampling.adaptive`). Also here: the safeguards
of the line search (hyperplanes kept inside the domain, normalised weights) and the diagnostics of
``A`` and ``Hhat``. The loop that alternates the steps is :mod:`rankscope.train.sggn`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import scipy.linalg as sla

from rankscope.linalg.structured.relu1d_mass import ReluMassSolver1D
from rankscope.nets.shallow_relu import ShallowReLU
from rankscope.sampling.adaptive import Rule
from rankscope.sampling.domains import Domain, as_box

if TYPE_CHECKING:
    import torch

__all__ = [
    "SolveInfo",
    "gauss_newton_direction",
    "gradient",
    "layer_gn_matrix",
    "linear_step",
    "quadrature_loss",
    "quadrature_loss_torch",
]

Target = Callable[[np.ndarray], np.ndarray]


def _features(x: np.ndarray, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = x @ weights.T + biases[None, :]
    return np.maximum(z, 0.0), (z > 0).astype(np.float64)


def quadrature_loss(
    weights: np.ndarray, biases: np.ndarray, coefficients: np.ndarray, target: Target, rule: Rule
) -> float:
    """``J = 1/2 sum_k w_k (v(x_k) - u(x_k))^2`` with the rule's nodes for these neurons."""
    x, wq = rule(weights, biases)
    relu, _ = _features(x, weights, biases)
    r = relu @ coefficients - target(x)
    return 0.5 * float(wq @ r**2)


def quadrature_loss_torch(
    weights: torch.Tensor, biases: torch.Tensor, coefficients: torch.Tensor, target: Target, rule: Rule
) -> torch.Tensor:
    """The same ``J`` as :func:`quadrature_loss`, differentiable in torch w.r.t. all of (W, b, c).

    The nodes are chosen with the parameters detached (see the module docstring for why this gives the
    exact gradient of the exact integral with :class:`SplitGaussRule1D`).
    """
    import torch

    x, wq = rule(weights.detach().cpu().numpy(), biases.detach().cpu().numpy())
    u = torch.tensor(target(x), dtype=weights.dtype, device=weights.device)
    xt = torch.tensor(np.array(x), dtype=weights.dtype, device=weights.device)
    wt = torch.tensor(np.array(wq), dtype=weights.dtype, device=weights.device)
    v = torch.relu(xt @ weights.T + biases[None, :]) @ coefficients
    return 0.5 * (wt * (v - u) ** 2).sum()


def _xhat_blocks(x: np.ndarray, heav: np.ndarray) -> np.ndarray:
    """``(N, n (d+1))`` matrix whose column ``i (d+1) + k`` is ``h_i(x) xhat_k(x)``."""
    xhat = np.concatenate([x, np.ones((x.shape[0], 1))], axis=1)
    out: np.ndarray = (heav[:, :, None] * xhat[:, None, :]).reshape(x.shape[0], -1)
    return out


def layer_gn_matrix(x: np.ndarray, wq: np.ndarray, weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """``Hhat`` with ``(d+1) x (d+1)`` blocks ``Hhat_ij = <h_i h_j xhat xhat^T>`` (notes, "Nonlinear step").

    Shape ``(n (d+1), n (d+1))``, neuron-major (block ``i`` holds ``(w_i, b_i)``).
    """
    _, heav = _features(x, weights, biases)
    jh = _xhat_blocks(x, heav)
    out: np.ndarray = jh.T @ (wq[:, None] * jh)
    return out


def gradient(
    weights: np.ndarray, biases: np.ndarray, coefficients: np.ndarray, target: Target, rule: Rule
) -> tuple[np.ndarray, np.ndarray]:
    """``(dJ/dW, dJ/db)`` by the formula ``g_i = c_i <(v - u) h_i xhat>`` (notes, "Nonlinear step").

    Returns arrays of shapes ``(n, d)`` and ``(n,)``.
    """
    x, wq = rule(weights, biases)
    relu, heav = _features(x, weights, biases)
    r = relu @ coefficients - target(x)
    ghat = (_xhat_blocks(x, heav).T @ (wq * r)).reshape(weights.shape[0], -1)
    g = coefficients[:, None] * ghat
    return g[:, :-1], g[:, -1]


@dataclass(frozen=True)
class SolveInfo:
    """Whether a dense Cholesky succeeded and the smallest eigenvalue (``nan`` if not computed)."""

    cholesky: bool
    min_eig: float
    size: int


def _min_eig(m: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(m)[0]) if m.size else float("nan")


def linear_step(
    x: np.ndarray,
    wq: np.ndarray,
    weights: np.ndarray,
    biases: np.ndarray,
    target_values: np.ndarray,
    *,
    mass_solver: str = "dense",
    domain: Domain | None = None,
    diagnostics: bool = True,
) -> tuple[np.ndarray, SolveInfo]:
    """Output weights of the L2 projection: ``A c = f`` over the neurons active somewhere in Omega.

    Neurons with no active quadrature node (``relu_i = 0`` on Omega) get ``c_i = 0`` and are left out
    of ``A`` (their row would be zero). ``mass_solver``: ``"dense"`` (Cholesky of the quadrature
    ``A``; if it fails, a least-squares fallback and ``cholesky=False``) or ``"structured"`` (1D only:
    ``ReluMassSolver1D`` on the exact closed-form ``A`` of the live neurons).

    Returns ``(c (n,), SolveInfo for A)``.
    """
    relu, _ = _features(x, weights, biases)
    live = np.flatnonzero(np.any(relu > 0, axis=0))
    phi = relu[:, live]
    a_mat = phi.T @ (wq[:, None] * phi)
    f = phi.T @ (wq * target_values)
    c = np.zeros(weights.shape[0])
    min_eig = _min_eig(a_mat) if diagnostics else float("nan")
    if mass_solver == "structured":
        # a missing domain (None) is refused by the solver, naming it
        solver = ReluMassSolver1D(ShallowReLU(weights[live], biases[live]), cast(Domain, domain))
        c[live] = np.asarray(solver.solve(f), dtype=np.float64)
        ok = bool(np.all(np.isfinite(c)))
        if diagnostics:
            try:
                sla.cholesky(a_mat, lower=True)
            except np.linalg.LinAlgError:
                ok = False
        return c, SolveInfo(ok, min_eig, live.size)
    try:
        c[live] = sla.cho_solve(sla.cho_factor(a_mat, lower=True), f)
        ok = True
    except np.linalg.LinAlgError:
        c[live] = sla.lstsq(a_mat, f)[0]
        ok = False
    return c, SolveInfo(ok, min_eig, live.size)


def gauss_newton_direction(
    x: np.ndarray,
    wq: np.ndarray,
    weights: np.ndarray,
    biases: np.ndarray,
    coefficients: np.ndarray,
    residual: np.ndarray,
    *,
    diagnostics: bool = True,
) -> tuple[np.ndarray, float, SolveInfo]:
    """SgGN direction ``delta`` (n, d+1) on ``theta_i = (w_i, b_i)``: ``Hhat_SS z = -ghat_S``, ``z_i / c_i``.

    ``S`` = neurons with ``c_i != 0`` and some active node; the others get ``delta_i = 0``. The
    directional derivative ``g . delta = -z^T Hhat_SS z`` is returned for the Armijo test. If the
    Cholesky factorisation of ``Hhat_SS`` fails (not numerically positive definite) a least-squares
    solve is used instead and ``SolveInfo.cholesky`` is False.
    """
    n, dp1 = weights.shape[0], weights.shape[1] + 1
    _, heav = _features(x, weights, biases)
    s = np.flatnonzero((coefficients != 0) & np.any(heav > 0, axis=0))
    jh = _xhat_blocks(x, heav[:, s])
    h_mat = jh.T @ (wq[:, None] * jh)
    ghat = jh.T @ (wq * residual)
    min_eig = _min_eig(h_mat) if diagnostics else float("nan")
    delta = np.zeros((n, dp1))
    if s.size == 0:
        return delta, 0.0, SolveInfo(True, min_eig, 0)
    try:
        z = sla.cho_solve(sla.cho_factor(h_mat, lower=True), -ghat)
        ok = True
    except np.linalg.LinAlgError:
        z = sla.lstsq(h_mat, -ghat)[0]
        ok = False
    delta[s] = z.reshape(s.size, dp1) / coefficients[s, None]
    return delta, float(ghat @ z), SolveInfo(ok, min_eig, h_mat.shape[0])


def _corners(domain: Domain) -> np.ndarray:
    """The ``2^d`` corners of the box ``domain`` (an Interval, Box or (low, high)), shape (2^d, d)."""
    box = as_box(domain)
    axes = [np.array([lo, hi]) for lo, hi in zip(box.lows, box.highs, strict=True)]
    return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)


def _cuts(corners: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which neurons' hyperplanes ``w_i . x + b_i = 0`` cross the interior of the box (n,) bool."""
    z = corners @ w.T + b[None, :]
    out: np.ndarray = (z.min(axis=0) < 0) & (z.max(axis=0) > 0)
    return out


def _normalised(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(w_i, b_i) / |w_i|``: the same hyperplane and ``relu_i / |w_i|`` (``c_i`` absorbs the scale)."""
    s = np.linalg.norm(w, axis=1)
    s = np.where(s > 0, s, 1.0)
    return w / s[:, None], b / s


def _diagnose_mass(x: np.ndarray, wq: np.ndarray, w: np.ndarray, b: np.ndarray) -> SolveInfo:
    relu, _ = _features(x, w, b)
    phi = relu[:, np.any(relu > 0, axis=0)]
    a_mat = phi.T @ (wq[:, None] * phi)
    try:
        sla.cholesky(a_mat, lower=True)
        ok = True
    except np.linalg.LinAlgError:
        ok = False
    return SolveInfo(ok, _min_eig(a_mat), a_mat.shape[0])


def _diagnose_gn(
    x: np.ndarray, wq: np.ndarray, w: np.ndarray, b: np.ndarray, c: np.ndarray, ok: bool
) -> SolveInfo:
    _, heav = _features(x, w, b)
    s = (c != 0) & np.any(heav > 0, axis=0)
    jh = _xhat_blocks(x, heav[:, s])
    return SolveInfo(ok, _min_eig(jh.T @ (wq[:, None] * jh)), jh.shape[1])
