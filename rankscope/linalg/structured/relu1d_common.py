"""Shared set-up of the O(n) direct solvers for the 1D ReLU mass and Heaviside matrices (paper 003).

Paper 003 (last bullet: "offdiagonal blocks ... are low
rank (the 1D case) ... feasible to design fast and stable direct solvers"). Structure used: sort the
neurons by breakpoint ``tau_1 < ... < tau_m`` and add the domain ends ``tau_0 = L``,
``tau_{m+1} = R``. Every (unit-scaled) neuron ``psi_k = relu(s_k (x - tau_k))`` is a continuous
piecewise-linear finite-element function on this mesh with slope jump (kink) 1 at ``tau_k``; the
Heaviside steps ``h(s_k (x - tau_k))`` are piecewise constants on it. The solvers are
:class:`~rankscope.linalg.structured.relu1d_mass.ReluMassSolver1D` (A) and
:class:`~rankscope.linalg.structured.relu1d_heaviside.ReluHeavisideSolver1D` (H); this module holds
their base class (validation, sorting, merging, the iterative refinement of ``solve`` and its accuracy
guard), the tridiagonal Cholesky kernel and :class:`IllConditionedWarning`.

Near-duplicate breakpoints (same sign, gap <= ``merge_tol (R - L)``) make A and H numerically
singular; they are merged into one neuron and its coefficient is split by the minimum-norm rule,
with a ``RuntimeWarning`` naming the neurons. Zero weights, breakpoints at or outside the domain
(dead or linear neurons) and coincident breakpoints of opposite signs raise ``ValueError`` (use the
dense :func:`rankscope.matrices.mass_matrix` for those).

The neurons and the domain are read structurally (:mod:`rankscope.linalg.structured._inputs`): a
:class:`rankscope.nets.ShallowReLU` and an :class:`rankscope.sampling.Interval` or ``(low, high)``.
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import njit
from scipy.sparse.linalg import LinearOperator

from rankscope._checks import _to_numpy, check_nonnegative, describe
from rankscope.linalg.structured._inputs import DomainLike, Neurons, box_bounds, indices_text, neuron_arrays
from rankscope.linalg.types import VectorLike

__all__ = ["IllConditionedWarning"]


def _rev_cumsum(x: np.ndarray) -> np.ndarray:
    return np.cumsum(x[::-1])[::-1]


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
def _nb_bidiag_back_solve(ild: np.ndarray, ls: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``L^T x = y`` in place (``y`` is overwritten with ``x`` and returned) for the bidiagonal
    Cholesky factor L of :func:`_nb_tridiag_chol`, given as ``ild = 1 / diag(L)`` and ``ls``."""
    m = y.shape[0]
    y[m - 1] = y[m - 1] * ild[m - 1]
    for i in range(m - 2, -1, -1):
        y[i] = (y[i] - ls[i] * y[i + 1]) * ild[i]
    return y


class IllConditionedWarning(RuntimeWarning):
    """A backward-stable 1D solve whose system is singular to working precision (residual too large)."""


class _Solver1D(LinearOperator):  # type: ignore[misc]  # scipy has no stubs: LinearOperator is Any
    """Shared set-up: validation, sorting, merging of near-duplicate breakpoints."""

    _scale_power = 1  # merged representative: psi = relu(s(x - t)) (mass) or h(s(x - t)) (heaviside)

    def __init__(
        self,
        net: Neurons,
        domain: DomainLike = (0.0, 1.0),
        *,
        merge_tol: float = 1e-12,
        refine: int = 3,
        warn_backward_error: float = 1e-10,
        warn_residual: float = 1e-6,
    ):
        weights, biases = neuron_arrays("net", net)
        if weights.shape[1] != 1:
            raise ValueError(f"net must be 1D (dim 1) for a 1D solver; got dim {weights.shape[1]}")
        lows, highs = box_bounds(domain)
        if len(lows) != 1:
            raise ValueError(f"domain must be 1D; got {describe(domain)}")
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
        self.low, self.high = float(lows[0]), float(highs[0])
        w = weights[:, 0]
        zero = np.flatnonzero(w == 0)
        if zero.size:
            raise ValueError(
                f"net has zero weights at neurons {indices_text(zero)}: a neuron with w = 0 is the constant "
                "relu(b), not a ridge function; the 1D structured solver needs w != 0 (use mass_matrix)"
            )
        t = -biases / w  # breakpoints (every w != 0 here)
        outside = np.flatnonzero((t <= self.low) | (t >= self.high))
        if outside.size:
            raise ValueError(
                f"neurons {indices_text(outside)} have breakpoints at or outside the domain "
                f"[{self.low}, {self.high}]: each is dead or linear there (A, H singular or without kink); "
                "remove them or use the dense mass_matrix"
            )
        n = w.shape[0]
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
                f"neurons {indices_text(merged)} have near-duplicate breakpoints (gap <= merge_tol * "
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

    def _check_rhs(self, f: VectorLike) -> np.ndarray:
        arr = _to_numpy("f", f)
        if arr.shape != (self.shape[0],):
            raise ValueError(f"f must have shape ({self.shape[0]},); got {describe(arr)}")
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(f"f must be finite; entries {indices_text(bad)} are NaN or Inf")
        return arr

    def _solve_sorted(self, fs: np.ndarray) -> np.ndarray:
        if self.m == self.shape[0]:
            return self._core_solve(fs / self._a) / self._a
        # reduce: F_k = sum a_i f_i / sum a_i^2 ; expand: c_i = a_i C_k / sum a_i^2
        fk = np.bincount(self._cluster, weights=self._a * fs, minlength=self.m) / self._a2sum
        ck = self._core_solve(fk)
        out: np.ndarray = self._a * ck[self._cluster] / self._a2sum[self._cluster]
        return out

    def solve(self, f: VectorLike) -> np.ndarray:
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
