"""Theorems 3.2 and 3.3 of paper 000 made computable: reduce n functions to p = eps-rank of them.

Paper: papers/000_1f8258be9be41576.txt, Section 3 (Lemma 3.1, Theorem 3.2 and its proof,
Theorem 3.3 eq. (3.3)-(3.4), Remarks 3.4-3.6).

**Theorem 3.2.** If ``f = sum_j beta_j f_j`` with ``||beta||^2 <= C`` and ``r_eps(M) = p``, then after a
reordering ``f~ = sum_{j<=p} beta~_j f~_j`` satisfies ``||f - f~||^2 <= C (p+1) (n-p)^2 eps``. The proof
takes ``M = Q Lambda Q^T`` (eigenvalues descending), a permutation ``P`` and the blocks

    P Q = [[V11, V12], [V21, V22]]      (rows p | n-p, columns p | n-p)
    beta~ = [I_p 0] P beta - V12 V22^{-1} [0 I_{n-p}] P beta,     F~ = [I_p 0] P F,

and shows ``||f - f~||^2 = sum_{i>p} lambda_i w_i^2`` with ``w = V22^{-1} [0 I] P beta`` (the "proof
identity"), ``<= ||beta||^2 ||V22^{-T}||^2 (lambda_{p+1} + ... + lambda_n)`` (the "intermediate bound")
``<= C ||V22^{-T}||^2 (n-p) eps``, and Lemma 3.1 supplies a ``P`` with ``||V22^{-1}||^2 <= (p+1)(n-p)``.

**Choosing P.** ``V22`` is the ``(n-p) x (n-p)`` block of the trailing eigenvectors ``Q[:, p:]`` in the
rows of the *removed* functions, so we choose the ``n-p`` most independent rows of ``Q[:, p:]``:

- ``"qr"`` (default, cheapest, ``O(n^3)``): column-pivoted QR of ``Q[:, p:]^T`` (Businger-Golub); its
  first ``n-p`` pivots are removed, the other ``p`` functions kept. Greedy pivoting meets Lemma 3.1's
  bound on every random ``Q`` we tried, but it is *not guaranteed* to (Kahan-type matrices defeat it),
  so the result reports ``lemma_holds``.
- ``"maxvol"``: the ``"qr"`` choice improved by single-row swaps that increase ``|det V22|`` until
  ``B = Q[:, p:] V22^{-1}`` has all ``|B_ij| <= 1`` (a dominant submatrix, Goreinov et al. 2010). Since
  ``Q[:, p:]`` has orthonormal columns, ``||V22^{-1}||^2 = ||B||_2^2 = 1 + ||V12 V22^{-1}||_2^2
  <= 1 + p(n-p) <= (p+1)(n-p)``: Lemma 3.1's bound is then *guaranteed* (a few more ``O(n^3)`` steps).
- ``"exhaustive"``: the subset of largest ``sigma_min(V22)`` over all ``binom(n, p)`` subsets: the
  quantity Lemma 3.1 bounds; a brute-force reference for small ``n`` only.

**Theorem 3.3.** With the stability condition (3.3) ``||G^{-1}u - G^{-1}v|| <= C_S ||u - v||``,
``sqrt(L(u_n)) >= (dist(u*, F_p) - sqrt(C (p+1)(n-p)^2 eps)) / C_S`` (eq. 3.4): :func:`loss_lower_bound`;
``dist(u*, F_p)`` is estimated by :func:`dist_to_span`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
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
from rankscope.linalg.spectrum import Spectrum

__all__ = [
    "SELECTION_METHODS",
    "LossLowerBound",
    "Theorem32Result",
    "dist_to_span",
    "loss_lower_bound",
    "select_rows",
    "theorem32_reduction",
]

SELECTION_METHODS: tuple[str, ...] = ("qr", "maxvol", "exhaustive")
"""Ways to choose the removed functions (the rows of ``V22``); see the module docstring."""

_EXHAUSTIVE_LIMIT = 200_000  # subsets
_PSD_RTOL = 1e-9  # a Gram matrix's eigenvalues may dip below 0 by round-off only


def _frozen(arr: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    out = np.array(arr, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def _real(name: str, value: Any) -> float:
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a real number; got {describe(value)}")
    return check_nonnegative(name, value)


def _count(name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer; got {describe(value)}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {value}")
    return int(value)


# ---------------------------------------------------------------------------------------------- P


def select_rows(basis: Any, method: str = "qr") -> np.ndarray:
    """Indices of ``k`` rows of an ``(n, k)`` orthonormal basis whose ``k x k`` block is well conditioned.

    This is the choice of the permutation ``P`` in the proof of Theorem 3.2 (paper 000): with
    ``basis = Q[:, p:]`` the returned rows are the removed functions and ``V22 = basis[rows]``.
    Lemma 3.1 (applied to ``basis`` with ``k = n - p`` columns) says some ``k x k`` block has
    ``sigma_min >= 1 / sqrt(k p + min(k, p))``, i.e. ``||V22^{-1}||^2 <= (p+1)(n-p)``.

    Args:
        basis: ``(n, k)`` float matrix, ``k <= n``, (nearly) orthonormal columns.
        method: ``"qr"``, ``"maxvol"`` or ``"exhaustive"`` (see the module docstring).

    Returns:
        ``(k,)`` int64 array of distinct row indices, sorted ascending.

    Example:
        >>> select_rows(np.array([[0.6], [0.8]])).tolist()
        [1]
    """
    a = as_matrix("basis", basis)
    method = check_choice("method", method, SELECTION_METHODS)
    n, k = a.shape
    if k > n:
        raise ValueError(f"basis must have at most as many columns as rows; got shape {a.shape}")
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    if method == "exhaustive":
        return _exhaustive(a)
    rows = _pivoted_qr(a)
    if method == "maxvol":
        rows = _maxvol(a, rows)
    return np.sort(rows).astype(np.int64)


def _pivoted_qr(a: np.ndarray) -> np.ndarray:
    """First ``k`` pivots of the column-pivoted QR of ``a^T``: the most independent rows of ``a``."""
    k = a.shape[1]
    _, piv = scipy.linalg.qr(a.T, mode="r", pivoting=True)
    return np.asarray(piv[:k], dtype=np.int64)


def _maxvol(a: np.ndarray, rows: np.ndarray, *, tol: float = 1e-12) -> np.ndarray:
    """Swap rows into ``rows`` while some ``|(a a[rows]^{-1})_ij| > 1 + tol`` (each swap grows |det|)."""
    n = a.shape[0]
    rows = rows.copy()
    for _ in range(100 * n):
        b = scipy.linalg.solve(a[rows].T, a.T).T  # b = a @ inv(a[rows]), shape (n, k)
        i, j = np.unravel_index(int(np.argmax(np.abs(b))), b.shape)
        if abs(b[i, j]) <= 1.0 + tol:
            break
        rows[j] = i  # |det| is multiplied by |b[i, j]| > 1
    return rows


def _exhaustive(a: np.ndarray) -> np.ndarray:
    n, k = a.shape
    total = math.comb(n, k)
    if total > _EXHAUSTIVE_LIMIT:
        raise ValueError(
            f"method='exhaustive' would try binom({n}, {k}) = {total} subsets (limit {_EXHAUSTIVE_LIMIT}); "
            "use method='qr' or 'maxvol' for this size"
        )
    best, best_rows = -1.0, None
    for rows in itertools.combinations(range(n), k):
        smin = float(scipy.linalg.svdvals(a[list(rows)])[-1])
        if smin > best:
            best, best_rows = smin, rows
    return np.asarray(best_rows, dtype=np.int64)


# ------------------------------------------------------------------------------------ Theorem 3.2


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


def theorem32_reduction(gram: Any, beta: Any, eps: float, *, method: str = "qr") -> Theorem32Result:
    """Approximate ``f = sum_j beta_j f_j`` by ``p = r_eps(M)`` of the ``f_j`` as in Theorem 3.2's proof.

    ``beta~ = [I_p 0] P beta - V12 V22^{-1} [0 I_{n-p}] P beta`` with ``PQ = [[V11, V12], [V21, V22]]``
    (papers/000_1f8258be9be41576.txt, Theorem 3.2 and its proof); the error is computed exactly from
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
    eps = _real("eps", eps)
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


# ------------------------------------------------------------------------------------ Theorem 3.3


@dataclass(frozen=True)
class LossLowerBound:
    """The right-hand side of eq. (3.4): ``(dist(u*, F_p) - slack) / C_S``.

    Attributes:
        value: the lower bound on ``sqrt(L(u_n))``; ``<= 0`` means the bound is vacuous (it says
            nothing beyond ``sqrt(L) >= 0``).
        dist: the ``dist(u*, F_p)`` used.
        slack: ``sqrt(C (p+1)(n-p)^2 eps)``, Theorem 3.2's bound on ``||u_p - u_n||``.
        C_S: the stability constant of (3.3).
    """

    value: float
    dist: float
    slack: float
    C_S: float

    @property
    def vacuous(self) -> bool:
        """True when ``value <= 0``: the slack eats the distance and the bound says nothing."""
        return self.value <= 0.0


def loss_lower_bound(dist_p: float, C: float, p: int, n: int, eps: float, C_S: float = 1.0) -> LossLowerBound:
    """Lower bound (3.4) of Theorem 3.3 on the square root of the loss.

    ``sqrt(L(u_n)) >= (dist(u*, F_p) - sqrt(C (p+1)(n-p)^2 eps)) / C_S``
    (papers/000_1f8258be9be41576.txt eq. (3.4); for function fitting ``G = I`` and ``C_S = 1``,
    Remark 3.4). The value may be negative: then the bound is vacuous (``.vacuous``).

    Args:
        dist_p: ``dist(u*, F_p) >= 0`` (e.g. from :func:`dist_to_span`; read its note on validity).
        C: ``>= ||beta||^2`` of the network's output weights.
        p: the eps-rank ``r_eps(M_{u_n})``, ``0 <= p <= n``.
        n: width of the last hidden layer (number of neuron functions), ``>= 1``.
        eps: the eps-rank threshold.
        C_S: stability constant of (3.3), ``> 0``.

    Example:
        >>> lb = loss_lower_bound(1.0, C=4.0, p=1, n=3, eps=1e-4)   # slack sqrt(4*2*4e-4) = 0.0566
        >>> round(lb.value, 4), lb.vacuous
        (0.9434, False)
    """
    dist_p = _real("dist_p", dist_p)
    C = _real("C", C)
    eps = _real("eps", eps)
    p = _count("p", p)
    n = _count("n", n)
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    if p > n:
        raise ValueError(f"p must be <= n (the eps-rank of n functions); got p={p}, n={n}")
    C_S = _real("C_S", C_S)
    if C_S == 0:
        raise ValueError(f"C_S must be > 0 (stability constant of eq. 3.3); got {C_S}")
    slack = math.sqrt(C * (p + 1) * (n - p) ** 2 * eps)
    return LossLowerBound(value=(dist_p - slack) / C_S, dist=dist_p, slack=slack, C_S=C_S)


def dist_to_span(features: Any, target: Any, weights: Any, selected: Any = None) -> float:
    """Weighted least-squares distance from ``target`` to the span of the ``selected`` functions.

    ``d = min_a ( sum_k w_k (u*(x_k) - sum_{j in S} a_j phi_j(x_k))^2 )^{1/2}``, the quadrature
    (``w``) version of ``dist(u*, span{phi_j : j in S})``. Paper 000 eq. (3.4) needs
    ``dist(u*, F_p)``; the issue estimates it by least squares over the ``p`` selected neurons.

    Validity for eq. (3.4). ``F_p`` (eq. 3.1) lets the inner parameters of the ``p`` neurons vary, so
    the span of the ``p`` neurons at the *current* parameters is a subset of ``F_p`` and
    ``d >= dist(u*, F_p)``: an over-estimate, which would in general make (3.4) too optimistic. It is
    nonetheless a valid lower bound here when ``S`` is ``Theorem32Result.kept``: the proof of
    Theorem 3.3 only uses ``dist(u*, .) <= ||u* - u_p||`` for the one ``u_p = f~`` of Theorem 3.2, and
    ``f~`` lies in ``span{phi_j : j in kept}``. So ``d - ||u_p - u_n|| <= ||u_n - u*||`` holds for this
    ``d`` (with every norm taken by the same quadrature, which is a seminorm, so the triangle
    inequality holds exactly), and ``(d - sqrt(C (p+1)(n-p)^2 eps)) / C_S`` is a valid lower bound
    whenever ``||u_p - u_n||^2 <= C (p+1)(n-p)^2 eps``, i.e. whenever the chosen ``P`` meets
    Lemma 3.1 (``Theorem32Result.lemma_holds``). For another ``S`` it is not guaranteed.

    Args:
        features: ``(m, n)`` values ``phi_j(x_k)`` (numpy or torch).
        target: ``(m,)`` values ``u*(x_k)``.
        weights: ``(m,)`` non-negative quadrature weights, or a ``Quadrature`` (its ``.weights``).
        selected: indices of the columns spanning the subspace; ``None`` for all; empty for ``{0}``.

    Returns:
        The distance ``d >= 0``.

    Example:
        >>> x = np.linspace(-1, 1, 5)
        >>> dist_to_span(np.stack([np.ones(5), x], 1), x + 2, np.full(5, 0.4), [0])  # ||x||_w
        1.0
    """
    d = as_matrix("features", features)
    t = as_vector("target", target)
    w = as_vector("weights", getattr(weights, "weights", weights))
    m, n = d.shape
    if t.shape[0] != m or w.shape[0] != m:
        raise ValueError(
            f"features has {m} rows (points) but target has shape {t.shape} and weights {w.shape}; "
            "expected one value and one weight per point"
        )
    if np.any(w < 0):
        raise ValueError(f"weights must be non-negative; got min {w.min():.3e}")
    if selected is None:
        idx = np.arange(n)
    else:
        idx = np.asarray(selected)
        if idx.size == 0:
            idx = np.zeros(0, dtype=np.int64)
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"selected must be a 1-D sequence of column indices; got {describe(selected)}")
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise ValueError(f"selected indices must lie in [0, {n}) for {n} functions; got {idx.tolist()}")
    sw = np.sqrt(w)
    rhs = sw * t
    if idx.size == 0:
        return float(np.linalg.norm(rhs))
    a = sw[:, None] * d[:, idx]
    coef, *_ = scipy.linalg.lstsq(a, rhs, lapack_driver="gelsd")
    return float(np.linalg.norm(rhs - a @ coef))
