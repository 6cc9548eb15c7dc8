"""The ``"subspace"`` method of :mod:`rankscope.linalg.matrix_free`: randomized block Krylov.

The basis V (n x m) and its image AV are kept explicitly; each step does Rayleigh-Ritz on
V^T A V, tests the Ritz residuals ``||A x - theta x|| <= tol * |theta_max|``, and extends V by the
orthonormalised residuals of the unconverged wanted Ritz pairs, plus random vectors that keep the
block at least half as wide as the wanted set and wider than any cluster of equal Ritz values (a
block Krylov space started from b random vectors holds at most b copies of a repeated
eigenvalue). Cost per step: one matmat of w <= k + p columns (BLAS-3), ``O(n m (w + k))`` for
orthogonalisation (Gram-Schmidt + Cholesky QR) and residuals, ``O(m^3)`` for the small
eigenproblem; memory ``2 n m`` floats, thick restart when m > 4 (k + p).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from rankscope.linalg.psd_operator import CountedOperator

__all__ = ["SUBSPACE_MAXITER", "subspace_eigenvalues"]


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
    out: np.ndarray = scipy.linalg.solve_triangular(chol, u.T, trans="T", lower=False, check_finite=False).T
    return out


SUBSPACE_MAXITER = 300  # default cap on subspace iterations (each is one block of operator applications)
_STALL = 20  # iterations without halving the worst wanted residual before giving up


_WIDTH_FRACTION = 0.5  # random block width >= this fraction of (wanted + guard), see subspace_eigenvalues


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


def subspace_eigenvalues(
    a: CountedOperator,
    k: int,
    tol: float,
    seed: int,
    maxiter: int,
    threshold: float | None = None,
) -> tuple[np.ndarray | None, bool]:
    """Block Krylov / Rayleigh-Ritz for the top eigenvalues of ``a`` (see the module docstring).

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
