"""O(n) direct solver for the 1D ReLU mass matrix ``A`` (paper 003).

With ``Phi`` the nodal values of the sorted, unit-scaled neurons on the mesh of their breakpoints
(:mod:`rankscope.linalg.structured.relu1d_common`) and ``M`` the tridiagonal P1 mass matrix (diagonal
``(h_{k-1}+h_k)/3``, off-diagonal ``h_k/6``), ``A = Phi^T M Phi``.

* Same signs (all ``w > 0``; all ``w < 0`` by reflecting ``x -> L + R - x``): the span is the FE
  functions vanishing on ``[L, tau_1]``, so ``Phi`` is square on the nodes ``tau_2..tau_{m+1}`` and
  ``Phi^{-1} = D`` is the banded kink (second-difference) operator:
  ``A^{-1} = D M_s^{-1} D^T`` -- one tridiagonal Cholesky (numba, cache=True) and two stencils.
* Mixed signs: reflect the left-facing neurons, ``relu(t - x) = relu(x - t) - (x - t)``, so that
  ``A = E^T G E`` with G the Gram matrix of the all-right-facing basis ``(r_1..r_m, 1, x - L)`` of
  the whole P1 space (square, banded inverse as above, now on all m + 2 nodes) and ``E`` the identity
  plus two rows; ``A c = f`` is G's KKT system with two constraints whose multipliers are the moments
  ``mu = (int v, int (x - L) v)``. Each pass is one tridiagonal solve for given mu; mu is found by
  Newton on the 2 x 2 constraint defect (2 passes; details above ``_nb_mixed_pass``).

Like the banded inverse factorization of Cai, Doktorova, Falgout, Herrera (arXiv:2407.01496), the
second differences lose digits (one solve: residual ~1e-10..1e-3, growing with n), so ``solve``
follows with up to ``refine`` steps of iterative refinement ``c <- c + S(f - A c)``, the residual
from an O(n) matvec that never forms ``A`` (nodal values by prefix sums of slopes, ``y = M v``, then
``Phi^T y`` by prefix sums of mesh widths times tail sums of ``y``; for mixed signs the running sums
are compensated, see ``_nb_mass_matvec_dd``: plain sums drift and stall the refinement). Measured
(uniform breakpoints, ``benchmarks/bench_relu_1d.py``): residuals match dense Cholesky at
n = 4000 (~1e-15) and stay ~1e-12 (same signs) and ~1e-9 (mixed) at n = 10^6, backward error
< 1e-17, in under 1 s. Strongly graded meshes (random breakpoints, n >= 10^5, gaps ~1e-11) lose
more (n = 2e5: residual ~1e-5, same and mixed), but the backward error stays tiny.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rankscope.linalg.structured.relu1d_common import (
    _nb_bidiag_back_solve,
    _nb_tridiag_chol,
    _rev_cumsum,
    _Solver1D,
)
from rankscope.linalg.structured.relu1d_mass_mixed import _MixedMassCore, _nb_mass_matvec_dd

__all__ = ["ReluMassSolver1D"]


@njit(cache=True)
def _nb_square_solve(ild: np.ndarray, ls: np.ndarray, ih: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``D (L L^T)^{-1} D^T f`` (same-sign mass solve, O(m)); ``ild = 1 / diag(L)``, ``ih = 1 / h``."""
    m = f.shape[0]
    # forward substitution L y = D^T f, with (D^T f) at node j + 2 assembled on the fly from the
    # kinks at nodes j + 1 (weight 1/h_{j+1}), j + 2 (-(1/h_{j+1} + 1/h_{j+2})), j + 3 (1/h_{j+2})
    y = np.empty(m)
    prev = 0.0
    for j in range(m):
        g = f[j] * ih[j + 1]
        if j + 1 < m:
            g -= f[j + 1] * (ih[j + 1] + ih[j + 2])
        if j + 2 < m:
            g += f[j + 2] * ih[j + 2]
        if j > 0:
            g -= ls[j - 1] * prev
        prev = g * ild[j]
        y[j] = prev
    u = _nb_bidiag_back_solve(ild, ls, y)  # backward L^T u = y in place
    c = np.empty(m)
    vm = 0.0
    v0 = 0.0
    for k in range(m):  # kink at node k + 1 from values at nodes k, k + 1, k + 2
        vp = u[k]
        c[k] = (vp - v0) * ih[k + 1] - (v0 - vm) * ih[k]
        vm = v0
        v0 = vp
    return c


@njit(cache=True)
def _nb_mass_matvec(h: np.ndarray, pos: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """Exact-in-exact-arithmetic ``A C`` for unit neurons at the interior mesh nodes, O(m), no n x n array.

    Nodal values by prefix sums of slopes, ``y = M v`` (P1 mass), then ``Phi^T y`` by prefix sums.
    """
    m = cs.shape[0]
    nodes = m + 2
    v = np.zeros(nodes)
    slope = 0.0
    for k in range(nodes - 1):  # right-facing part, left to right; cell k = [tau_k, tau_k+1]
        if 1 <= k <= m and pos[k - 1]:
            slope += cs[k - 1]
        v[k + 1] = v[k] + h[k] * slope
    acc = 0.0
    slope = 0.0
    for k in range(nodes - 2, -1, -1):  # left-facing part, right to left
        if 1 <= k + 1 <= m and not pos[k]:
            slope += cs[k]
        acc += h[k] * slope
        v[k] += acc
    y = np.empty(nodes)
    for k in range(nodes):
        d = 0.0
        if k > 0:
            d += h[k - 1] / 3.0
        if k < nodes - 1:
            d += h[k] / 3.0
        y[k] = d * v[k]
        if k > 0:
            y[k] += h[k - 1] / 6.0 * v[k - 1]
        if k < nodes - 1:
            y[k] += h[k] / 6.0 * v[k + 1]
    out = np.empty(m)
    tail = 0.0  # sum_{k > j} y_k
    g = 0.0  # sum_{k > j} (tau_k - tau_j) y_k
    for j in range(nodes - 2, 0, -1):
        tail += y[j + 1]
        g += h[j] * tail
        if pos[j - 1]:
            out[j - 1] = g
    head = 0.0
    g = 0.0
    for j in range(1, nodes - 1):
        head += y[j - 1]
        g += h[j - 1] * head
        if not pos[j - 1]:
            out[j - 1] = g
    return out


class ReluMassSolver1D(_Solver1D):
    """The 1D mass matrix ``A_ij = int_L^R relu_i relu_j dx`` as an O(n) LinearOperator with ``solve``.

    ``matvec`` is exact up to rounding without forming A; ``solve`` is the FE/banded direct solve
    plus ``refine`` steps of iterative refinement (module docstring). Any signs; neurons in any order.

    Args:
        net: 1D :class:`rankscope.nets.ShallowReLU` with ``w != 0`` and breakpoints inside the domain.
        domain: ``Interval`` or ``(low, high)``.
        merge_tol: relative gap at or below which same-sign breakpoints are merged (> 0).
        refine: at most this many iterative refinement steps (default 3).
        warn_backward_error: ``solve`` warns when its normwise backward error exceeds this.
        warn_residual: ``solve`` also warns when its relative residual ``||f - A c|| / ||f||`` exceeds this.

    Example:
        >>> from rankscope.linalg.structured.residuals import backward_error
        >>> from rankscope.nets import uniform_breakpoints_1d
        >>> op = ReluMassSolver1D(uniform_breakpoints_1d(1000, signs="mixed"))
        >>> f = op.matvec(np.ones(1000))
        >>> bool(backward_error(op, op.solve(f), f) < 1e-14)
        True
    """

    _scale_power = 1

    def _setup(self) -> None:
        self._mixed = bool(np.any(self.signs > 0) and np.any(self.signs < 0))
        if self._mixed:
            self._mixed_core = _MixedMassCore(self.tau, self.signs)
        else:
            # all left-facing: reflect x -> L + R - x so that every neuron faces right
            self._flip = bool(self.signs[0] < 0)
            tau = self.low + self.high - self.tau[::-1] if self._flip else self.tau
            self._tau_core = tau
            self._hc = np.diff(tau)
            hc = self._hc
            diag = np.empty(self.m)
            diag[:-1] = (hc[1:-1] + hc[2:]) / 3
            diag[-1] = hc[-1] / 3
            ld, self._ls = _nb_tridiag_chol(diag, np.ascontiguousarray(hc[2:] / 6))
            self._ild, self._ihc = 1.0 / ld, 1.0 / hc

    def _core_solve(self, f: np.ndarray) -> np.ndarray:
        if self._mixed:
            return self._mixed_core.solve(np.ascontiguousarray(f))
        if self._flip:
            return _nb_square_solve(self._ild, self._ls, self._ihc, np.ascontiguousarray(f[::-1]))[::-1]
        return _nb_square_solve(self._ild, self._ls, self._ihc, f)

    def nodal_values(self, cs: np.ndarray) -> np.ndarray:
        """Values (m + 2,) at the mesh nodes of ``v = sum_k C_k psi_k`` for reduced coefficients C."""
        pos = self.signs > 0
        cpos = np.where(pos, cs, 0.0)
        cneg = np.where(pos, 0.0, cs)
        slope_r = np.concatenate([[0.0], np.cumsum(cpos)])  # slope on cell k from right-facing
        v_r = np.concatenate([[0.0], np.cumsum(self.h * slope_r)])
        tail_neg = np.concatenate([_rev_cumsum(cneg), [0.0]])  # sum_{i >= k+1} of left-facing
        v_l = np.concatenate([_rev_cumsum(self.h * tail_neg), [0.0]])
        out: np.ndarray = v_r + v_l
        return out

    def _core_matvec(self, cs: np.ndarray, plain: bool = False) -> np.ndarray:
        if self._mixed and not plain:
            core = self._mixed_core
            return _nb_mass_matvec_dd(self.h, core.tl, core.left, np.ascontiguousarray(cs))
        return _nb_mass_matvec(self.h, self.signs > 0, np.ascontiguousarray(cs))

    def _sorted_matvec(self, cs: np.ndarray, plain: bool = False) -> np.ndarray:
        if self.m == self.shape[0]:
            out: np.ndarray = self._a * self._core_matvec(self._a * cs, plain)
            return out
        # merged clusters: exact breakpoints of the original neurons matter only to rounding
        ck = np.bincount(self._cluster, weights=self._a * cs, minlength=self.m)
        out = self._a * self._core_matvec(ck, plain)[self._cluster]
        return out

    def _sorted_norm_matvec(self, cs: np.ndarray) -> np.ndarray:
        return self._sorted_matvec(cs, plain=True)
