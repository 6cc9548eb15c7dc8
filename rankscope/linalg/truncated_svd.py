"""Truncated-SVD least-squares solves and the training error as a function of the truncation position.

Paper 001 (Sec. 3.1, eq. 14-15, Fig. 3) solves the random-feature
system ``A a = f`` by a truncated SVD: with ``A = sum_i sigma_i u_i v_i^T`` and a truncation position
``P``, ``a_P = sum_{i <= P} v_i (u_i^T f) / sigma_i``. The relative training error
``||A a_P - f|| / ||f||`` against ``P`` shows the paper's four stages: equal for AD and FD while
``P`` is below the last shared singular value ``K`` (I), smaller for AD once ``P >= K`` (II), and
rising again past the effective cut-off number ``e_A(a)`` where round-off in ``1/sigma_i`` takes over
(III, IV). The residual is evaluated in floating point as ``A @ a_P - f`` -- in exact arithmetic it
would be ``||(I - U_P U_P^T) f||`` and could never rise -- so stages III/IV are round-off, as the
paper says ("computation errors").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rankscope._checks import as_matrix, as_vector, check_positive_int, describe
from rankscope.linalg.measures import cutoff_number
from rankscope.linalg.spectrum import Spectrum
from rankscope.linalg.types import MatrixLike, VectorLike

__all__ = ["TruncatedSolve", "TruncationCurve", "shared_count", "truncated_svd_solve", "truncation_curve"]


@dataclass(frozen=True)
class TruncatedSolve:
    """Result of one truncated-SVD solve.

    Attributes:
        coefficients: (M,) the solution ``a_P``.
        position: the truncation position P (number of singular triplets kept).
        relative_error: ``||A a_P - f|| / ||f||`` (eq. 15; Fig. 3(b)'s training error).
        singular_values: all singular values of ``A``, descending.
    """

    coefficients: np.ndarray
    position: int
    relative_error: float
    singular_values: np.ndarray


@dataclass(frozen=True)
class TruncationCurve:
    """Training error against the truncation position (paper 001 Fig. 3(b), 5(b), 6(b)).

    Attributes:
        positions: (K,) truncation positions P, ascending.
        errors: (K,) ``||A a_P - f|| / ||f||`` at each position.
        singular_values: singular values of ``A``, descending.
    """

    positions: np.ndarray
    errors: np.ndarray
    singular_values: np.ndarray

    def error_at(self, position: int) -> float:
        """The error at truncation position ``position`` (which must be on the curve)."""
        hit = np.flatnonzero(self.positions == position)
        if hit.size == 0:
            raise ValueError(
                f"position {position} is not on the curve; it has positions "
                f"{int(self.positions[0])}..{int(self.positions[-1])}"
            )
        return float(self.errors[hit[0]])


def _inputs(a: MatrixLike, f: VectorLike) -> tuple[np.ndarray, np.ndarray]:
    arr = as_matrix("a", a)
    rhs = as_vector("f", f)
    if rhs.shape[0] != arr.shape[0]:
        raise ValueError(f"f must have one entry per row of a ({arr.shape[0]}); got {describe(rhs)}")
    if arr.size == 0:
        raise ValueError(f"a must be non-empty; got {describe(arr)}")
    norm = float(np.linalg.norm(rhs))
    if norm == 0.0:
        raise ValueError("f must be nonzero: the relative error ||A a - f|| / ||f|| is undefined for f = 0")
    return arr, rhs


def truncated_svd_solve(
    a: MatrixLike, f: VectorLike, position: int | None = None, *, a_ratio: float | None = None
) -> TruncatedSolve:
    """Solve ``A a = f`` keeping the ``P`` largest singular triplets (paper 001 eq. 14).

    ``a_P = V_P diag(1/sigma_1..1/sigma_P) U_P^T f``. Give either ``position`` (P) or ``a_ratio``, in
    which case ``P = e_A(a_ratio)`` (the effective cut-off number, Def. 1); with neither, P is the
    full rank ``min(N, M)`` and the result is the least-squares solution ``lstsq`` returns.

    Args:
        a: (N, M) system matrix.
        f: (N,) right-hand side, nonzero.
        position: P in ``1..min(N, M)``.
        a_ratio: relative cut-off in (0, 1] (alternative to ``position``).

    Example:
        >>> r = truncated_svd_solve(np.diag([2.0, 1e-3]), np.array([2.0, 1.0]), 1)
        >>> r.coefficients.tolist(), round(r.relative_error, 6)
        ([1.0, 0.0], 0.447214)
    """
    arr, rhs = _inputs(a, f)
    u, s, vt = np.linalg.svd(arr, full_matrices=False)
    if position is not None and a_ratio is not None:
        raise ValueError(f"give position or a_ratio, not both; got position={position}, a_ratio={a_ratio}")
    if a_ratio is not None:
        p = cutoff_number(Spectrum(s, kind="svd", dtype="float64", shape=arr.shape), a_ratio)
        p = max(p, 1)
    elif position is None:
        p = s.size
    else:
        p = check_positive_int("position", position)
        if p > s.size:
            raise ValueError(f"position must be in 1..{s.size} (min(N, M)); got {position}")
    coef = vt[:p].T @ ((u[:, :p].T @ rhs) / s[:p])
    err = float(np.linalg.norm(arr @ coef - rhs) / np.linalg.norm(rhs))
    return TruncatedSolve(coef, int(p), err, s)


def truncation_curve(a: MatrixLike, f: VectorLike, positions: npt.ArrayLike | None = None) -> TruncationCurve:
    """``||A a_P - f|| / ||f||`` for every truncation position P (one SVD; paper 001 Fig. 3(b)).

    ``a_P`` are accumulated as partial sums of ``v_i (u_i^T f) / sigma_i`` and ``A a_P - f`` is
    evaluated explicitly in float64, so the round-off that makes the paper's stages III/IV is kept.

    Args:
        a: (N, M) system matrix.
        f: (N,) right-hand side, nonzero.
        positions: positions to evaluate (default all ``1..min(N, M)``).

    Example:
        >>> c = truncation_curve(np.diag([2.0, 1.0]), np.array([2.0, 1.0]))
        >>> np.round(c.errors, 6).tolist()
        [0.447214, 0.0]
    """
    arr, rhs = _inputs(a, f)
    u, s, vt = np.linalg.svd(arr, full_matrices=False)
    if positions is None:
        pos = np.arange(1, s.size + 1)
    else:
        pos = np.asarray(positions, dtype=np.int64).ravel()
        if pos.size == 0 or pos.min() < 1 or pos.max() > s.size:
            raise ValueError(f"positions must lie in 1..{s.size} (min(N, M)); got {describe(positions)}")
        pos = np.unique(pos)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        steps = vt.T * ((u.T @ rhs) / s)  # column i: v_i (u_i^T f) / sigma_i
        partial = np.cumsum(steps, axis=1)[:, pos - 1]
        resid = arr @ partial - rhs[:, None]
        errs = np.linalg.norm(resid, axis=0) / np.linalg.norm(rhs)
    return TruncationCurve(pos, np.where(np.isfinite(errs), errs, np.inf), s)


def shared_count(s1: VectorLike, s2: VectorLike, *, rtol: float = 0.05) -> int:
    """K: how many leading singular values of two spectra agree to ``rtol`` (paper 001 Fig. 3(a)).

    ``K = max{k : |s1_i - s2_i| <= rtol * s1_i for all i <= k}`` -- "the last similar singular value
    shared by A_AD and A_FD" that ends stage I of Fig. 3. Both spectra are sorted descending first.

    Example:
        >>> shared_count([3.0, 2.0, 1e-9], [3.01, 2.0, 1e-6])
        2
    """
    a = np.sort(np.abs(as_vector("s1", s1)))[::-1]
    b = np.sort(np.abs(as_vector("s2", s2)))[::-1]
    if a.shape != b.shape:
        raise ValueError(f"s1 and s2 must have the same length; got {a.size} and {b.size}")
    if not (0 < rtol):
        raise ValueError(f"rtol must be > 0; got {rtol!r}")
    ok = np.abs(a - b) <= rtol * a
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else int(a.size)
