"""O(n) direct solvers for the 1D ReLU mass matrix ``A`` and Heaviside matrix ``H`` (paper 003).

Paper 003 (/work/shared/papers/003_d27251787f0ed572.txt, last bullet: "offdiagonal blocks ... are low
rank (the 1D case) ... feasible to design fast and stable direct solvers"). Structure used: sort the
neurons by breakpoint ``tau_1 < ... < tau_m`` and add the domain ends ``tau_0 = L``,
``tau_{m+1} = R``. Every (unit-scaled) neuron ``psi_k = relu(s_k (x - tau_k))`` is a continuous
piecewise-linear finite-element function on this mesh with slope jump (kink) 1 at ``tau_k``, so
with ``Phi`` its nodal values and ``M`` the tridiagonal P1 mass matrix (diagonal ``(h_{k-1}+h_k)/3``,
off-diagonal ``h_k/6``) ``A = Phi^T M Phi``.

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

The Heaviside matrix is the same with piecewise constants: ``H = Psi^T diag(h) Psi``, jumps instead of
kinks and one constraint (``H^{-1}`` is tridiagonal for same-sign weights); for mixed signs the same
reflection, one multiplier ``int v`` found by Newton, and compensated sums in the matvec.

Near-duplicate breakpoints (same sign, gap <= ``merge_tol (R - L)``) make A and H numerically
singular; they are merged into one neuron and its coefficient is split by the minimum-norm rule,
with a ``RuntimeWarning`` naming the neurons. Zero weights, breakpoints at or outside the domain
(dead or linear neurons) and coincident breakpoints of opposite signs raise ``ValueError`` (use the
dense :func:`rankscope.relu.matrices.mass_matrix` for those).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numba import njit
from scipy.linalg import cho_solve_banded, cholesky_banded
from scipy.sparse.linalg import LinearOperator

from rankscope._checks import _to_numpy, check_nonnegative, describe
from rankscope.relu.neurons import ShallowReLU, _indices_text
from rankscope.sampling.domains import as_box

__all__ = [
    "IllConditionedWarning",
    "ReluHeavisideSolver1D",
    "ReluMassSolver1D",
    "a_norm",
    "backward_error",
    "relative_residual",
]


def _rev_cumsum(x: np.ndarray) -> np.ndarray:
    return np.cumsum(x[::-1])[::-1]


# --- same signs: square FE factorization A = Phi_s^T M_s Phi_s, Phi_s^{-1} = D (banded) -------------


def _square_factor(h: np.ndarray) -> np.ndarray:
    """Banded Cholesky of the P1 mass matrix on nodes tau_2..tau_{m+1} (v vanishes on [L, tau_1])."""
    m = len(h) - 1
    diag = np.empty(m)
    diag[:-1] = (h[1:-1] + h[2:]) / 3
    diag[-1] = h[-1] / 3
    banded = np.zeros((2, m))
    banded[0, 1:] = h[2:] / 6
    banded[1] = diag
    return cholesky_banded(banded, lower=False)


def _kinks(h: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``D u``: slope jumps at tau_1..tau_m of the FE function with values (0, 0, u) at tau_0..tau_{m+1}."""
    v = np.concatenate([[0.0, 0.0], u])
    return np.diff(np.diff(v) / h)


def _kinks_transpose(h: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``D^T c`` restricted to nodes tau_2..tau_{m+1}."""
    z = np.zeros(len(c) + 2)
    z[2:] += c / h[1:]
    z[1:-1] -= c * (1.0 / h[1:] + 1.0 / h[:-1])
    z[:-2] += c / h[:-1]
    return z[2:]


def _square_solve(chol: np.ndarray, h: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``A^{-1} f = D M_s^{-1} D^T f`` for right-facing unit neurons at tau_1 < ... < tau_m."""
    return _kinks(h, cho_solve_banded((chol, False), _kinks_transpose(h, f)))


@njit(cache=True)
def _nb_tridiag_chol(diag: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cholesky ``T = L L^T`` of an SPD tridiagonal matrix: L's diagonal and subdiagonal."""
    m = diag.shape[0]
    ld = np.empty(m)
    ls = np.empty(max(m - 1, 0))
    ld[0] = np.sqrt(diag[0])
    for i in range(1, m):
        ls[i - 1] = off[i - 1] / ld[i - 1]
        ld[i] = np.sqrt(diag[i] - ls[i - 1] * ls[i - 1])
    return ld, ls


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
    u = y  # backward L^T u = y in place
    u[m - 1] = y[m - 1] * ild[m - 1]
    for i in range(m - 2, -1, -1):
        u[i] = (y[i] - ls[i] * u[i + 1]) * ild[i]
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


# --- compensated matvec (mixed signs) -------------------------------------------------------------
#
# The refinement needs residuals f - A c accurate to ~eps ||A|| ||c||. With mixed signs the plain
# prefix-sum matvec is not enough: its rounding errors accumulate along the sweeps into smooth
# drifts that differ between right-facing (tail sums) and left-facing (head sums) rows, an
# alternating error pattern to which A^{-1} is most sensitive (n = 10^5: relative residual stalls at
# 1e-9 and ||c|| grows 100x). Every running sum below is kept as an unevaluated pair (hi, lo)
# (Knuth's TwoSum; each product is rounded once, which does not accumulate), which removes the
# drift (n = 10^5: 1e-13; n = 10^6: 1e-9 instead of stalling at 1e-4).


@njit(cache=True, inline="always")
def _two_sum(a: float, b: float) -> tuple[float, float]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(cache=True, inline="always")
def _two_prod(a: float, b: float) -> tuple[float, float]:
    """Exact product ``a b = p + e`` (Dekker splitting; no FMA needed)."""
    p = a * b
    sp = 134217729.0
    t = sp * a
    ah = t - (t - a)
    al = a - ah
    t = sp * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True, inline="always")
def _dd_add(ah: float, al: float, bh: float, bl: float) -> tuple[float, float]:
    s, e = _two_sum(ah, bh)
    e += al + bl
    return _two_sum(s, e)


@njit(cache=True, inline="always")
def _dd_mul_d(ah: float, al: float, b: float) -> tuple[float, float]:
    return _two_sum(ah * b, al * b)


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
            sh, sl = _dd_add(sh, sl, -cs[k], 0.0)
            ph, pl = _two_prod(tl[k], cs[k])
            vh, vl = _dd_add(vh, vl, ph, pl)
    v_hi = np.empty(nodes)
    v_lo = np.empty(nodes)
    v_hi[0], v_lo[0] = vh, vl
    for j in range(nodes - 1):
        if j >= 1:
            sh, sl = _dd_add(sh, sl, cs[j - 1], 0.0)
        ph, pl = _dd_mul_d(sh, sl, h[j])
        vh, vl = _dd_add(vh, vl, ph, pl)
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
        th, tlo = _dd_add(th, tlo, y[j + 1], 0.0)
        ph, pl = _dd_mul_d(th, tlo, h[j])
        gh, gl = _dd_add(gh, gl, ph, pl)
        if not left[j - 1]:
            out[j - 1] = gh + gl
    th, tlo, gh, gl = 0.0, 0.0, 0.0, 0.0
    for j in range(1, nodes - 1):
        th, tlo = _dd_add(th, tlo, y[j - 1], 0.0)
        ph, pl = _dd_mul_d(th, tlo, h[j - 1])
        gh, gl = _dd_add(gh, gl, ph, pl)
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
    y[nodes - 1] = y[nodes - 1] * ild[nodes - 1]
    for i in range(nodes - 2, -1, -1):
        y[i] = (y[i] - ls[i] * y[i + 1]) * ild[i]
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
        return c - self.ku @ dnu


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
            wh, wl = _dd_add(wh, wl, cs[k], 0.0)
    y = np.empty(cells)
    y[0] = h[0] * (wh + wl)
    for j in range(1, cells):
        wh, wl = _dd_add(wh, wl, -cs[j - 1] if left[j - 1] else cs[j - 1], 0.0)
        y[j] = h[j] * (wh + wl)
    out = np.empty(m)
    th, tl = 0.0, 0.0
    for j in range(m, 0, -1):
        th, tl = _dd_add(th, tl, y[j], 0.0)
        if not left[j - 1]:
            out[j - 1] = th + tl
    th, tl = 0.0, 0.0
    for j in range(m):
        th, tl = _dd_add(th, tl, y[j], 0.0)
        if left[j]:
            out[j] = th + tl
    return out


class _Solver1D(LinearOperator):
    """Shared set-up: validation, sorting, merging of near-duplicate breakpoints."""

    _scale_power = 1  # merged representative: psi = relu(s(x - t)) (mass) or h(s(x - t)) (heaviside)

    def __init__(
        self,
        net: ShallowReLU,
        domain: Any = (0.0, 1.0),
        *,
        merge_tol: float = 1e-12,
        refine: int = 3,
        warn_backward_error: float = 1e-10,
        warn_residual: float = 1e-6,
    ):
        if not isinstance(net, ShallowReLU):
            raise TypeError(f"net must be a ShallowReLU; got {describe(net)}")
        if net.dim != 1:
            raise ValueError(f"net must be 1D (dim 1) for a 1D solver; got dim {net.dim}")
        box = as_box(domain)
        if box.dim != 1:
            raise ValueError(f"domain must be 1D; got {box}")
        tol = check_nonnegative("merge_tol", merge_tol)
        if tol <= 0:
            raise ValueError(
                f"merge_tol must be > 0 (relative gap below which breakpoints merge); got {merge_tol!r}"
            )
        if isinstance(refine, bool) or not isinstance(refine, (int, np.integer)) or refine < 0:
            raise ValueError(f"refine must be an integer >= 0 (iterative refinement steps); got {refine!r}")
        self.refine = int(refine)
        wr = check_nonnegative("warn_backward_error", warn_backward_error)
        if wr <= 0:
            raise ValueError(f"warn_backward_error must be > 0; got {warn_backward_error!r}")
        self.warn_backward_error = wr
        wres = check_nonnegative("warn_residual", warn_residual)
        if wres <= 0:
            raise ValueError(f"warn_residual must be > 0; got {warn_residual!r}")
        self.warn_residual = wres
        self.last_residual = float("nan")
        self.last_backward_error = float("nan")
        self._norm_inf: float | None = None
        self.low, self.high = float(box.lows[0]), float(box.highs[0])
        w = net.weights[:, 0]
        zero = np.flatnonzero(w == 0)
        if zero.size:
            raise ValueError(
                f"net has zero weights at neurons {_indices_text(zero)}: a neuron with w = 0 is the constant "
                "relu(b), not a ridge function; the 1D structured solver needs w != 0 (use mass_matrix)"
            )
        t = net.breakpoints()
        outside = np.flatnonzero((t <= self.low) | (t >= self.high))
        if outside.size:
            raise ValueError(
                f"neurons {_indices_text(outside)} have breakpoints at or outside the domain "
                f"[{self.low}, {self.high}]: each is dead or linear there (A, H singular or without kink); "
                "remove them or use the dense mass_matrix"
            )
        n = net.n
        s = np.sign(w)
        order = np.argsort(t, kind="stable")
        ts, ss = t[order], s[order]
        gap = np.diff(ts) <= tol * (self.high - self.low)
        if np.any(gap & (ss[1:] != ss[:-1])):
            k = int(np.flatnonzero(gap & (ss[1:] != ss[:-1]))[0])
            raise ValueError(
                f"neurons {int(order[k])} and {int(order[k + 1])} have coincident breakpoints "
                f"({ts[k]!r}, {ts[k + 1]!r}) with opposite signs; the structured solver cannot merge them: "
                "perturb one breakpoint or use the dense mass_matrix"
            )
        start = np.concatenate([[True], ~gap])
        cluster = np.cumsum(start) - 1  # cluster id of each sorted neuron
        m = int(cluster[-1]) + 1
        if m < n:
            merged = np.sort(order[np.concatenate([gap, [False]]) | np.concatenate([[False], gap])])
            warnings.warn(
                f"neurons {_indices_text(merged)} have near-duplicate breakpoints (gap <= merge_tol * "
                f"(R - L) = {tol * (self.high - self.low):.3g}) and equal signs, making the matrix singular; "
                f"merged them into {n - m} fewer neurons (coefficients split by the minimum-norm rule)",
                RuntimeWarning,
                stacklevel=3,
            )
        firsts = np.flatnonzero(start)
        a = np.abs(w[order]) if self._scale_power else np.ones(n)
        self._order, self._cluster, self._a = order, cluster, a
        self._a2sum = np.bincount(cluster, weights=a * a, minlength=m)
        self.m = m
        self.tau = np.concatenate([[self.low], ts[firsts], [self.high]])
        self.h = np.diff(self.tau)
        self.signs = ss[firsts]
        self._orig_tau = ts
        self._orig_sign = ss
        super().__init__(dtype=np.float64, shape=(n, n))
        self._setup()

    # --- reduced (sorted, merged, unit-scale) core: implemented by subclasses ---------------------
    def _setup(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _core_solve(self, f: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- exact operator on the original neurons ---------------------------------------------------
    def _sorted_matvec(self, cs: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sorted_norm_matvec(self, cs: np.ndarray) -> np.ndarray:
        """``A C`` for ``C >= 0`` (no cancellation: the plain sweeps are accurate); for ``norm_inf``."""
        return self._sorted_matvec(cs)

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        out = np.empty(self.shape[0])
        out[self._order] = self._sorted_matvec(x[self._order])
        return out

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        return self._matvec(x)

    def _adjoint(self) -> LinearOperator:
        return self

    @property
    def norm_inf(self) -> float:
        """``||A||_inf = max_i (A 1)_i`` (every entry of A and H is >= 0), computed once in O(n)."""
        if self._norm_inf is None:
            self._norm_inf = float(np.max(self._sorted_norm_matvec(np.ones(self.shape[0]))))
        return self._norm_inf

    def _check_rhs(self, f: Any) -> np.ndarray:
        arr = _to_numpy("f", f)
        if arr.shape != (self.shape[0],):
            raise ValueError(f"f must have shape ({self.shape[0]},); got {describe(arr)}")
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(f"f must be finite; entries {_indices_text(bad)} are NaN or Inf")
        return arr

    def _solve_sorted(self, fs: np.ndarray) -> np.ndarray:
        if self.m == self.shape[0]:
            return self._core_solve(fs / self._a) / self._a
        # reduce: F_k = sum a_i f_i / sum a_i^2 ; expand: c_i = a_i C_k / sum a_i^2
        fk = np.bincount(self._cluster, weights=self._a * fs, minlength=self.m) / self._a2sum
        ck = self._core_solve(fk)
        return self._a * ck[self._cluster] / self._a2sum[self._cluster]

    def solve(self, f: Any) -> np.ndarray:
        """Solve ``A c = f`` (or ``H c = f``) in O(n) time and memory; returns c, shape (n,).

        After the direct solve, up to ``refine`` steps of iterative refinement against the O(n)
        matvec; the iterate with the smallest residual is kept (refinement stops when the
        residual no longer halves).
        """
        fs = self._check_rhs(f)[self._order]
        cs = self._solve_sorted(fs)
        res = fs - self._sorted_matvec(cs)
        if self.refine:
            rnorm = float(np.linalg.norm(res))
            for _ in range(self.refine):
                trial = cs + self._solve_sorted(res)
                tres = fs - self._sorted_matvec(trial)
                tnorm = float(np.linalg.norm(tres))
                if not tnorm < rnorm:
                    break
                cs, res, done = trial, tres, tnorm > 0.5 * rnorm
                rnorm = tnorm
                if done:
                    break
        # Guard against a silently wrong solve: the normwise backward error from the O(n) matvec,
        # ||f - A c||_inf / (||A||_inf ||c||_inf + ||f||_inf), with ||A||_inf = max(A 1) as A >= 0.
        r = res
        fnorm = float(np.linalg.norm(fs))
        self.last_residual = float(np.linalg.norm(r)) / fnorm if fnorm > 0 else 0.0
        denom = self.norm_inf * float(np.max(np.abs(cs))) + float(np.max(np.abs(fs)))
        self.last_backward_error = float(np.max(np.abs(r))) / denom if denom > 0 else 0.0
        # A large backward error means the solver failed. A tiny backward error with a large relative
        # residual means the system is singular to working precision (near-duplicate breakpoints: |c|
        # grows until ||f - A c|| / ||f||, what a user fits by, is poor even for a backward-stable solve).
        where = f"(n = {self.shape[0]}, mixed signs: {bool(np.ptp(self.signs) > 0)})"
        if not self.last_backward_error <= self.warn_backward_error:
            warnings.warn(
                f"{type(self).__name__}.solve: backward error {self.last_backward_error:.3e} (limit "
                f"warn_backward_error={self.warn_backward_error:g}), relative residual "
                f"{self.last_residual:.3e} {where}; the structured solve is inaccurate here: do not trust "
                "the result",
                RuntimeWarning,
                stacklevel=2,
            )
        elif not self.last_residual <= self.warn_residual:
            warnings.warn(
                f"{type(self).__name__}.solve: relative residual {self.last_residual:.3e} (limit "
                f"warn_residual={self.warn_residual:g}) with backward error {self.last_backward_error:.1e} "
                f"{where}: the system is singular to working precision (typically tiny gaps between "
                "breakpoints; a larger merge_tol merges them), so c and the fit are not determined",
                IllConditionedWarning,
                stacklevel=2,
            )
        out = np.empty_like(cs)
        out[self._order] = cs
        return out


class IllConditionedWarning(RuntimeWarning):
    """A backward-stable 1D solve whose system is singular to working precision (residual too large)."""


class ReluMassSolver1D(_Solver1D):
    """The 1D mass matrix ``A_ij = int_L^R relu_i relu_j dx`` as an O(n) LinearOperator with ``solve``.

    ``matvec`` is exact up to rounding without forming A; ``solve`` is the FE/banded direct solve
    plus ``refine`` steps of iterative refinement (module docstring). Any signs; neurons in any order.

    Args:
        net: 1D :class:`ShallowReLU` with ``w != 0`` and breakpoints inside the domain.
        domain: ``Interval`` or ``(low, high)``.
        merge_tol: relative gap at or below which same-sign breakpoints are merged (> 0).
        refine: at most this many iterative refinement steps (default 3).
        warn_backward_error: ``solve`` warns when its normwise backward error exceeds this.
        warn_residual: ``solve`` also warns when its relative residual ``||f - A c|| / ||f||`` exceeds this.

    Example:
        >>> from rankscope.relu.neurons import uniform_breakpoints_1d
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
        return v_r + v_l

    def _core_matvec(self, cs: np.ndarray, plain: bool = False) -> np.ndarray:
        if self._mixed and not plain:
            core = self._mixed_core
            return _nb_mass_matvec_dd(self.h, core.tl, core.left, np.ascontiguousarray(cs))
        return _nb_mass_matvec(self.h, self.signs > 0, np.ascontiguousarray(cs))

    def _sorted_matvec(self, cs: np.ndarray, plain: bool = False) -> np.ndarray:
        if self.m == self.shape[0]:
            return self._a * self._core_matvec(self._a * cs, plain)
        # merged clusters: exact breakpoints of the original neurons matter only to rounding
        ck = np.bincount(self._cluster, weights=self._a * cs, minlength=self.m)
        return self._a * self._core_matvec(ck, plain)[self._cluster]

    def _sorted_norm_matvec(self, cs: np.ndarray) -> np.ndarray:
        return self._sorted_matvec(cs, plain=True)


class ReluHeavisideSolver1D(_Solver1D):
    """The 1D Heaviside Gauss-Newton matrix ``H_ij = int_L^R h_i h_j dx`` as an O(n) LinearOperator.

    ``H = Psi^T diag(h) Psi`` with ``Psi`` the cell values of the steps; ``solve`` uses the jump
    functionals (first differences) and one constraint, then ``refine`` refinement steps.

    Example:
        >>> from rankscope.relu.neurons import uniform_breakpoints_1d
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
        return self.signs * np.diff(w)

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
        return self._core_matvec(ck, plain)[self._cluster]

    def _sorted_norm_matvec(self, cs: np.ndarray) -> np.ndarray:
        return self._sorted_matvec(cs, plain=True)


def relative_residual(op: Any, c: np.ndarray, f: np.ndarray) -> float:
    """The relative residual ``||f - A c||_2 / ||f||_2`` (A applied by ``op @ c``)."""
    r = np.asarray(f) - op @ np.asarray(c)
    return float(np.linalg.norm(r) / np.linalg.norm(f))


def a_norm(op: Any, e: np.ndarray) -> float:
    """``sqrt(e^T A e)``: the L2 norm of the function ``sum_i e_i relu_i`` (fitted-function error)."""
    e = np.asarray(e, dtype=np.float64)
    return float(np.sqrt(max(float(e @ (op @ e)), 0.0)))


def backward_error(op: Any, c: np.ndarray, f: np.ndarray) -> float:
    """Normwise backward error ``||f - A c||_inf / (||A||_inf ||c||_inf + ||f||_inf)`` with the
    exact ``||A||_inf = max(A 1)`` (A, H >= 0 entrywise). Dense Cholesky gives ~n eps or less."""
    c, f = np.asarray(c, dtype=np.float64), np.asarray(f, dtype=np.float64)
    r = f - op @ c
    norm = float(np.max(op @ np.ones(len(c))))
    return float(np.max(np.abs(r)) / (norm * np.max(np.abs(c)) + np.max(np.abs(f))))
