"""Matrix-free eps-rank: count the eigenvalues of a symmetric PSD operator above a threshold.

For a large Gram/mass matrix (paper 000, Def. 2.5 eq. (2.4)) whose eps-rank
is much smaller than n, only the top of the spectrum is needed. Two algorithms, chosen by the
``method`` argument (never by a global):

* ``"subspace"`` (default): a randomized block Krylov method written here
  (:mod:`rankscope.linalg.block_krylov`): Rayleigh-Ritz on a basis extended by the residuals of
  the unconverged wanted Ritz pairs and by random vectors. Cost per step: one matmat of
  w <= k + p columns (BLAS-3), ``O(n m (w + k))`` for orthogonalisation and residuals, ``O(m^3)``
  for the small eigenproblem; memory ``2 n m`` floats. Fastest when an operator application
  costs about the same per column in a block (a dense matrix, a factored U diag(l) U^T): on the
  8000 x 8000 benchmark it needs 400 applications, in 4 blocks.
* ``"lanczos"``: ARPACK implicitly restarted Lanczos via ``scipy.sparse.linalg.eigsh(which="LA")``.
  Cost: one ``matvec`` at a time (BLAS-2) plus ``O(n ncv^2)`` per restart, ncv = 2k + 1, and
  ``count_above`` restarts it with k doubled until the k-th value is <= threshold. Often fewer
  applications than ``"subspace"`` for small counts, but each re-reads all of a dense A; a
  single-vector Krylov method can miss copies of an exactly repeated eigenvalue.

Both fall back to a dense ``eigvalsh`` (the operator applied to the identity, or the matrix itself)
when the number of wanted eigenvalues exceeds n / 2. The operator is any symmetric operator
:func:`~rankscope.linalg.psd_operator.aslinearoperator_psd` accepts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from rankscope._checks import check_choice, check_nonnegative, check_positive_int, describe
from rankscope.linalg.block_krylov import SUBSPACE_MAXITER, subspace_eigenvalues
from rankscope.linalg.psd_operator import CountedOperator, aslinearoperator_psd, dense_eigenvalues
from rankscope.linalg.types import PSDOperatorLike

__all__ = ["MatrixFreeCount", "count_above", "eps_rank_matrix_free", "top_eigenvalues"]

_METHODS = ("lanczos", "subspace")


@dataclass(frozen=True)
class MatrixFreeCount:
    """Result of :func:`count_above`.

    Attributes:
        count: number of eigenvalues strictly above ``threshold``.
        eigenvalues: the computed top eigenvalues, descending, float64 (read-only); at least
            ``count`` of them, plus the first one at or below the threshold when found.
        threshold: the threshold used.
        method: ``"subspace"``, ``"lanczos"`` or ``"dense"`` (the path that produced the count).
        n_matvecs: operator applications (a matmat of k columns counts k).
        converged: whether every wanted eigenvalue met the tolerance.
    """

    count: int
    eigenvalues: np.ndarray
    threshold: float
    method: str
    n_matvecs: int
    converged: bool

    def __post_init__(self) -> None:
        vals = np.array(self.eigenvalues, dtype=np.float64, copy=True)
        vals.flags.writeable = False
        object.__setattr__(self, "eigenvalues", vals)


def _lanczos(
    a: CountedOperator, k: int, tol: float, seed: int, maxiter: int | None
) -> tuple[np.ndarray, bool]:
    """ARPACK's implicitly restarted Lanczos: the k largest eigenvalues, descending, and convergence."""
    n = a.shape[0]
    v0 = np.random.default_rng(seed).standard_normal(n)
    try:
        vals = eigsh(a, k=k, which="LA", tol=tol, v0=v0, maxiter=maxiter, return_eigenvectors=False)
        converged = True
    except ArpackNoConvergence as exc:
        vals, converged = np.asarray(exc.eigenvalues).real, False
    return np.sort(np.asarray(vals, dtype=np.float64))[::-1], converged


def _check_common(method: str, tol: float, seed: int, maxiter: int | None) -> tuple[str, float, int]:
    method = check_choice("method", method, _METHODS)
    tol = check_nonnegative("tol", tol)
    if tol <= 0:
        raise ValueError(f"tol must be > 0; got {tol!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer; got {describe(seed)}")
    if maxiter is not None:
        check_positive_int("maxiter", maxiter)
    return method, tol, int(seed)


def top_eigenvalues(
    op: PSDOperatorLike,
    k: int,
    *,
    method: Literal["lanczos", "subspace"] = "subspace",
    tol: float = 1e-12,
    seed: int = 0,
    n: int | None = None,
    maxiter: int | None = None,
) -> np.ndarray:
    """The k largest eigenvalues of a symmetric operator, descending, without forming it.

    Finds ``lambda_1 >= ... >= lambda_k`` of the Gram/mass operator M (papers/000_1f8258be9be41576
    .txt, Def. 2.5 eq. (2.4) counts those above eps) by Rayleigh-Ritz: each returned value has a
    Ritz residual ``||M x - theta x|| <= tol * |theta_max|`` (``"subspace"``) or ARPACK's relative
    accuracy ``tol`` (``"lanczos"``). Dense ``eigvalsh`` when k > n / 2.

    Args:
        op: symmetric (n, n) operator, see :func:`aslinearoperator_psd`.
        k: number of eigenvalues, 1 <= k <= n.
        method: ``"subspace"`` (block Krylov, BLAS-3) or ``"lanczos"`` (ARPACK), see the module doc.
        tol: convergence tolerance (> 0); keep it above the relative accuracy of the operator
            (about 1e-7 for a float32 matvec), else the iteration stagnates and stops unconverged.
        seed: seed of the random start.
        n: dimension, required when ``op`` is a callable. maxiter: iteration cap (None: default).

    Raises:
        RuntimeError: the method did not converge within ``maxiter``.

    Example:
        >>> top_eigenvalues(np.diag([3.0, 1.0, 2.0, 0.0]), 2).round(12).tolist()
        [3.0, 2.0]
    """
    a = CountedOperator(aslinearoperator_psd(op, n))
    dim = a.shape[0]
    k = check_positive_int("k", k)
    if k > dim:
        raise ValueError(f"k must be <= n = {dim}; got k = {k}")
    meth, tol, seed = _check_common(method, tol, seed, maxiter)
    if k > dim // 2:
        return dense_eigenvalues(a)[:k]
    vals: np.ndarray | None
    if meth == "lanczos":
        vals, converged = _lanczos(a, k, tol, seed, maxiter)
    else:
        vals, converged = subspace_eigenvalues(a, k, tol, seed, maxiter or SUBSPACE_MAXITER)
    if not converged or vals is None or vals.size < k:
        raise RuntimeError(
            f"top_eigenvalues(method={meth!r}, k={k}, tol={tol:g}) did not converge after "
            f"{a.count} operator applications; raise maxiter or tol"
        )
    return vals[:k].copy()


def count_above(
    op: PSDOperatorLike,
    threshold: float,
    *,
    method: Literal["lanczos", "subspace"] = "subspace",
    seed: int = 0,
    n: int | None = None,
    k0: int = 32,
    tol: float = 1e-12,
    maxiter: int | None = None,
) -> MatrixFreeCount:
    """Count the eigenvalues of a symmetric operator strictly above ``threshold``, matrix-free.

    ``count = |{ lambda(M) > threshold }|`` (paper 000, Def. 2.5
    eq. (2.4) with threshold = eps). The number k of computed top eigenvalues grows from ``k0``
    until the smallest converged one is <= threshold: ``"lanczos"`` restarts ARPACK with k doubled,
    ``"subspace"`` keeps its basis and widens its block to (#Ritz values > threshold) + 1 (Ritz
    values are lower bounds, so this never overshoots the true count). When more than n / 2
    eigenvalues would be needed, the count is taken from a dense ``eigvalsh`` (method ``"dense"``).
    Exact when no eigenvalue lies within ``tol * lambda_max`` of the threshold (the Ritz residual
    bound): choose ``tol`` well below ``|threshold - lambda| / lambda_max`` for the nearest lambda.
    ``"lanczos"`` (single start vector) can undercount exactly repeated eigenvalues (e.g. the
    Gram matrix of orthonormal features); ``"subspace"`` widens its block past any cluster.

    Args:
        op: symmetric (n, n) operator, see :func:`aslinearoperator_psd`.
        threshold: finite real threshold.
        method, seed, n, tol, maxiter: as in :func:`top_eigenvalues`.
        k0: initial number of eigenvalues (>= 1).

    Example:
        >>> count_above(np.diag([1.0, 1e-3, 1e-7, 0.0]), 1e-6).count
        2
    """
    a = CountedOperator(aslinearoperator_psd(op, n))
    dim = a.shape[0]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating, np.integer)):
        raise TypeError(f"threshold must be a finite real number; got {describe(threshold)}")
    t = float(threshold)
    if not math.isfinite(t):
        raise ValueError(f"threshold must be a finite real number; got {threshold!r}")
    k0 = check_positive_int("k0", k0)
    meth, tol, seed = _check_common(method, tol, seed, maxiter)
    k = min(k0, dim)
    vals: np.ndarray | None = None
    converged, used = True, meth
    if k <= dim // 2:
        if meth == "lanczos":
            while True:
                vals, converged = _lanczos(a, k, tol, seed, maxiter)
                if not converged or vals.size == 0 or vals[-1] <= t or 2 * k > dim // 2:
                    break
                k *= 2
            if converged and vals.size and vals[-1] > t:
                vals = None  # more than n/2 needed: dense
        else:
            vals, converged = subspace_eigenvalues(a, k, tol, seed, maxiter or SUBSPACE_MAXITER, threshold=t)
    if vals is None:
        vals, converged, used = dense_eigenvalues(a), True, "dense"
    count = int(np.count_nonzero(vals > t))
    return MatrixFreeCount(count, vals[: count + 1], t, used, a.count, converged)


def eps_rank_matrix_free(op: PSDOperatorLike, eps: float = 1e-6, **kw: Any) -> int:
    """The eps-rank ``r_eps(M) = |{ lambda(M) > eps }|`` of a PSD operator, matrix-free.

    paper 000, Def. 2.5 eq. (2.4) (``|lambda|`` before (4.1); for PSD M the
    two agree): ``count_above(op, eps, **kw).count``. Use ``measures.eps_rank`` for indefinite M.

    Args:
        op: symmetric PSD (n, n) operator, see :func:`aslinearoperator_psd`.
        eps: absolute threshold, finite and >= 0. kw: passed to :func:`count_above`.

    Example:
        >>> eps_rank_matrix_free(np.diag([1.0, 1e-3, 1e-7, 0.0]), eps=1e-6)
        2
    """
    eps = check_nonnegative("eps", eps)
    return count_above(op, eps, **kw).count
