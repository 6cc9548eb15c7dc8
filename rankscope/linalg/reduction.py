"""Theorem 3.2 of paper 000 made computable: reduce n functions to p = eps-rank of them.

Paper: paper 000, Section 3 (Lemma 3.1, Theorem 3.2 and its proof).

**Theorem 3.2.** If ``f = sum_j beta_j f_j`` with ``||beta||^2 <= C`` and ``r_eps(M) = p``, then after a
reordering ``f~ = sum_{j<=p} beta~_j f~_j`` satisfies ``||f - f~||^2 <= C (p+1) (n-p)^2 eps``. The proof
takes ``M = Q Lambda Q^T`` (eigenvalues descending), a permutation ``P`` and the blocks

    P Q = [[V11, V12], [V21, V22]]      (rows p | n-p, columns p | n-p)
    beta~ = [I_p 0] P beta - V12 V22^{-1} [0 I_{n-p}] P beta,     F~ = [I_p 0] P F,

and shows ``||f - f~||^2 = sum_{i>p} lambda_i w_i^2`` with ``w = V22^{-1} [0 I] P beta`` (the "proof
identity"), ``<= ||beta||^2 ||V22^{-T}||^2 (lambda_{p+1} + ... + lambda_n)`` (the "intermediate bound")
``<= C ||V22^{-T}||^2 (n-p) eps``, and Lemma 3.1 supplies a ``P`` with ``||V22^{-1}||^2 <= (p+1)(n-p)``.
How ``P`` is chosen: :mod:`rankscope.linalg.row_selection`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.linalg

from rankscope._checks import (
    as_matrix,
    as_vector,
    check_choice,
    check_nonnegative,
    check_symmetric,
    default_rtol,
    describe,
)
from rankscope.linalg.measures import eps_rank
from rankscope.linalg.row_selection import SELECTION_METHODS, select_rows
from rankscope.linalg.spectrum import Spectrum
from rankscope.linalg.types import MatrixLike, VectorLike

__all__ = ["Theorem32Result", "theorem32_reduction"]

_PSD_RTOL = 1e-9  # a Gram matrix's eigenvalues may dip below 0 by round-off only


def _frozen(arr: np.ndarray, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    out = np.array(arr, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def real_nonnegative(name: str, value: object) -> float:
    """``value`` as a finite float ``>= 0``; str, bytes and bools are refused (``TypeError``)."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a real number; got {describe(value)}")
    return check_nonnegative(name, value)


@dataclass(frozen=True)
class Theorem32Result:
    """The approximation of Theorem 3.2 (paper 000) and every quantity of its proof.

    Attributes:
        n, p, eps, method: sizes, ``p = r_eps(M)`` (Def. 2.5), the threshold, the selection method.
        eigenvalues: ``(n,)`` eigenvalues of ``M`` in the proof's order (by ``|lambda|`` descending;
            for a PSD matrix simply descending): the first ``p`` exceed ``eps``.
        permutation: ``(n,)`` the permutation ``P`` as indices: ``(P beta)_i = beta[permutation[i]]``;
            ``permutation = [kept, removed]``.
        kept: ``(p,)`` indices of the functions ``f~_1..f~_p`` of the approximation.
        removed: ``(n-p,)`` indices of the functions dropped (the rows of ``V22``).
        beta_tilde: ``(p,)`` coefficients: ``f~ = sum_i beta_tilde[i] f_{kept[i]}``.
        coefficient_difference: ``(n,)`` ``c`` with ``f - f~ = sum_j c_j f_j``.
        error: ``||f - f~||^2 = c^T M c`` (0.0 exactly when ``p = n``).
        error_spectral: the proof identity ``sum_{i>p} lambda_i w_i^2``, ``w = V22^{-1} [0 I] P beta``:
            equal to ``error`` in exact arithmetic and more accurate when it is tiny.
        C: ``||beta||^2`` (the smallest ``C`` the theorem allows).
        v22_inv_norm_sq: ``||V22^{-1}||_2^2`` (``0.0`` when ``p = n``: ``V22`` is empty).
        lemma_bound: ``(p+1)(n-p)``, the guarantee Lemma 3.1 gives for the best ``P``.
        tail_sum: ``|lambda_{p+1}| + ... + |lambda_n|`` (``<= (n-p) eps``).
        intermediate_bound: ``C ||V22^{-T}||^2 tail_sum``, the proof's penultimate bound.
        bound: ``C (p+1)(n-p)^2 eps``, Theorem 3.2's bound.
    """

    n: int
    p: int
    eps: float
    method: str
    eigenvalues: np.ndarray
    permutation: np.ndarray
    kept: np.ndarray
    removed: np.ndarray
    beta_tilde: np.ndarray
    coefficient_difference: np.ndarray
    error: float
    error_spectral: float
    C: float
    v22_inv_norm_sq: float
    lemma_bound: float
    tail_sum: float
    intermediate_bound: float
    bound: float

    @property
    def lemma_holds(self) -> bool:
        """Whether the chosen ``P`` meets Lemma 3.1's guarantee ``||V22^{-1}||^2 <= (p+1)(n-p)``."""
        return self.v22_inv_norm_sq <= self.lemma_bound * (1.0 + 1e-12)

    @property
    def bound_holds(self) -> bool:
        """Whether ``||f - f~||^2 <= C (p+1)(n-p)^2 eps`` (Theorem 3.2) for this ``P``."""
        return self.error <= self.bound

    @property
    def looseness(self) -> float:
        """``bound / error`` (``inf`` when the error is 0 and the bound is not, ``nan`` when both are)."""
        if self.error > 0:
            return self.bound / self.error
        return float("nan") if self.bound == 0 else float("inf")


def theorem32_reduction(
    gram: MatrixLike, beta: VectorLike, eps: float, *, method: str = "qr"
) -> Theorem32Result:
    """Approximate ``f = sum_j beta_j f_j`` by ``p = r_eps(M)`` of the ``f_j`` as in Theorem 3.2's proof.

    ``beta~ = [I_p 0] P beta - V12 V22^{-1} [0 I_{n-p}] P beta`` with ``PQ = [[V11, V12], [V21, V22]]``
    (paper 000, Theorem 3.2 and its proof); the error is computed exactly from
    the Gram matrix as the quadratic form ``||f - f~||^2 = c^T M c`` of the coefficient difference
    ``c``, beside the theorem's bound ``C (p+1)(n-p)^2 eps`` with ``C = ||beta||^2``.

    ``p = n`` (all eigenvalues above ``eps``) keeps every function (``f~ = f``, error 0, bound 0);
    ``p = 0`` keeps none (``f~ = 0``, error ``beta^T M beta``, ``V22 = Q``).

    Args:
        gram: ``(n, n)`` symmetric positive semi-definite Gram matrix ``M_ij = <f_i, f_j>`` (Def. 2.4).
        beta: ``(n,)`` coefficients of ``f``.
        eps: threshold of the eps-rank (finite, ``>= 0``; paper: 1e-6).
        method: how to choose ``P``: ``"qr"`` (default), ``"maxvol"`` or ``"exhaustive"``.

    Returns:
        A :class:`Theorem32Result`.

    Example:
        >>> m = np.diag([1.0, 1e-8])            # f_2 has squared norm 1e-8
        >>> r = theorem32_reduction(m, np.array([1.0, 1.0]), 1e-6)
        >>> r.p, r.kept.tolist(), r.error, r.error <= r.bound
        (1, [0], 1e-08, True)
    """
    m = as_matrix("gram", gram, square=True)
    check_symmetric("gram", m, rtol=default_rtol(gram))
    b = as_vector("beta", beta)
    eps = real_nonnegative("eps", eps)
    method = check_choice("method", method, SELECTION_METHODS)
    n = m.shape[0]
    if n == 0:
        raise ValueError("gram must be at least 1 x 1; got an empty matrix")
    if b.shape[0] != n:
        raise ValueError(
            f"beta must have one entry per function: gram is {n} x {n} but beta has shape {b.shape}"
        )
    sym = 0.5 * (m + m.T)
    lam, q = scipy.linalg.eigh(sym)
    scale = float(np.max(np.abs(lam)))
    if lam[0] < -_PSD_RTOL * scale:
        raise ValueError(
            f"gram must be positive semi-definite (a Gram matrix); its smallest eigenvalue {lam[0]:.3e} is "
            f"below -{_PSD_RTOL:g} x its largest |eigenvalue| {scale:.3e}"
        )
    order = np.argsort(-np.abs(lam), kind="stable")  # the proof's order; == descending for PSD
    lam, q = lam[order], q[:, order]
    p = eps_rank(Spectrum(lam, kind="eig", dtype="float64", shape=(n, n)), eps)
    k = n - p
    c_norm = float(b @ b)

    removed = select_rows(q[:, p:], method)
    kept = np.setdiff1d(np.arange(n), removed)  # ascending
    perm = np.concatenate([kept, removed]).astype(np.int64)
    if k == 0:
        beta_tilde = b.copy()
        diff = np.zeros(n)
        error = err_spec = v22 = tail = 0.0
    else:
        v22_block = q[removed, p:]
        v12 = q[kept, p:]
        w = scipy.linalg.solve(v22_block, b[removed])  # V22^{-1} [0 I] P beta
        beta_tilde = b[kept] - v12 @ w
        diff = b.copy()
        diff[kept] -= beta_tilde
        error = float(max(diff @ sym @ diff, 0.0))
        err_spec = float(np.sum(lam[p:] * w**2))
        v22 = float(scipy.linalg.svdvals(v22_block)[-1] ** -2)
        tail = float(np.sum(np.abs(lam[p:])))
    return Theorem32Result(
        n=n,
        p=p,
        eps=eps,
        method=method,
        eigenvalues=_frozen(lam),
        permutation=_frozen(perm, np.int64),
        kept=_frozen(kept, np.int64),
        removed=_frozen(removed, np.int64),
        beta_tilde=_frozen(beta_tilde),
        coefficient_difference=_frozen(diff),
        error=error,
        error_spectral=err_spec,
        C=c_norm,
        v22_inv_norm_sq=v22,
        lemma_bound=float((p + 1) * k),
        tail_sum=tail,
        intermediate_bound=c_norm * v22 * tail,
        bound=c_norm * (p + 1) * k**2 * eps,
    )
