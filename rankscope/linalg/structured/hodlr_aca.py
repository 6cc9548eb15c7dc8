"""Adaptive cross approximation (ACA) of a matrix block from its entries (the compression of
:mod:`rankscope.linalg.structured.hodlr`).

ACA with partial pivoting (Bebendorf 2000): cross ``k`` takes the residual row ``i_k`` and its largest
entry's column ``j_k``, ``u_k = R[:, j_k]``, ``v_k = R[i_k, :] / R[i_k, j_k]``, and the next row is
the largest unused entry of ``u_k``. It stops when two successive crosses have
``||u_k|| ||v_k|| <= tol`` *and* a sample of random residual entries is below ``tol`` (ACA can stop
early on a block whose mass sits in rows it never visited; the sample restarts it at the worst row).
The crosses are then recompressed to the singular values above ``tol`` (QR of both factors, SVD of
the core), so the returned rank is the block's numerical rank at ``tol``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = ["Entries", "aca"]

Entries = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``entries(rows, cols) -> A[rows][:, cols]`` for integer index arrays."""


def aca(
    entries: Entries,
    rows: np.ndarray,
    cols: np.ndarray,
    tol: float,
    *,
    max_rank: int | None = None,
    samples: int = 64,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``A[rows][:, cols] ~ U V^T`` by ACA with partial pivoting, to absolute tolerance ``tol``.

    Stops when two successive crosses have ``||u|| ||v|| <= tol`` and ``samples`` random entries of the
    residual are below ``tol`` in modulus (a missed part restarts ACA at the worst sampled row).
    Returns ``U`` (len(rows), r) and ``V`` (len(cols), r); ``r = 0`` for a block below ``tol``.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # vector work: threads only contend
        return _aca(entries, rows, cols, tol, max_rank, samples, rng)


def _aca(
    entries: Entries,
    rows: np.ndarray,
    cols: np.ndarray,
    tol: float,
    max_rank: int | None,
    samples: int,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray]:
    m, n = rows.size, cols.size
    cap = min(m, n) if max_rank is None else min(max_rank, m, n)
    rng = np.random.default_rng(0) if rng is None else rng
    # crosses as rows of ut (k, m) and vt (k, n): the leading k rows are contiguous, so every residual
    # update is one BLAS gemv on them, with no copy
    ut = np.zeros((min(cap, 64), m))
    vt = np.zeros((min(cap, 64), n))
    used_rows = np.zeros(m, dtype=bool)
    k, i, small = 0, 0, 0
    while k < cap:
        if k == ut.shape[0]:  # grow the factors geometrically
            grow = min(cap, 2 * k)
            ut = np.vstack([ut, np.zeros((grow - k, m))])
            vt = np.vstack([vt, np.zeros((grow - k, n))])
        row = entries(rows[i : i + 1], cols)[0] - ut[:k, i] @ vt[:k]
        used_rows[i] = True
        j = int(np.argmax(np.abs(row)))
        piv = row[j]
        if piv != 0.0:
            col = entries(rows, cols[j : j + 1])[:, 0] - vt[:k, j] @ ut[:k]
            ut[k], vt[k] = col, row / piv
            small = small + 1 if np.linalg.norm(col) * np.linalg.norm(vt[k]) <= tol else 0
            k += 1
            nxt = np.abs(col)
            nxt[used_rows] = -1.0
            i = int(np.argmax(nxt))
        else:
            small += 1
            free = np.flatnonzero(~used_rows)
            i = int(free[0]) if free.size else i
        if small >= 2 or used_rows.all():
            ri = rng.integers(0, m, size=min(samples, m))
            ci = rng.integers(0, n, size=min(samples, n))
            probe = entries(rows[ri], cols[ci]) - ut[:k, ri].T @ vt[:k, ci]
            worst = np.unravel_index(int(np.argmax(np.abs(probe))), probe.shape)
            if abs(probe[worst]) <= tol or used_rows[ri[worst[0]]]:
                break
            i, small = int(ri[worst[0]]), 0
    if k == 0:
        return np.zeros((m, 0)), np.zeros((n, 0))
    return _recompress(ut[:k].T, vt[:k].T, tol)


def _recompress(u: np.ndarray, v: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Truncate ``U V^T`` to the singular values above ``tol`` (QR of both factors, SVD of the core)."""
    qu, ru = np.linalg.qr(u)
    qv, rv = np.linalg.qr(v)
    w, s, zt = np.linalg.svd(ru @ rv.T)
    r = int(np.sum(s > tol))
    return qu @ (w[:, :r] * s[:r]), qv @ zt[:r].T
