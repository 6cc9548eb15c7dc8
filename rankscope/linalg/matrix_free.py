"""Matrix-free eps-rank: count the eigenvalues of a symmetric PSD operator above a threshold.

For a large Gram/mass matrix (papers/000_1f8258be9be41576.txt, Def. 2.5 eq. (2.4)) whose eps-rank
is much smaller than n, only the top of the spectrum is needed. Two algorithms, chosen by the
``method`` argument (never by a global):

* ``"subspace"`` (default): a randomized block Krylov method written here. The basis V (n x m)
  and its image AV are kept explicitly; each step does Rayleigh-Ritz on V^T A V, tests the Ritz
  residuals ``||A x - theta x|| <= tol * |theta_max|``, and extends V by the orthonormalised
  residuals of the unconverged wanted Ritz pairs, plus random vectors that keep the block at
  least half as wide as the wanted set and wider than any cluster of equal Ritz values (a block
  Krylov space started from b random vectors holds at most b copies of a repeated eigenvalue).
  Cost per step: one matmat of w <= k + p columns (BLAS-3), ``O(n m (w + k))`` for
  orthogonalisation (Gram-Schmidt + Cholesky QR) and residuals, ``O(m^3)`` for the small
  eigenproblem; memory ``2 n m`` floats, thick restart when m > 4 (k + p). Fastest when an
  operator application costs about the same per column in a block (a dense matrix, a factored
  U diag(l) U^T): on the 8000 x 8000 benchmark it needs 400 applications, in 4 blocks.
* ``"lanczos"``: ARPACK implicitly restarted Lanczos via ``scipy.sparse.linalg.eigsh(which="LA")``.
  Cost: one ``matvec`` at a time (BLAS-2) plus ``O(n ncv^2)`` per restart, ncv = 2k + 1, and
  ``count_above`` restarts it with k doubled until the k-th value is <= threshold. Often fewer
  applications than ``"subspace"`` for small counts, but each re-reads all of a dense A; a
  single-vector Krylov method can miss copies of an exactly repeated eigenvalue.

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

from rankscope._checks import (
    as_matrix,
    check_choice,
    check_nonnegative,
    check_positive_int,
    default_rtol,
    describe,
)

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


def _check_symmetric_probe(name: str, mat: np.ndarray, rtol: float = 1e-8) -> None:
    """Randomised symmetry test: ``||(M - M^T) Z||_F <= rtol ||M Z||_F`` for 4 Gaussian probes Z.

    ``E||E Z||_F^2 = 4 ||E||_F^2``, so this tests ``||M - M^T||_F <~ rtol ||M||_F`` in two BLAS
    passes over M (an exact elementwise test is a single-threaded pass several times slower).
    Round-off of a symmetric M gives ~1e-14, far below rtol.
    """
    z = np.random.default_rng(20240607).standard_normal((mat.shape[0], 4))
    mz, mtz = mat @ z, mat.T @ z
    asym, scale = float(np.linalg.norm(mz - mtz)), float(np.linalg.norm(mz))
    if asym > rtol * max(scale, np.finfo(np.float64).tiny):
        raise ValueError(
            f"{name} must be symmetric; ||(M - M^T) Z||_F = {asym:.3e} exceeds {rtol:g} x "
            f"||M Z||_F = {rtol * scale:.3e} for 4 random probe vectors Z. Symmetrise it with "
            "(M + M.T) / 2 if this is round-off."
        )


def aslinearoperator_psd(op: Any, n: int | None = None) -> LinearOperator:
    """Wrap a symmetric PSD operator as a float64 ``scipy.sparse.linalg.LinearOperator``.

    The operator is the Gram/mass matrix ``M`` of papers/000_1f8258be9be41576.txt (Def. 2.4,
    Def. 2.5 eq. (2.4)), given densely or as ``x -> M x``. A dense input is checked to be
    finite, square and symmetric (randomised test ``||(M - M^T) Z||_F <= 1e-8 ||M Z||_F`` with 4
    Gaussian probes, i.e. ``||M - M^T||_F <~ 1e-8 ||M||_F``); an operator or callable is
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
        rtol = default_rtol(op)  # follows the input dtype: float32 round-off is ~1e-7
        if mat.shape[0] < 1:
            raise ValueError(f"op must have dimension n >= 1; got shape {mat.shape}")
        if n is not None and n != mat.shape[0]:
            raise ValueError(f"n = {n} does not match the shape {mat.shape} of op")
        _check_symmetric_probe("op", mat, rtol)
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
        f"op must be a square ndarray/tensor, a LinearOperator or a callable matvec; got {describe(op)}"
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


def _lanczos(a: _Counted, k: int, tol: float, seed: int, maxiter: int | None) -> tuple[np.ndarray, bool]:
    n = a.shape[0]
    v0 = np.random.default_rng(seed).standard_normal(n)
    try:
        vals = eigsh(a, k=k, which="LA", tol=tol, v0=v0, maxiter=maxiter, return_eigenvectors=False)
        converged = True
    except ArpackNoConvergence as exc:
        vals, converged = np.asarray(exc.eigenvalues).real, False
    return np.sort(np.asarray(vals, dtype=np.float64))[::-1], converged


def _orth_against(w: np.ndarray, *bases: np.ndarray, drop: float = 1e-6) -> np.ndarray:
    """Orthonormal basis of the part of span(w) orthogonal to span(v), all BLAS-3.

    Columns of w are normalised and projected out of v (classical Gram-Schmidt); directions of the
    remainder with singular value <= ``drop`` are discarded (eigen-decomposition of its Gram
    matrix, accurate to ~1e-8 in singular value, far below ``drop``); the kept part is projected
    once more and orthonormalised by Cholesky QR (its condition number is then ~1).
    """
    norms = np.linalg.norm(w, axis=0)
    keep = norms > 0
    w = w / norms if keep.all() else w[:, keep] / norms[keep]
    if w.shape[1] == 0:
        return w
    for v in bases:
        w -= v @ (v.T @ w)
    lam, z = scipy.linalg.eigh(w.T @ w, check_finite=False, driver="evd")
    sel = lam > drop**2
    if not np.any(sel):
        return w[:, :0]
    u = w @ (z[:, sel] / np.sqrt(lam[sel]))
    for v in bases:
        u -= v @ (v.T @ u)
    try:
        chol = scipy.linalg.cholesky(u.T @ u, lower=False, check_finite=False)
    except np.linalg.LinAlgError:  # pragma: no cover - u is orthonormal to ~1e-6 here
        q, _ = np.linalg.qr(u)
        return q
    return scipy.linalg.solve_triangular(chol, u.T, trans="T", lower=False, check_finite=False).T


_MAXITER = 300  # default cap on subspace iterations (each is one block of operator applications)
_STALL = 20  # iterations without halving the worst wanted residual before giving up


_WIDTH_FRACTION = 0.5  # random block width >= this fraction of (wanted + guard), see _subspace


def _largest_cluster(values: np.ndarray, scale: float, rel: float = 1e-9) -> int:
    """Size of the largest run of (sorted) values whose neighbours differ by <= rel * scale."""
    if values.size == 0:
        return 0
    breaks = np.flatnonzero(np.abs(np.diff(values)) > rel * scale)
    edges = np.r_[-1, breaks, values.size - 1]
    return int(np.max(np.diff(edges)))


def _guard(k: int) -> int:
    return max(8, k // 4)


_MIN_START = 96  # one pass over a dense operator costs about the same for 40 or 96 columns


def _start_width(k: int, n: int) -> int:
    """Random start block: k + guard, widened to min(96, n/4) columns to save passes over A."""
    return max(k + _guard(k), min(_MIN_START, n // 4))


def _subspace(
    a: _Counted,
    k: int,
    tol: float,
    seed: int,
    maxiter: int,
    threshold: float | None = None,
) -> tuple[np.ndarray | None, bool]:
    """Block Krylov / Rayleigh-Ritz for the top eigenvalues (see the module docstring).

    With ``threshold``, the wanted pairs are those above it plus the next one: (#Ritz values >
    threshold) + 1 (a lower bound of the true count + 1, since Ritz values are lower bounds).
    Returns (values descending, converged), or (None, False) when more than n/2 are wanted.
    """
    n = a.shape[0]
    rng = np.random.default_rng(seed)
    nwant = k
    m = min(n, _start_width(k, n))
    width = m  # random vectors injected so far: the block width of the Krylov space
    cap = min(n, 4 * m)
    vb, avb = np.empty((n, cap), order="F"), np.empty((n, cap), order="F")
    vb[:, :m] = _orth_against(rng.standard_normal((n, m)))
    avb[:, :m] = a.matmat(vb[:, :m])
    h = vb[:, :m].T @ avb[:, :m]
    theta = np.zeros(0)
    best, stalled = math.inf, 0  # stagnation: the worst wanted residual stopped halving
    for _ in range(maxiter):
        v, av = vb[:, :m], avb[:, :m]
        theta, s = scipy.linalg.eigh(0.5 * (h + h.T), check_finite=False, driver="evd")
        theta = theta[::-1].copy()
        if threshold is not None:
            nwant = int(np.count_nonzero(theta > threshold)) + 1  # k only sized the start block
            if nwant > n // 2:
                return None, False
        if m >= n:  # the basis is the whole space: Rayleigh-Ritz is exact
            return theta, True
        nguard = min(m, nwant + _guard(nwant))
        sg = np.ascontiguousarray(s[:, ::-1][:, :nguard])  # Ritz coefficients, descending
        r = av @ sg
        r -= v @ (sg * theta[:nguard])  # residuals A x - theta x, x = V sg
        res = np.linalg.norm(r, axis=0)
        scale = max(abs(theta[0]), abs(theta[-1]), np.finfo(np.float64).tiny)
        ok = res <= tol * scale
        if nwant <= m and bool(np.all(ok[:nwant])):
            # a block Krylov space with `width` random start vectors reaches min(mult, width)
            # copies of a repeated eigenvalue: a cluster as wide as the block may be incomplete
            cluster = _largest_cluster(theta[: max(1, nwant - 1)], scale)
            if cluster < width:
                return theta, True
        worst = float(np.max(res[:nwant]))
        best, stalled = (worst, 0) if worst < 0.5 * best else (best, stalled + 1)
        if stalled >= _STALL:  # e.g. tol below the accuracy of a float32 operator
            return theta, False
        want = nwant + _guard(nwant)
        if m + want > min(n, 4 * want):  # thick restart on the wanted Ritz vectors
            x, ax = v @ sg, av @ sg
            m = nguard
            vb[:, :m], avb[:, :m], h = x, ax, np.diag(theta[:nguard])
        # Krylov directions: the residuals of the unconverged pairs (orthogonal to V in exact
        # arithmetic). Random directions widen the block: (i) to half of wanted + guard (all of it
        # while every Ritz value is above the threshold), so that
        # many wanted pairs converge in few steps (wider: fewer steps, narrower: fewer matvecs);
        # (ii) past the largest converged cluster + guard, since the basis holds at most `width`
        # copies of a repeated eigenvalue; (iii) when the Krylov space is invariant (low rank).
        w = _orth_against(r[:, ~ok], vb[:, :m])[:, : n - m]
        cluster = _largest_cluster(theta[: max(1, nwant - 1)][ok[: max(1, nwant - 1)]], scale)
        frac = 1.0 if nwant > m else _WIDTH_FRACTION  # all Ritz values above: double up
        fill = max(math.ceil(frac * want), cluster + _guard(cluster)) - width
        if w.shape[1] == 0:
            fill = max(fill, _guard(nwant))
        fill = min(fill, n - m - w.shape[1])
        if fill > 0:
            extra = _orth_against(rng.standard_normal((n, fill)), vb[:, :m], w)
            w = np.hstack([w, extra])
            width += extra.shape[1]
        nw = w.shape[1]
        if nw == 0:
            return theta, False
        if m + nw > vb.shape[1]:  # grow the buffers
            new_cap = min(n, max(4 * want, m + nw))
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
    a = _Counted(aslinearoperator_psd(op, n))
    dim = a.shape[0]
    k = check_positive_int("k", k)
    if k > dim:
        raise ValueError(f"k must be <= n = {dim}; got k = {k}")
    meth, tol, seed = _check_common(method, tol, seed, maxiter)
    if k > dim // 2:
        return _dense_eigs(a)[:k]
    vals: np.ndarray | None
    if meth == "lanczos":
        vals, converged = _lanczos(a, k, tol, seed, maxiter)
    else:
        vals, converged = _subspace(a, k, tol, seed, maxiter or _MAXITER)
    if not converged or vals is None or vals.size < k:
        raise RuntimeError(
            f"top_eigenvalues(method={meth!r}, k={k}, tol={tol:g}) did not converge after "
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
    a = _Counted(aslinearoperator_psd(op, n))
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
            vals, converged = _subspace(a, k, tol, seed, maxiter or _MAXITER, threshold=t)
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
