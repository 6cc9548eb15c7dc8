"""Compiled matrix kernels of the exact 2D ReLU matrices: blocks, the symmetric matrix, moments,
the diagonal and the matrix-free matvec (paper 003; the per-pair integral is
:func:`rankscope.matrices.relu_2d_kernels._pair`).

Every kernel takes the per-neuron active polygons ``P_i = Omega ∩ {l_i >= 0}`` of
:func:`~rankscope.matrices.relu_2d_kernels.neuron_polygons` (``poly`` (n, 3, K), ``cnt`` (n,)) and the
neurons ``wb`` (n, 3) = ``(w_1, w_2, b)``; entry ``(i, j)`` is always computed as
``(min(i, j), max(i, j))`` -- ``P_min`` clipped by the other neuron -- so every kernel returns bitwise
the same, symmetric entries.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rankscope.matrices.relu_2d_kernels import _pair


@njit(cache=True)
def _scratch(poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-thread buffers: the clipped polygon (4, K + 1) and the pair's result (6,)."""
    return np.empty((4, poly.shape[2] + 1)), np.empty(6)


@njit(cache=True)
def _entry(
    poly: np.ndarray,
    cnt: np.ndarray,
    wb: np.ndarray,
    i: int,
    j: int,
    kind: int,
    q: np.ndarray,
    acc: np.ndarray,
) -> float:
    a, b = np.int64(i), np.int64(j)  # a prange index may be unsigned: keep min/max integer
    lo, hi = min(a, b), max(a, b)  # the (min, max) order: bitwise symmetric
    _pair(poly[lo], cnt[lo], wb[hi], kind, q, acc)
    return float(acc[0])


@njit(cache=True, parallel=True)
def block(
    poly: np.ndarray, cnt: np.ndarray, wb: np.ndarray, rows: np.ndarray, cols: np.ndarray, kind: int
) -> np.ndarray:
    """``M[rows][:, cols]`` for ``kind`` 0 (mass) or 1 (Heaviside), rows in parallel."""
    out = np.empty((rows.shape[0], cols.shape[0]))
    for a in prange(rows.shape[0]):
        q, acc = _scratch(poly)
        for c in range(cols.shape[0]):
            out[a, c] = _entry(poly, cnt, wb, rows[a], cols[c], kind, q, acc)
    return out


@njit(cache=True)
def block_serial(
    poly: np.ndarray, cnt: np.ndarray, wb: np.ndarray, rows: np.ndarray, cols: np.ndarray, kind: int
) -> np.ndarray:
    """:func:`block` on one thread: for the many small blocks of a compression, where starting the
    thread pool costs more than the work (and oversubscribes a shared machine)."""
    out = np.empty((rows.shape[0], cols.shape[0]))
    q, acc = _scratch(poly)
    for a in range(rows.shape[0]):
        for c in range(cols.shape[0]):
            out[a, c] = _entry(poly, cnt, wb, rows[a], cols[c], kind, q, acc)
    return out


@njit(cache=True)
def _upper_row(
    poly: np.ndarray,
    cnt: np.ndarray,
    wb: np.ndarray,
    kind: int,
    i: int,
    out: np.ndarray,
    q: np.ndarray,
    acc: np.ndarray,
) -> None:
    for j in range(i, wb.shape[0]):
        _pair(poly[i], cnt[i], wb[j], kind, q, acc)
        out[i, j] = acc[0]
        out[j, i] = acc[0]


@njit(cache=True, parallel=True)
def symmetric(poly: np.ndarray, cnt: np.ndarray, wb: np.ndarray, kind: int, out: np.ndarray) -> None:
    """The full symmetric ``M`` (kind 0 or 1) into ``out`` (n, n): upper triangle computed, mirrored.

    Rows ``r`` and ``n - 1 - r`` go to the same task, so the triangular work is balanced."""
    n = wb.shape[0]
    for r in prange((n + 1) // 2):
        q, acc = _scratch(poly)
        _upper_row(poly, cnt, wb, kind, r, out, q, acc)
        if n - 1 - r != r:
            _upper_row(poly, cnt, wb, kind, n - 1 - r, out, q, acc)


@njit(cache=True, parallel=True)
def moments(
    poly: np.ndarray, cnt: np.ndarray, wb: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """The six moments ``int_{P_ij} (1, x, y, x^2, xy, y^2)`` per pair, shape (len(rows), len(cols), 6)."""
    out = np.empty((rows.shape[0], cols.shape[0], 6))
    for a in prange(rows.shape[0]):
        q, _ = _scratch(poly)
        for c in range(cols.shape[0]):
            lo, hi = min(np.int64(rows[a]), np.int64(cols[c])), max(np.int64(rows[a]), np.int64(cols[c]))
            _pair(poly[lo], cnt[lo], wb[hi], 2, q, out[a, c])
    return out


@njit(cache=True, parallel=True)
def diagonal(poly: np.ndarray, cnt: np.ndarray, wb: np.ndarray, idx: np.ndarray, kind: int) -> np.ndarray:
    """``M_ii`` for ``i`` in ``idx`` (kind 0 or 1)."""
    out = np.empty(idx.shape[0])
    for a in prange(idx.shape[0]):
        q, acc = _scratch(poly)
        out[a] = _entry(poly, cnt, wb, idx[a], idx[a], kind, q, acc)
    return out


@njit(cache=True, parallel=True)
def matvec(poly: np.ndarray, cnt: np.ndarray, wb: np.ndarray, x: np.ndarray, kind: int) -> np.ndarray:
    """``M x`` without storing M (kind 0 or 1): every entry evaluated once per row, O(n) memory."""
    n = wb.shape[0]
    out = np.empty(n)
    for i in prange(n):
        q, acc = _scratch(poly)
        s = 0.0
        for j in range(n):
            s += _entry(poly, cnt, wb, i, j, kind, q, acc) * x[j]
        out[i] = s
    return out
