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
* Mixed signs: ``v = v_P + v_Q`` (right- and left-facing parts) with local constraints (``v_P`` has no
  kink at left-facing nodes, ``v_Q`` none at right-facing ones, ``v_P = 0`` on ``[L, tau_1]``,
  ``v_Q = 0`` on ``[tau_m, R]``): a banded KKT system (4 unknowns per node) factored by LAPACK
  ``dgbtrf`` (LU with partial pivoting). Accurate at moderate n (n = 4000: residual ~1e-13), but it
  loses accuracy for large n (n = 10^5..10^6: wrong); ``solve`` then warns (see ``warn_residual``).

Like the banded inverse factorization of Cai, Doktorova, Falgout, Herrera (arXiv:2407.01496), the
second differences lose digits (one solve: residual ~1e-10..1e-6, growing with n), so ``solve``
follows with up to ``refine`` steps of iterative refinement ``c <- c + S(f - A c)``, the residual
from an O(n) matvec that never forms ``A`` (nodal values by prefix sums of slopes, ``y = M v``, then
``Phi^T y`` by prefix sums of mesh widths times tail sums of ``y``). Measured: same signs, residuals
match dense Cholesky at n = 4000 (~1e-15) and stay ~1e-12 at n = 10^6.

The Heaviside matrix is the same with piecewise constants: ``H = Psi^T diag(h) Psi``, jumps instead of
kinks and one constraint (``H^{-1}`` is tridiagonal for same-sign weights).

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
from scipy.linalg import cho_solve_banded, cholesky_banded, lapack
from scipy.sparse.linalg import LinearOperator

from rankscope._checks import _to_numpy, check_nonnegative, describe
from rankscope.relu.neurons import ShallowReLU, _indices_text
from rankscope.sampling.domains import as_box

__all__ = ["ReluHeavisideSolver1D", "ReluMassSolver1D", "a_norm", "backward_error", "relative_residual"]


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


# --- mixed signs: banded KKT system in (v_P, v_Q, multipliers), LU with partial pivoting ---------


def _kkt_factor(tau: np.ndarray, signs: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """LU (LAPACK dgbtrf) of the banded KKT matrix of the mixed-sign mass system.

    Unknowns per node k = 0..m+1: ``v_P(tau_k)``, ``v_Q(tau_k)`` (the right- and left-facing parts of
    v), a multiplier for the kink constraint and one for a boundary constraint. Constraints (all
    local): v_P has no kink at left-facing nodes and v_Q none at right-facing ones (scaled by
    ``hbar_k``); ``v_P(tau_0) = v_P(tau_1) = 0``; ``v_Q(tau_m) = v_Q(tau_{m+1}) = 0``. Stationarity:
    ``M (v_P + v_Q) + C^T lambda = D^T f``. Unused multiplier slots get identity rows.
    """
    m = len(signs)
    nodes = m + 2
    h = np.diff(tau)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def add(r: Any, c: Any, v: Any) -> None:
        r = np.atleast_1d(np.asarray(r))
        rows.append(r)
        cols.append(np.atleast_1d(np.asarray(c)))
        vals.append(np.broadcast_to(np.asarray(v, dtype=np.float64), r.shape).copy())

    k = np.arange(nodes)
    diag = np.empty(nodes)
    diag[0], diag[-1] = h[0] / 3, h[-1] / 3
    diag[1:-1] = (h[:-1] + h[1:]) / 3
    for a in (0, 1):
        for b in (0, 1):
            add(4 * k + a, 4 * k + b, diag)
            add(4 * k[:-1] + a, 4 * k[1:] + b, h / 6)
            add(4 * k[1:] + a, 4 * k[:-1] + b, h / 6)
    ki = np.arange(1, m + 1)
    scale = (h[:-1] + h[1:]) / 2
    slot = np.where(signs > 0, 1, 0)  # right-facing node: v_Q has no kink there; left-facing: v_P
    for node, coef in (
        (ki - 1, scale / h[:-1]),
        (ki, -scale * (1 / h[:-1] + 1 / h[1:])),
        (ki + 1, scale / h[1:]),
    ):
        add(4 * ki + 2, 4 * node + slot, coef)
        add(4 * node + slot, 4 * ki + 2, coef)
    add([2, 4 * (m + 1) + 2], [2, 4 * (m + 1) + 2], 1.0)
    hmean = float(np.mean(h))
    bnodes = np.array([0, 1, m, m + 1])
    bslots = np.array([0, 0, 1, 1])
    add(4 * bnodes + 3, 4 * bnodes + bslots, hmean)
    add(4 * bnodes + bslots, 4 * bnodes + 3, hmean)
    free = np.setdiff1d(k, bnodes)
    add(4 * free + 3, 4 * free + 3, 1.0)
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    kl = ku = int(np.max(np.abs(r - c)))
    ab = np.zeros((2 * kl + ku + 1, 4 * nodes))
    ab[kl + ku + r - c, c] = v  # every (row, column) pair occurs once
    lu, piv, info = lapack.dgbtrf(ab, kl, ku)
    if info != 0:
        raise np.linalg.LinAlgError(f"banded KKT factorization failed (dgbtrf info={info}): singular system")
    return lu, piv, kl, ku


def _kkt_solve(
    fac: tuple[np.ndarray, np.ndarray, int, int], h: np.ndarray, signs: np.ndarray, f: np.ndarray
) -> np.ndarray:
    lu, piv, kl, ku = fac
    m = len(signs)
    rhs = np.zeros(4 * (m + 2))
    slot = np.where(signs > 0, 0, 1)  # c_k is the kink of v_P (right-facing) or v_Q (left-facing)
    ki = np.arange(1, m + 1)
    np.add.at(rhs, 4 * (ki - 1) + slot, f / h[:-1])
    np.add.at(rhs, 4 * ki + slot, -f * (1 / h[:-1] + 1 / h[1:]))
    np.add.at(rhs, 4 * (ki + 1) + slot, f / h[1:])
    x, _info = lapack.dgbtrs(lu, kl, ku, rhs[:, None], piv)
    x = x[:, 0]
    kp = np.diff(np.diff(x[0::4]) / h)
    kq = np.diff(np.diff(x[1::4]) / h)
    return np.where(signs > 0, kp, kq)


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
            self._norm_inf = float(np.max(self._sorted_matvec(np.ones(self.shape[0]))))
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
        if self.refine:
            res = fs - self._sorted_matvec(cs)
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
        r = fs - self._sorted_matvec(cs)
        fnorm = float(np.linalg.norm(fs))
        self.last_residual = float(np.linalg.norm(r)) / fnorm if fnorm > 0 else 0.0
        denom = self.norm_inf * float(np.max(np.abs(cs))) + float(np.max(np.abs(fs)))
        self.last_backward_error = float(np.max(np.abs(r))) / denom if denom > 0 else 0.0
        # (a relative residual above 1 is worse than c = 0: useless whatever the backward error)
        if not (self.last_backward_error <= self.warn_backward_error and self.last_residual <= 1.0):
            warnings.warn(
                f"{type(self).__name__}.solve: backward error {self.last_backward_error:.3e} (limit "
                f"warn_backward_error={self.warn_backward_error:g}), relative residual "
                f"{self.last_residual:.3e} (limit 1) (n = {self.shape[0]}, mixed signs: "
                f"{bool(np.ptp(self.signs) > 0)}); the structured solve is inaccurate here (the mixed-sign "
                "KKT solve loses accuracy for large n): do not trust the result",
                RuntimeWarning,
                stacklevel=2,
            )
        out = np.empty_like(cs)
        out[self._order] = cs
        return out


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
            self._kkt = _kkt_factor(self.tau, self.signs)
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
            return _kkt_solve(self._kkt, self.h, self.signs, f)
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

    def _core_matvec(self, cs: np.ndarray) -> np.ndarray:
        return _nb_mass_matvec(self.h, self.signs > 0, np.ascontiguousarray(cs))

    def _sorted_matvec(self, cs: np.ndarray) -> np.ndarray:
        if self.m == self.shape[0]:
            return self._a * self._core_matvec(self._a * cs)
        # merged clusters: exact breakpoints of the original neurons matter only to rounding
        ck = np.bincount(self._cluster, weights=self._a * cs, minlength=self.m)
        return self._a * self._core_matvec(ck)[self._cluster]


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

    def _setup(self) -> None:
        neg = self.signs < 0
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
        y = f / self.signs
        g0 = np.zeros(self.m + 1)
        g0[1:] += y
        g0[:-1] -= y
        x0 = g0 / self.h
        mu = -float(self._ncol @ x0) / self._schur
        w = x0 + mu * self._minv_n
        return self.signs * np.diff(w)

    def _core_matvec(self, cs: np.ndarray) -> np.ndarray:
        pos = self.signs > 0
        w = np.concatenate([[0.0], np.cumsum(np.where(pos, cs, 0.0))])
        w[:-1] += _rev_cumsum(np.where(pos, 0.0, cs))
        y = self.h * w
        tail = _rev_cumsum(y)  # cells >= k
        head = np.cumsum(y)  # cells <= k
        return np.where(pos, tail[1:], head[:-1])

    def _sorted_matvec(self, cs: np.ndarray) -> np.ndarray:
        ck = np.bincount(self._cluster, weights=cs, minlength=self.m)
        return self._core_matvec(ck)[self._cluster]


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
