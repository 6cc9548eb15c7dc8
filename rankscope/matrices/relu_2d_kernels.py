"""Compiled geometry of the exact 2D ReLU matrices: polygon clipping and the exact pair integral
(the matrix kernels that loop over pairs are in :mod:`rankscope.matrices.relu_2d_blocks`).

Paper 003 (the display after "may be related to the following matrix forms"):
``A_ij = int_Omega relu(l_i) relu(l_j) dx`` and ``H_ij = int_Omega h(l_i) h(l_j) dx`` with
``l_i(x) = w_i . x + b_i``. On ``P_ij = Omega ∩ {l_i >= 0} ∩ {l_j >= 0}`` -- a convex polygon of at
most ``k + 2`` vertices for a ``k``-gon ``Omega`` -- the integrands are ``l_i l_j`` (degree 2) and 1.
Both are integrated exactly over a triangle fan ``T_m = (p_0, p_m, p_{m+1})`` of ``P_ij``:

    int_T f g dx = |T| / 12 * (sum_a f_a g_a + (sum_a f_a)(sum_a g_a))

for affine ``f, g`` with vertex values ``f_a, g_a`` (a = 1, 2, 3), the degree-2 moment identity of a
triangle (check: ``f = g = 1`` gives ``|T| (3 + 9) / 12 = |T|``).

Accuracy: ``P_i = Omega ∩ {l_i >= 0}`` is clipped once per neuron (Sutherland-Hodgman) and the values
``l_i`` are carried on its vertices: a vertex made on the line ``l_i = 0`` carries exactly 0 and the
other value is interpolated along the edge (exact for affine functions), so no value is recomputed
where it would cancel, and every fan term is a sum of non-negative numbers.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

MAX_VERTICES = 24
"""Largest polygon the kernels accept: the domain's vertex count plus two must not exceed it."""


@njit(cache=True)
def _clip_carry(
    vx: np.ndarray,
    vy: np.ndarray,
    va: np.ndarray,
    k: int,
    wx: float,
    wy: float,
    b: float,
    ox: np.ndarray,
    oy: np.ndarray,
    oa: np.ndarray,
    ol: np.ndarray,
) -> int:
    """``{l >= 0}`` part of the polygon ``(vx, vy)[:k]``, ``l = wx x + wy y + b`` (one Sutherland-Hodgman
    step): writes the vertices to ``ox, oy``, the vertex values ``va`` carried along (interpolated on
    a cut edge, exact for an affine attribute) to ``oa`` and the values of ``l`` (0 on the cut) to
    ``ol``; returns the vertex count. With no attribute to carry, pass ``va = vx, oa = ox``: both writes
    then store the same number."""
    m = 0
    for i in range(k):
        j = i + 1 if i + 1 < k else 0
        li = wx * vx[i] + wy * vy[i] + b
        lj = wx * vx[j] + wy * vy[j] + b
        if li >= 0.0:
            ox[m] = vx[i]
            oy[m] = vy[i]
            oa[m] = va[i]
            ol[m] = li
            m += 1
        if (li > 0.0 and lj < 0.0) or (li < 0.0 and lj > 0.0):  # strict: no duplicate vertices
            t = li / (li - lj)
            ox[m] = vx[i] + t * (vx[j] - vx[i])
            oy[m] = vy[i] + t * (vy[j] - vy[i])
            oa[m] = va[i] + t * (va[j] - va[i])
            ol[m] = 0.0
            m += 1
    return m


@njit(cache=True, parallel=True)
def neuron_polygons(dom_x: np.ndarray, dom_y: np.ndarray, wb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P_i = Omega ∩ {l_i >= 0}`` for every neuron ``wb[i] = (w_i1, w_i2, b_i)``: ``poly`` (n, 3, K)
    with rows x, y and the values of ``l_i`` on the vertices, and the vertex counts (n,)."""
    n = wb.shape[0]
    kk = dom_x.shape[0] + 1
    poly = np.zeros((n, 3, kk))
    cnt = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        p = poly[i]
        cnt[i] = _clip_carry(
            dom_x, dom_y, dom_x, dom_x.shape[0], wb[i, 0], wb[i, 1], wb[i, 2], p[0], p[1], p[0], p[2]
        )
    return poly, cnt


@njit(cache=True)
def _pair(poly: np.ndarray, k: int, wbj: np.ndarray, kind: int, q: np.ndarray, out: np.ndarray) -> None:
    """Integrals over ``P_i ∩ {l_j >= 0}`` given ``P_i`` as ``poly`` (3, K: x, y, ``l_i``) with ``k``
    vertices and neuron ``j`` as ``wbj = (w_j1, w_j2, b_j)``; ``q`` (4, K + 1) is scratch.

    ``kind`` 0: ``out[0] = int l_i l_j``; 1: ``out[0] = area``; 2: the six moments
    ``int (1, x, y, xx, xy, yy)`` in ``out[:6]``.
    """
    px, py, pl = poly[0], poly[1], poly[2]
    qx, qy, qa, qc = q[0], q[1], q[2], q[3]
    m = _clip_carry(px, py, pl, k, wbj[0], wbj[1], wbj[2], qx, qy, qa, qc)
    for r in range(6):
        out[r] = 0.0
    for t in range(1, m - 1):
        u = t + 1
        ex1 = qx[t] - qx[0]
        ey1 = qy[t] - qy[0]
        ex2 = qx[u] - qx[0]
        ey2 = qy[u] - qy[0]
        area = 0.5 * (ex1 * ey2 - ey1 * ex2)
        if area <= 0.0:
            continue
        if kind == 0:
            fa = qa[0] + qa[t] + qa[u]
            fc = qc[0] + qc[t] + qc[u]
            s = qa[0] * qc[0] + qa[t] * qc[t] + qa[u] * qc[u]
            out[0] += area * (s + fa * fc) / 12.0
        elif kind == 1:
            out[0] += area
        else:
            sx = qx[0] + qx[t] + qx[u]
            sy = qy[0] + qy[t] + qy[u]
            out[0] += area
            out[1] += area * sx / 3.0
            out[2] += area * sy / 3.0
            out[3] += area * (qx[0] * qx[0] + qx[t] * qx[t] + qx[u] * qx[u] + sx * sx) / 12.0
            out[4] += area * (qx[0] * qy[0] + qx[t] * qy[t] + qx[u] * qy[u] + sx * sy) / 12.0
            out[5] += area * (qy[0] * qy[0] + qy[t] * qy[t] + qy[u] * qy[u] + sy * sy) / 12.0


@njit(cache=True, parallel=True)
def clip_all(
    poly: np.ndarray, cnt: np.ndarray, a1: float, a2: float, c: float
) -> tuple[np.ndarray, np.ndarray]:
    """Every polygon ``poly[i, :2, :cnt[i]]`` clipped to ``a1 x + a2 y + c >= 0``: ``(poly', cnt')``
    (row 2 of ``poly'`` holds the clip's own values)."""
    n, _, k = poly.shape
    out = np.zeros((n, 3, k + 1))
    oc = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        p, o = poly[i], out[i]
        oc[i] = _clip_carry(p[0], p[1], p[0], cnt[i], a1, a2, c, o[0], o[1], o[0], o[2])
    return out, oc
