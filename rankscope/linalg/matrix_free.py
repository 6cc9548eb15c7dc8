"""Matrix-free eps-rank: count the eigenvalues of a symmetric PSD operator above a threshold.

For a large Gram/mass matrix (papers/000_1f8258be9be41576.txt, Def. 2.5 eq. (2.4)) whose eps-rank
is much smaller than n, only the top of the spectrum is needed. Two algorithms, chosen by the
``method`` argument (never by a global):

* ``"subspace"`` (default): a randomized block Krylov method written here. The basis V (n x m)
  and its image AV are kept explicitly; each step does Rayleigh-Ritz on V^T A V, tests the Ritz
  residuals ``||A x - theta x|| <= tol * |theta_max|``, and extends V by the orthonormalised
  residuals of the unconverged wanted Ritz pairs (one ``matmat`` of that many columns, BLAS-3).
  Cost per step: one matmat of w <= k + p columns, ``O(n m w)`` for orthogonalisation and Ritz
  vectors, ``O(m^3)`` for the small eigenproblem; memory ``2 n m`` floats, thick restart when
  m > 4 (k + p). Fastest when an operator application costs about the same per column in a block
  (a dense matrix, a factored U diag(l) U^T).
* ``"lanczos"``: ARPACK implicitly restarted Lanczos via ``scipy.sparse.linalg.eigsh(which="LA")``.
  Cost: one ``matvec`` at a time (BLAS-2) plus ``O(n ncv^2)`` per restart, ncv = 2k + 1. Best when
  only a matvec exists and it is cheap; on a dense matrix every matvec re-reads all of A.

Both fall back to a dense ``eigvalsh`` (the operator applied to the identity, or the matrix itself)
when the number of wanted eigenvalues exceeds n / 2.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, aslinearoperator, eigsh

from rankscope._checks import as_matrix, check_choice, check_nonnegative, check_positive_int, describe

__all__ = [
    "MatrixFreeCount",
    "aslinearoperator_psd",
    "count_above",
    "eps_rank_matrix_free",
    "top_eigenvalues",
]

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


class _Counted(LinearOperator):
    """Float64 view of a square operator that counts its applications (one per column)."""

    def __init__(self, inner: LinearOperator) -> None:
        super().__init__(dtype=np.dtype(np.float64), shape=inner.shape)
        self.inner = inner
        self.count = 0

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        self.count += 1
        return np.asarray(self.inner.matvec(x), dtype=np.float64).reshape(-1)

    def _matmat(self, x: np.ndarray) -> np.ndarray:
        self.count += x.shape[1]
        return np.asarray(self.inner.matmat(x), dtype=np.float64).reshape(x.shape)

    def _adjoint(self) -> LinearOperator:
        return self


def _to_numpy_vector(y: Any, n: int) -> np.ndarray:
    if hasattr(y, "detach"):  # torch tensor
        y = y.detach().cpu().double().numpy()
    arr = np.asarray(y, dtype=np.float64)
    if arr.size != n:
        raise ValueError(f"op(x) must return a vector of length n = {n}; got {describe(arr)}")
    return arr.reshape(n)


def _check_symmetric_blockwise(name: str, mat: np.ndarray, rtol: float = 1e-8) -> None:
    """Same test as ``_checks.check_symmetric`` without an n x n temporary."""
    n = mat.shape[0]
    scale = float(np.max(np.abs(mat))) if mat.size else 0.0
    asym = 0.0
    for i in range(0, n, 512):
        asym = max(asym, float(np.max(np.abs(mat[i : i + 512, :] - mat[:, i : i + 512].T))))
    if asym > rtol * max(scale, np.finfo(np.float64).tiny):
        raise ValueError(
            f"{name} must be symmetric; max |M - M^T| = {asym:.3e} exceeds {rtol:g} x max |M| "
            f"= {rtol * scale:.3e}. Symmetrise it with (M + M.T) / 2 if this is round-off."
        )


def aslinearoperator_psd(op: Any, n: int | None = None) -> LinearOperator:
    """Wrap a symmetric PSD operator as a float64 ``scipy.sparse.linalg.LinearOperator``.

    The operator is the Gram/mass matrix ``M`` of papers/000_1f8258be9be41576.txt (Def. 2.4,
    Def. 2.5 eq. (2.4)), given densely or as ``x -> M x``. A dense input is checked to be
    finite, square and symmetric (``max|M - M^T| <= 1e-8 max|M|``); an operator or callable is
    trusted to be symmetric (it cannot be checked without forming it). Positive semidefiniteness
    is never checked: the counts are of eigenvalues above a threshold by algebraic value.

    Args:
        op: (n, n) numpy array or torch tensor, a square ``LinearOperator``, or a callable
            mapping a float64 vector of shape (n,) to a vector of shape (n,).
        n: the dimension; required for a callable, checked against the shape otherwise.

    Example:
        >>> aslinearoperator_psd(lambda x: 2.0 * x, n=3).matvec(np.ones(3)).tolist()
        [2.0, 2.0, 2.0]
    """
    if n is not None:
        n = check_positive_int("n", n)
    if isinstance(op, LinearOperator):
        shape = tuple(op.shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"op must be a square operator; got shape {shape}")
        if shape[0] < 1:
            raise ValueError(f"op must have dimension n >= 1; got shape {shape}")
        if n is not None and n != shape[0]:
            raise ValueError(f"n = {n} does not match the shape {shape} of op")
        return op
    if isinstance(op, np.ndarray) or hasattr(op, "shape"):
        mat = as_matrix("op", op, square=True)
        if mat.shape[0] < 1:
            raise ValueError(f"op must have dimension n >= 1; got shape {mat.shape}")
        if n is not None and n != mat.shape[0]:
            raise ValueError(f"n = {n} does not match the shape {mat.shape} of op")
        _check_symmetric_blockwise("op", mat)
        return aslinearoperator(mat)
    if callable(op):
        if n is None:
            raise TypeError("n must be given (a positive integer) when op is a callable matvec")
        fn: Callable[[np.ndarray], Any] = op
        dim = n

        def matvec(x: np.ndarray) -> np.ndarray:
            return _to_numpy_vector(fn(np.asarray(x, dtype=np.float64).reshape(dim)), dim)

        return LinearOperator(shape=(dim, dim), matvec=matvec, rmatvec=matvec, dtype=np.float64)
    raise TypeError(
        "op must be a square ndarray/tensor, a LinearOperator or a callable matvec; "
        f"got {describe(op)}"
    )


# ----------------------------------------------------------------------------------------------
# kernels: each returns (eigenvalues descending, converged)


def _dense_eigs(a: _Counted) -> np.ndarray:
    """All eigenvalues, descending, from the matrix itself or from the operator applied to I."""
    inner = a.inner
    mat = getattr(inner, "A", None)
    if isinstance(mat, np.ndarray) and mat.shape == a.shape:
        dense = np.asarray(mat, dtype=np.float64)
    else:
        n = a.shape[0]
        dense = np.empty((n, n))
        for j in range(0, n, 256):
            cols = np.eye(n, min(256, n - j), k=-j)
            dense[:, j : j + cols.shape[1]] = a.matmat(cols)
    sym = 0.5 * (dense + dense.T)
    return scipy.linalg.eigvalsh(sym, check_finite=False)[::-1].copy()


def _lanczos(a: _Counted, k: int, tol: float, seed: int, maxiter: int | None):
    n = a.shape[0]
    v0 = np.random.default_rng(seed).standard_normal(n)
    try:
        vals = eigsh(a, k=k, which="LA", tol=tol, v0=v0, maxiter=maxiter, return_eigenvectors=False)
        converged = True
    except ArpackNoConvergence as exc:
        vals, converged = np.asarray(exc.eigenvalues).real, False
    return np.sort(np.asarray(vals, dtype=np.float64))[::-1], converged


def _orth_against(w: np.ndarray, v: np.ndarray, drop: float = 1e-6) -> np.ndarray:
    """Orthonormal basis of the part of span(w) orthogonal to span(v), all BLAS-3.

    Columns of w are normalised and projected out of v (classical Gram-Schmidt); directions of the
    remainder with singular value <= ``drop`` are discarded (eigen-decomposition of its Gram
    matrix, accurate to ~1e-8 in singular value, far below ``drop``); the kept part is projected
    once more and orthonormalised by Cholesky QR (its condition number is then ~1).
    """
    norms = np.linalg.norm(w, axis=0)
    keep = norms > 0
    w = w[:, keep] / norms[keep]
    if w.shape[1] == 0 or v.shape[1] == 0 and w.shape[1] == 0:
        return w
    if v.shape[1]:
        w -= v @ (v.T @ w)
    lam, z = scipy.linalg.eigh(w.T @ w, check_finite=False)
    sel = lam > drop**2
    if not np.any(sel):
        return w[:, :0]
    u = w @ (z[:, sel] / np.sqrt(lam[sel]))
    if v.shape[1]:
        u -= v @ (v.T @ u)
    try:
        chol = scipy.linalg.cholesky(u.T @ u, lower=False, check_finite=False)
    except np.linalg.LinAlgError:  # pragma: no cover - u is orthonormal to ~1e-6 here
        q, _ = np.linalg.qr(u)
        return q
    return scipy.linalg.solve_triangular(chol, u.T, trans="T", lower=False, check_finite=False).T


def _guard(k: int) -> int:
    return max(8, k // 4)


def _subspace(
    a: _Counted,
    k: int,
    tol: float,
    seed: int,
    maxiter: int,
    threshold: float | None = None,
):
    """Block Krylov / Rayleigh-Ritz for the top eigenvalues (see the module docstring).

    With ``threshold``, the number of wanted pairs grows to (#Ritz values > threshold) + 1.
    Returns (values descending, converged), or (None, False) when more than n/2 are wanted.
    """
    n = a.shape[0]
    rng = np.random.default_rng(seed)
    nwant = k
    m = min(n, k + _guard(k))
    cap = min(n, 4 * m)
    vb, avb = np.empty((n, cap), order="F"), np.empty((n, cap), order="F")
    vb[:, :m] = _orth_against(rng.standard_normal((n, m)), vb[:, :0])
    avb[:, :m] = a.matmat(vb[:, :m])
    h = vb[:, :m].T @ avb[:, :m]
    theta = np.zeros(0)
    for _ in range(maxiter):
        v, av = vb[:, :m], avb[:, :m]
        theta, s = scipy.linalg.eigh(0.5 * (h + h.T), check_finite=False)
        theta, s = theta[::-1], s[:, ::-1]
        if threshold is not None:
            nwant = max(k, int(np.count_nonzero(theta > threshold)) + 1)
            if nwant > n // 2:
                return None, False
        if m >= n:  # the basis is the whole space: Rayleigh-Ritz is exact
            return theta, True
        nguard = min(m, nwant + _guard(nwant))
        x, ax = v @ s[:, :nguard], av @ s[:, :nguard]
        r = ax - x * theta[:nguard]
        res = np.linalg.norm(r, axis=0)
        scale = max(abs(theta[0]), abs(theta[-1]), np.finfo(np.float64).tiny)
        ok = res <= tol * scale
        if nwant <= m and bool(np.all(ok[:nwant])):
            return theta, True
        want_cap = min(n, 4 * (nwant + _guard(nwant)))
        target = min(n - m, nwant + _guard(nwant) - int(np.count_nonzero(ok)))
        if m + target > want_cap:  # thick restart on the wanted Ritz vectors
            m = nguard
            vb[:, :m], avb[:, :m], h = x, ax, np.diag(theta[:nguard])
            target = min(n - m, target)
        w = _orth_against(r[:, ~ok], vb[:, :m])[:, :target]
        if w.shape[1] < target:  # deflation or a growing wanted set: add random directions
            vw = np.hstack([vb[:, :m], w])
            extra = _orth_against(rng.standard_normal((n, target - w.shape[1])), vw)
            w = np.hstack([w, extra])
        nw = w.shape[1]
        if nw == 0:
            return theta, False
        if m + nw > vb.shape[1]:  # grow the buffers
            new_cap = min(n, max(want_cap, m + nw))
            vb2, avb2 = np.empty((n, new_cap), order="F"), np.empty((n, new_cap), order="F")
            vb2[:, :m], avb2[:, :m] = vb[:, :m], avb[:, :m]
            vb, avb = vb2, avb2
        vb[:, m : m + nw] = w
        avb[:, m : m + nw] = a.matmat(vb[:, m : m + nw])
        aw = avb[:, m : m + nw]
        h12 = vb[:, :m].T @ aw
        h = np.block([[h, h12], [h12.T, w.T @ aw]])
        m += nw
    return theta, False


# ----------------------------------------------------------------------------------------------
# public API


def _check_common(method: Any, tol: Any, seed: Any, maxiter: Any) -> tuple[str, float, int]:
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
    op: Any,
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
        tol: convergence tolerance (> 0). seed: seed of the random start.
        n: dimension, required when ``op`` is a callable. maxiter: iteration cap (None: default).

    Raises:
        RuntimeError: the method did not converge within ``maxiter``.

    Example:
        >>> top_eigenvalues(np.diag([3.0, 1.0, 2.0, 0.0]), 2).round(12).tolist()
        [3.0, 2.0]
    """
    a = _Counted(aslinearoperator_psd(op, n))
    dim = a.shape[0]
    k = check_positive_int("k", k)
    if k > dim:
        raise ValueError(f"k must be <= n = {dim}; got k = {k}")
    method, tol, seed = _check_common(method, tol, seed, maxiter)
    if k > dim // 2:
        return _dense_eigs(a)[:k]
    if method == "lanczos":
        vals, converged = _lanczos(a, k, tol, seed, maxiter)
    else:
        vals, converged = _subspace(a, k, tol, seed, maxiter or 300)
    if not converged or vals is None or vals.size < k:
        raise RuntimeError(
            f"top_eigenvalues(method={method!r}, k={k}, tol={tol:g}) did not converge after "
            f"{a.count} operator applications; raise maxiter or tol"
        )
    return vals[:k].copy()


def count_above(
    op: Any,
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

    ``count = |{ lambda(M) > threshold }|`` (papers/000_1f8258be9be41576.txt, Def. 2.5
    eq. (2.4) with threshold = eps). The number k of computed top eigenvalues grows from ``k0``
    until the smallest converged one is <= threshold: ``"lanczos"`` restarts ARPACK with k doubled,
    ``"subspace"`` keeps its basis and widens its block to (#Ritz values > threshold) + 1 (Ritz
    values are lower bounds, so this never overshoots the true count). When more than n / 2
    eigenvalues would be needed, the count is taken from a dense ``eigvalsh`` (method ``"dense"``).
    Exact when no eigenvalue lies within the tolerance of the threshold.

    Args:
        op: symmetric (n, n) operator, see :func:`aslinearoperator_psd`.
        threshold: finite real threshold.
        method, seed, n, tol, maxiter: as in :func:`top_eigenvalues`.
        k0: initial number of eigenvalues (>= 1).

    Example:
        >>> count_above(np.diag([1.0, 1e-3, 1e-7, 0.0]), 1e-6).count
        2
    """
    a = _Counted(aslinearoperator_psd(op, n))
    dim = a.shape[0]
    t = float(threshold) if isinstance(threshold, (int, float, np.floating, np.integer)) else None
    if t is None or isinstance(threshold, bool) or not math.isfinite(t):
        raise TypeError(f"threshold must be a finite real number; got {describe(threshold)}")
    k0 = check_positive_int("k0", k0)
    method, tol, seed = _check_common(method, tol, seed, maxiter)
    k = min(k0, dim)
    vals: np.ndarray | None = None
    converged, used = True, method
    if k <= dim // 2:
        if method == "lanczos":
            while True:
                vals, converged = _lanczos(a, k, tol, seed, maxiter)
                if not converged or vals.size == 0 or vals[-1] <= t or 2 * k > dim // 2:
                    break
                k *= 2
            if converged and vals.size and vals[-1] > t:
                vals = None  # more than n/2 needed: dense
        else:
            vals, converged = _subspace(a, k, tol, seed, maxiter or 300, threshold=t)
            if vals is not None:
                count = int(np.count_nonzero(vals > t))
                vals = vals[: count + 1]
    if vals is None:
        vals, converged, used = _dense_eigs(a), True, "dense"
    count = int(np.count_nonzero(vals > t))
    return MatrixFreeCount(count, vals[: count + 1], t, used, a.count, converged)


def eps_rank_matrix_free(op: Any, eps: float = 1e-6, **kw: Any) -> int:
    """The eps-rank ``r_eps(M) = |{ lambda(M) > eps }|`` of a PSD operator, matrix-free.

    papers/000_1f8258be9be41576.txt, Def. 2.5 eq. (2.4) (``|lambda|`` before (4.1); for PSD M the
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
