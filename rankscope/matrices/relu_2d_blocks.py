"""Compiled matrix kernels of the exact 2D ReLU matrices: blocks, the symmetric matrix, moments,
the diagonal and the matrix-free matvec (paper 003; the per-pair integral is
:func:`rankscope.matrices.relu_2d_kernels._pair`).

Every kernel takes the per-neuron active polygons ``P_i = Omega ∩ {l_i >= 0}`` of
:func:`~rankscope.matrices.relu_2d_kernels.neuron_polygons` (``px, py, pl, cnt``) and the neurons
``w, b``; entry ``(i, j)`` is always computed as ``(min(i, j), max(i, j))`` -- ``P_min`` clipped by
the other neuron -- so every kernel returns bitwise the same, symmetric entries.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rankscope.matrices.relu_2d_kernels import _pair


@njit(cache=True)
def _block_row(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    ri: int,
    cols: np.ndarray,
    kind: int,
    out: np.ndarray,
    scratch: np.ndarray,
) -> None:
    """Row ``ri`` of a block into ``out`` (len(cols),); pair ``(i, j)`` computed as ``(min, max)``.

    ``scratch`` (5, K + 2): the clipped polygon's buffers, allocated once per thread by the caller."""
    qx, qy, qa, qc, acc = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    for c in range(cols.shape[0]):
        i = min(ri, cols[c])  # the (min, max) order of :func:`symmetric`: bitwise symmetric
        j = max(ri, cols[c])
        _pair(px[i], py[i], pl[i], cnt[i], w[j, 0], w[j, 1], b[j], kind, qx, qy, qa, qc, acc)
        out[c] = acc[0]


@njit(cache=True, parallel=True)
def block(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    kind: int,
) -> np.ndarray:
    """``M[rows][:, cols]`` for ``kind`` 0 (mass) or 1 (Heaviside), shape (len(rows), len(cols)), rows
    in parallel. Entries agree bitwise with :func:`symmetric` and :func:`block_serial`."""
    out = np.empty((rows.shape[0], cols.shape[0]))
    for a in prange(rows.shape[0]):
        scratch = np.empty((5, max(px.shape[1] + 1, 6)))
        _block_row(px, py, pl, cnt, w, b, rows[a], cols, kind, out[a], scratch)
    return out


@njit(cache=True)
def block_serial(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    kind: int,
) -> np.ndarray:
    """:func:`block` on one thread: for the many small blocks of a compression, where starting the
    thread pool costs more than the work (and oversubscribes a shared machine)."""
    out = np.empty((rows.shape[0], cols.shape[0]))
    scratch = np.empty((5, max(px.shape[1] + 1, 6)))
    for a in range(rows.shape[0]):
        _block_row(px, py, pl, cnt, w, b, rows[a], cols, kind, out[a], scratch)
    return out


@njit(cache=True)
def _upper_row(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    kind: int,
    i: int,
    out: np.ndarray,
    qx: np.ndarray,
    qy: np.ndarray,
    qa: np.ndarray,
    qc: np.ndarray,
    acc: np.ndarray,
) -> None:
    for j in range(i, w.shape[0]):
        _pair(px[i], py[i], pl[i], cnt[i], w[j, 0], w[j, 1], b[j], kind, qx, qy, qa, qc, acc)
        out[i, j] = acc[0]
        out[j, i] = acc[0]


@njit(cache=True, parallel=True)
def symmetric(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    kind: int,
    out: np.ndarray,
) -> None:
    """The full symmetric ``M`` (kind 0 or 1) into ``out`` (n, n): upper triangle computed, mirrored.

    Rows ``r`` and ``n - 1 - r`` go to the same task, so the triangular work is balanced."""
    n = w.shape[0]
    kk = px.shape[1] + 1
    for r in prange((n + 1) // 2):
        qx = np.empty(kk)
        qy = np.empty(kk)
        qa = np.empty(kk)
        qc = np.empty(kk)
        acc = np.empty(6)
        _upper_row(px, py, pl, cnt, w, b, kind, r, out, qx, qy, qa, qc, acc)
        if n - 1 - r != r:
            _upper_row(px, py, pl, cnt, w, b, kind, n - 1 - r, out, qx, qy, qa, qc, acc)


@njit(cache=True, parallel=True)
def moments(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
) -> np.ndarray:
    """The six moments ``int_{P_ij} (1, x, y, x^2, xy, y^2)`` per pair, shape (len(rows), len(cols), 6)."""
    nr, nc = rows.shape[0], cols.shape[0]
    out = np.empty((nr, nc, 6))
    kk = px.shape[1] + 1
    for a in prange(nr):
        qx = np.empty(kk)
        qy = np.empty(kk)
        qa = np.empty(kk)
        qc = np.empty(kk)
        i = rows[a]
        for c in range(nc):
            j = cols[c]
            _pair(px[i], py[i], pl[i], cnt[i], w[j, 0], w[j, 1], b[j], 2, qx, qy, qa, qc, out[a, c])
    return out


@njit(cache=True, parallel=True)
def diagonal(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    idx: np.ndarray,
    kind: int,
) -> np.ndarray:
    """``M_ii`` for ``i`` in ``idx`` (kind 0 or 1)."""
    out = np.empty(idx.shape[0])
    kk = px.shape[1] + 1
    for a in prange(idx.shape[0]):
        qx = np.empty(kk)
        qy = np.empty(kk)
        qa = np.empty(kk)
        qc = np.empty(kk)
        acc = np.empty(6)
        i = idx[a]
        _pair(px[i], py[i], pl[i], cnt[i], w[i, 0], w[i, 1], b[i], kind, qx, qy, qa, qc, acc)
        out[a] = acc[0]
    return out


@njit(cache=True, parallel=True)
def matvec(
    px: np.ndarray,
    py: np.ndarray,
    pl: np.ndarray,
    cnt: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    kind: int,
) -> np.ndarray:
    """``M x`` without storing M (kind 0 or 1): every entry evaluated once, O(n) memory."""
    n = w.shape[0]
    out = np.empty(n)
    kk = px.shape[1] + 1
    for i in prange(n):
        qx = np.empty(kk)
        qy = np.empty(kk)
        qa = np.empty(kk)
        qc = np.empty(kk)
        acc = np.empty(6)
        s = 0.0
        for j in range(n):
            _pair(px[i], py[i], pl[i], cnt[i], w[j, 0], w[j, 1], b[j], kind, qx, qy, qa, qc, acc)
            s += acc[0] * x[j]
        out[i] = s
    return out
