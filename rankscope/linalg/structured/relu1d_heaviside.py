"""O(n) direct solver for the 1D ReLU Heaviside (Gauss-Newton) matrix ``H`` (paper 003).

The Heaviside matrix is the mass-matrix construction (:mod:`rankscope.linalg.structured.relu1d_mass`)
with piecewise constants: ``H = Psi^T diag(h) Psi``, jumps instead of kinks and one constraint
(``H^{-1}`` is tridiagonal for same-sign weights); for mixed signs the same reflection, one multiplier
``int v`` found by Newton, and compensated sums in the matvec
(:mod:`rankscope.linalg.structured.compensated`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rankscope.linalg.structured.compensated import dd_add
from rankscope.linalg.structured.relu1d_common import _rev_cumsum, _Solver1D

__all__ = ["ReluHeavisideSolver1D"]


# --- Heaviside, mixed signs: the same reflection with piecewise constants --------------------------
#
# Left-facing steps h(t - x) = 1 - H(x - t): basis (H_1..H_m, 1) of the piecewise constants on the
# cells (dim m + 1), cell values W (square, W^{-1} w = (jumps, w_0)), M = diag(h); one constraint
# ``alpha + sum_{left} d_k = 0`` (d: coefficients of H_k, alpha: of 1) and one multiplier
# mu = int v: the data are ``int H_k v = f_k`` (right) and ``mu - f_k`` (left).


@njit(cache=True)
def _nb_heaviside_pass(
    ih: np.ndarray, left: np.ndarray, f: np.ndarray, mu: float
) -> tuple[np.ndarray, float]:
    """Coefficients c of ``W^{-1} M^{-1} W^{-T} g(mu)`` and the constraint defect; O(m)."""
    m = f.shape[0]
    cells = m + 1
    w = np.empty(cells)
    for j in range(cells):
        u = 0.0
        if j >= 1:
            u += mu - f[j - 1] if left[j - 1] else f[j - 1]
        if j <= m - 1:
            u -= mu - f[j] if left[j] else f[j]
        if j == 0:
            u += mu
        w[j] = u * ih[j]
    c = np.empty(m)
    defect = w[0]
    for k in range(m):
        d = w[k + 1] - w[k]
        if left[k]:
            c[k] = -d
            defect += d
        else:
            c[k] = d
    return c, defect


@njit(cache=True)
def _nb_heaviside_matvec_dd(h: np.ndarray, left: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """``H C`` (any signs): cell values of v by a compensated running sum of jumps, then
    compensated tail (right-facing rows) and head (left-facing rows) sums of ``h_j v_j``."""
    m = cs.shape[0]
    cells = m + 1
    wh, wl = 0.0, 0.0
    for k in range(m):
        if left[k]:
            wh, wl = dd_add(wh, wl, cs[k], 0.0)
    y = np.empty(cells)
    y[0] = h[0] * (wh + wl)
    for j in range(1, cells):
        wh, wl = dd_add(wh, wl, -cs[j - 1] if left[j - 1] else cs[j - 1], 0.0)
        y[j] = h[j] * (wh + wl)
    out = np.empty(m)
    th, tl = 0.0, 0.0
    for j in range(m, 0, -1):
        th, tl = dd_add(th, tl, y[j], 0.0)
        if not left[j - 1]:
            out[j - 1] = th + tl
    th, tl = 0.0, 0.0
    for j in range(m):
        th, tl = dd_add(th, tl, y[j], 0.0)
        if left[j]:
            out[j] = th + tl
    return out


class ReluHeavisideSolver1D(_Solver1D):
    """The 1D Heaviside Gauss-Newton matrix ``H_ij = int_L^R h_i h_j dx`` as an O(n) LinearOperator.

    ``H = Psi^T diag(h) Psi`` with ``Psi`` the cell values of the steps; ``solve`` uses the jump
    functionals (first differences) and one constraint, then ``refine`` refinement steps.

    Example:
        >>> from rankscope.nets import uniform_breakpoints_1d
        >>> op = ReluHeavisideSolver1D(uniform_breakpoints_1d(100))
        >>> bool(np.allclose(op.solve(op.matvec(np.arange(100.0))), np.arange(100.0)))
        True
    """

    _scale_power = 0

    newton = 3  # mixed signs: passes per solve (mu = 0, then two Newton updates of the multiplier)

    def _setup(self) -> None:
        neg = self.signs < 0
        self._mixed = bool(np.any(neg) and np.any(~neg))
        if self._mixed:
            self._left = np.ascontiguousarray(neg)
            self._ih = 1.0 / self.h
            self._k1, self._sigma = _nb_heaviside_pass(self._ih, self._left, np.zeros(self.m), 1.0)
            if not (np.isfinite(self._sigma) and self._sigma != 0.0):
                raise np.linalg.LinAlgError(
                    f"mixed-sign Heaviside constraint is singular (sigma = {self._sigma})"
                )
            return
        n_col = np.zeros(self.m + 1)
        n_col[0] = 1.0
        # N = e_0 + sum_{k: s_k < 0} (e_k - e_{k-1}) over cells
        idx = np.flatnonzero(neg) + 1
        np.add.at(n_col, idx, 1.0)
        np.add.at(n_col, idx - 1, -1.0)
        self._ncol = n_col
        self._minv_n = n_col / self.h
        self._schur = float(n_col @ self._minv_n)

    def _core_solve(self, f: np.ndarray) -> np.ndarray:
        if self._mixed:
            f = np.ascontiguousarray(f)
            mu, dmu = 0.0, 0.0
            c = np.zeros(0)
            for _ in range(self.newton):
                c, defect = _nb_heaviside_pass(self._ih, self._left, f, mu)
                dmu = -defect / self._sigma
                mu += dmu
            return c + dmu * self._k1
        y = f / self.signs
        g0 = np.zeros(self.m + 1)
        g0[1:] += y
        g0[:-1] -= y
        x0 = g0 / self.h
        mu = -float(self._ncol @ x0) / self._schur
        w = x0 + mu * self._minv_n
        out: np.ndarray = self.signs * np.diff(w)
        return out

    def _core_matvec(self, cs: np.ndarray, plain: bool = False) -> np.ndarray:
        if self._mixed and not plain:
            return _nb_heaviside_matvec_dd(self.h, self._left, np.ascontiguousarray(cs))
        pos = self.signs > 0
        w = np.concatenate([[0.0], np.cumsum(np.where(pos, cs, 0.0))])
        w[:-1] += _rev_cumsum(np.where(pos, 0.0, cs))
        y = self.h * w
        tail = _rev_cumsum(y)  # cells >= k
        head = np.cumsum(y)  # cells <= k
        return np.where(pos, tail[1:], head[:-1])

    def _sorted_matvec(self, cs: np.ndarray, plain: bool = False) -> np.ndarray:
        ck = np.bincount(self._cluster, weights=cs, minlength=self.m)
        out: np.ndarray = self._core_matvec(ck, plain)[self._cluster]
        return out

    def _sorted_norm_matvec(self, cs: np.ndarray) -> np.ndarray:
        return self._sorted_matvec(cs, plain=True)
