"""The mixed-sign core of the 1D ReLU mass solver (paper 003), used by ``ReluMassSolver1D`` when the
neurons face both ways: the KKT system of the all-right-facing basis with two multipliers found by
Newton (:class:`_MixedMassCore`, derivation above :func:`_nb_mixed_pass`), and the matvec with
compensated running sums (:func:`_nb_mass_matvec_dd`, :mod:`rankscope.linalg.structured.compensated`)
that its iterative refinement needs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rankscope.linalg.structured.compensated import dd_add, dd_mul_d, two_prod
from rankscope.linalg.structured.relu1d_common import _nb_bidiag_back_solve, _nb_tridiag_chol

__all__: list[str] = []


@njit(cache=True)
def _nb_mass_matvec_dd(h: np.ndarray, tl: np.ndarray, left: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """``A C`` like :func:`_nb_mass_matvec` (any signs; ``tl_k = tau_k - L`` on left-facing neurons),
    with the first-cell value/slope, the nodal values and the tail/head sums as compensated
    (hi, lo) running sums."""
    m = cs.shape[0]
    nodes = m + 2
    sh, sl, vh, vl = 0.0, 0.0, 0.0, 0.0
    for k in range(m):
        if left[k]:
            sh, sl = dd_add(sh, sl, -cs[k], 0.0)
            ph, pl = two_prod(tl[k], cs[k])
            vh, vl = dd_add(vh, vl, ph, pl)
    v_hi = np.empty(nodes)
    v_lo = np.empty(nodes)
    v_hi[0], v_lo[0] = vh, vl
    for j in range(nodes - 1):
        if j >= 1:
            sh, sl = dd_add(sh, sl, cs[j - 1], 0.0)
        ph, pl = dd_mul_d(sh, sl, h[j])
        vh, vl = dd_add(vh, vl, ph, pl)
        v_hi[j + 1], v_lo[j + 1] = vh, vl
    # y = M v: nodal sums in double from the (hi, lo) values (a per-node rounding; no drift)
    y = np.empty(nodes)
    for k in range(nodes):
        acc = 0.0
        if k > 0:
            acc += h[k - 1] / 3.0 * v_hi[k] + h[k - 1] / 6.0 * v_hi[k - 1]
            acc += h[k - 1] / 3.0 * v_lo[k] + h[k - 1] / 6.0 * v_lo[k - 1]
        if k < nodes - 1:
            acc += h[k] / 3.0 * v_hi[k] + h[k] / 6.0 * v_hi[k + 1]
            acc += h[k] / 3.0 * v_lo[k] + h[k] / 6.0 * v_lo[k + 1]
        y[k] = acc
    out = np.empty(m)
    th, tlo, gh, gl = 0.0, 0.0, 0.0, 0.0
    for j in range(nodes - 2, 0, -1):
        th, tlo = dd_add(th, tlo, y[j + 1], 0.0)
        ph, pl = dd_mul_d(th, tlo, h[j])
        gh, gl = dd_add(gh, gl, ph, pl)
        if not left[j - 1]:
            out[j - 1] = gh + gl
    th, tlo, gh, gl = 0.0, 0.0, 0.0, 0.0
    for j in range(1, nodes - 1):
        th, tlo = dd_add(th, tlo, y[j - 1], 0.0)
        ph, pl = dd_mul_d(th, tlo, h[j - 1])
        gh, gl = dd_add(gh, gl, ph, pl)
        if left[j - 1]:
            out[j - 1] = gh + gl
    return out


# --- mixed signs: all-right-facing FE basis of V_h plus two constraints, multipliers by Newton -------
#
# Reflect every left-facing neuron: relu(t - x) = relu(x - t) - (x - L) + (t - L). With
# r_k = relu(x - tau_k) and the basis psi = (r_1..r_m, 1, x - L) of the whole P1 space V_h on the mesh
# (dim m + 2), the neurons are phi = E^T psi, E = [I; a^T; b^T], a_k = tau_k - L and b_k = -1 for
# left-facing k (0 otherwise), so A = E^T G E with G = W^T M W the Gram matrix of psi (W: nodal
# values of psi, square; W^{-1} y = (kinks D y, y_0, (y_1 - y_0)/h_0) is banded). z = E c <=> C z = 0,
# C = [a^T, -1, 0; b^T, 0, -1], and A c = f is the KKT system G z + C^T mu = (f, 0, 0), C z = 0 whose
# multipliers are the moments mu = (int v, int (x - L) v) of the solution v. Given mu, the nodal
# values are y(mu) = M^{-1} W^{-T} (f - a mu_1 - b mu_2, mu_1, mu_2) (one tridiagonal solve, the
# data ``f - a mu_1 - b mu_2`` are the smooth values int r_k v at every node once mu is right) and
# the constraint defect d(mu) = C W^{-1} y(mu) is affine in mu with the 2 x 2 Jacobian -S,
# S = C G^{-1} C^T (from two solves at set-up). Newton from mu = 0: mu <- mu + S^{-1} d(mu). The
# pass at mu = 0 would be huge (the representers G^{-1} C^T oscillate with amplitude ~ n^4), but its
# defect is linear in f, d(0) = C G^{-1} (f, 0, 0) = K_U^T f with K_U = D M^{-1} W^{-T} C^T (the kink
# part of G^{-1} C^T, G symmetric), so the first Newton step costs two dot products; then two passes
# from (nearly) smooth data, the last (rounding-level) Newton step applied to the kinks as
# c - K_U dmu. Two passes are needed at n = 10^6 (one leaves a relative residual ~1e2).


@njit(cache=True)
def _nb_mixed_pass(
    ild: np.ndarray,
    ls: np.ndarray,
    ih: np.ndarray,
    tl: np.ndarray,
    tlc: np.ndarray,
    t0: float,
    left: np.ndarray,
    f: np.ndarray,
    mu1: float,
    mu2: float,
) -> tuple[np.ndarray, float, float]:
    """Kinks ``c = D y(mu)`` of ``y(mu) = M^{-1} W^{-T} g(mu)`` and the constraint defect ``C W^{-1} y``.

    ``g(mu) = (f_k - left_k (tl_k mu1 - mu2), mu1, mu2)``; M is the full P1 mass matrix on the nodes
    tau_0..tau_{m+1} with Cholesky factor (1/diag ``ild``, subdiagonal ``ls``), ``ih = 1/h``,
    ``tl_k = tau_k - L``. O(m), no temporaries beyond y and c.
    """
    m = f.shape[0]
    nodes = m + 2
    y = np.empty(nodes)
    prev = 0.0
    g0 = 0.0  # g_c at kinks j - 2, j - 1, j (shifted window)
    g1 = 0.0
    for j in range(nodes):
        g2 = 0.0
        if j < m:
            g2 = f[j] - (tl[j] * mu1 - mu2) if left[j] else f[j]
        # (W^{-T} g)_j: kink k = j + 1 (neuron j) weight 1/h_j, kink j (neuron j - 1) weight
        # -(1/h_{j-1} + 1/h_j), kink j - 1 (neuron j - 2) weight 1/h_{j-1}; plus the linear part
        u = g2 * ih[j] if j < m else 0.0
        if 1 <= j <= m:
            u -= g1 * (ih[j - 1] + ih[j])
        if j >= 2:
            u += g0 * ih[j - 1]
        if j == 0:
            u += mu1 - mu2 * ih[0]
        elif j == 1:
            u += mu2 * ih[0]
        if j > 0:
            u -= ls[j - 1] * prev
        prev = u * ild[j]
        y[j] = prev
        g0 = g1
        g1 = g2
    _nb_bidiag_back_solve(ild, ls, y)  # backward L^T y = y in place
    c = np.empty(m)
    s1 = 0.0
    s2 = 0.0
    for k in range(m):
        c[k] = (y[k + 2] - y[k + 1]) * ih[k + 1] - (y[k + 1] - y[k]) * ih[k]
        if left[k]:
            s1 += tlc[k] * c[k]
            s2 += c[k]
    slope0 = (y[1] - y[0]) * ih[0]
    return c, s1 - y[0] - t0 * slope0, -s2 - slope0


class _MixedMassCore:
    """Set-up (Cholesky of the full P1 mass matrix, S, K_U) and solve of the mixed-sign system."""

    newton = 2  # passes per solve after the first Newton step from mu = 0 (the last at rounding level)

    def __init__(self, tau: np.ndarray, signs: np.ndarray):
        h = np.diff(tau)
        m = len(signs)
        diag = np.empty(m + 2)
        diag[0], diag[-1] = h[0] / 3, h[-1] / 3
        diag[1:-1] = (h[:-1] + h[1:]) / 3
        ld, self.ls = _nb_tridiag_chol(diag, np.ascontiguousarray(h / 6))
        self.ild, self.ih = 1.0 / ld, 1.0 / h
        self.left = np.ascontiguousarray(signs < 0)
        self.tl = np.where(self.left, tau[1:-1] - tau[0], 0.0)
        # constraint rows T C, T = [[1, t0], [0, 1]], t0 = mean left-facing tau_k - L: the first row's
        # kink weights become tau_k - tau_ref, which decouples the rows (a single left-facing neuron
        # near R made the rows of S nearly parallel: residual 6e-10 at n = 200, now 4e-16); the
        # multipliers are mu = T^T nu
        self.t0 = float(np.mean(self.tl[self.left]))
        self.tlc = np.where(self.left, self.tl - self.t0, 0.0)
        zero = np.zeros(m)
        k1, s11, s21 = self._pass(zero, -1.0, -self.t0)  # G^{-1} C^T T^T e_1 = y(f = 0, mu = -T^T e_1)
        k2, s12, s22 = self._pass(zero, 0.0, -1.0)
        self.s = np.array([[s11, s12], [s21, s22]])
        if not (np.all(np.isfinite(self.s)) and np.linalg.det(self.s) != 0.0):
            raise np.linalg.LinAlgError(f"mixed-sign constraint Schur complement is singular: S = {self.s}")
        self.ku = np.stack([k1, k2], axis=1)

    def _pass(self, f: np.ndarray, mu1: float, mu2: float) -> tuple[np.ndarray, float, float]:
        return _nb_mixed_pass(self.ild, self.ls, self.ih, self.tl, self.tlc, self.t0, self.left, f, mu1, mu2)

    def solve(self, f: np.ndarray) -> np.ndarray:
        # the defect of the mu = 0 pass is linear in f: d(0) = C G^{-1} (f, 0, 0) = K_U^T f (G symmetric)
        tt = np.array([[1.0, 0.0], [self.t0, 1.0]])  # T^T
        dnu = np.linalg.solve(self.s, self.ku.T @ f)
        mu = tt @ dnu
        c = np.zeros(0)
        for _ in range(self.newton):
            c, d1, d2 = self._pass(f, float(mu[0]), float(mu[1]))
            dnu = np.linalg.solve(self.s, np.array([d1, d2]))
            mu += tt @ dnu
        out: np.ndarray = c - self.ku @ dnu
        return out
