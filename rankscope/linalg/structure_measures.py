"""Structure of SPD matrices: extreme eigenvalues, eigenvector frequency, off-diagonal ranks (paper 003).

Paper 003 (the bullets after "Some interesting matrix
analysis"): A and H are SPD but highly ill conditioned (1D uniform breakpoints: cond(A) grows like
``n^4`` -- the converted text's "1/n^4" is a conversion error, a condition number >= 1 cannot shrink
with n; cond(H) like ``n^2``), low/high frequency modes, and low-rank off-diagonal blocks (exactly in
1D, numerically in 2D/3D). Growth exponents of these measures (``cond ~ n^p``) are
:func:`rankscope.analysis.loglog_slope`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse.linalg import LinearOperator, eigsh

from rankscope._checks import as_matrix, check_positive_int, describe
from rankscope.linalg.structured.relu1d_common import IllConditionedWarning
from rankscope.linalg.types import MatrixLike

__all__ = [
    "OffDiagonalRanks",
    "eigenvector_sign_changes",
    "extreme_eigenvalues",
    "offdiagonal_ranks",
]


def extreme_eigenvalues(op: LinearOperator, *, tol: float = 1e-6, seed: int = 0) -> tuple[float, float]:
    """``(lambda_min, lambda_max)`` of an SPD operator with an O(n) ``matvec`` and ``solve``.

    ``lambda_max`` by Lanczos (``scipy.sparse.linalg.eigsh``) on ``matvec``; ``lambda_min`` as
    ``1 / lambda_max(A^{-1})`` by Lanczos on ``solve`` -- both extremes are then computed to a
    relative accuracy set by the operator, not by ``eps * lambda_max`` as in a dense ``eigvalsh``
    (which cannot resolve ``lambda_min`` once ``cond > 1/eps ~ 1e16``).

    Args:
        op: an ``n x n`` LinearOperator with a ``solve(f)`` method (e.g. ``ReluMassSolver1D``).
        tol: Lanczos tolerance (> 0).
        seed: seed of the start vector.
    """
    if not hasattr(op, "solve"):
        raise TypeError(f"op must be a LinearOperator with a solve(f) method; got {describe(op)}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0; got {tol!r}")
    n = op.shape[0]
    v0 = np.random.default_rng(seed).standard_normal(n)
    lmax = float(eigsh(op, k=1, which="LA", tol=tol, v0=v0, return_eigenvectors=False)[0])
    inv = LinearOperator(op.shape, matvec=op.solve, dtype=np.float64)
    with warnings.catch_warnings():
        # Lanczos on A^{-1} needs backward-stable solves, not small residuals: a system singular to
        # working precision (random breakpoints, large n) is exactly what lambda_min measures.
        warnings.simplefilter("ignore", IllConditionedWarning)
        lmax_inv = float(eigsh(inv, k=1, which="LA", tol=tol, v0=v0, return_eigenvectors=False)[0])
    return 1.0 / lmax_inv, lmax


def eigenvector_sign_changes(matrix: MatrixLike) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and the number of sign changes of each eigenvector.

    The sign-change count is a frequency measure of the eigenvector as a sequence over the neurons
    (in the given order, e.g. sorted by breakpoint): paper 003's "low and high frequency modes".
    Entries below ``1e-12 max |v|`` are ignored.
    """
    a = as_matrix("matrix", matrix, square=True)
    vals, vecs = np.linalg.eigh(a)
    counts = np.empty(a.shape[0], dtype=np.int64)
    for k in range(a.shape[0]):
        v = vecs[:, k]
        v = v[np.abs(v) > 1e-12 * np.max(np.abs(v))]
        counts[k] = int(np.sum(np.sign(v[1:]) != np.sign(v[:-1])))
    return vals, counts


@dataclass(frozen=True)
class OffDiagonalRanks:
    """Ranks of the off-diagonal blocks ``A[I, J]`` for contiguous blocks ``I`` of one size.

    Attributes:
        block_size: size of each block ``I``.
        tol: relative tolerance; rank = #{sigma > tol * sigma_1(A[I, J])}.
        ranks: (number of blocks,) int ranks.
        max_rank: the largest.
    """

    block_size: int
    tol: float
    ranks: np.ndarray
    max_rank: int


def offdiagonal_ranks(
    matrix: MatrixLike, block_size: int, tol: float, *, order: npt.ArrayLike | None = None
) -> OffDiagonalRanks:
    """Numerical ranks of the off-diagonal block rows of ``matrix`` (after reordering by ``order``).

    Blocks are consecutive index ranges ``I`` of length ``block_size`` (the last may be shorter); for
    each the larger of the ranks of ``A[I, J]`` with ``J`` all indices after ``I`` and with ``J`` all
    indices before ``I``, at relative tolerance ``tol`` (the HSS block row ``A[I, not I]`` has at
    most the sum of the two).
    In 1D with neurons sorted by breakpoint these are <= 2 (A) and <= 1 (H) for same signs and <= 4
    and <= 2 for mixed signs (paper 003, last bullet; the entries are affine in t_i for t_i <= t_j).

    Example:
        >>> a = np.minimum.outer(np.arange(1.0, 9.0), np.arange(1.0, 9.0))  # H for left-facing steps
        >>> offdiagonal_ranks(a, 4, 1e-12).max_rank
        1
    """
    a = as_matrix("matrix", matrix, square=True)
    b = check_positive_int("block_size", block_size)
    if not (isinstance(tol, (int, float)) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0; got {tol!r}")
    n = a.shape[0]
    if order is not None:
        idx = np.asarray(order)
        if sorted(idx.tolist()) != list(range(n)):
            raise ValueError(f"order must be a permutation of range({n}); got {describe(order)}")
        a = a[np.ix_(idx, idx)]
    ranks = []
    for start in range(0, n, b):
        stop = min(start + b, n)
        best = 0
        for blk in (a[start:stop, stop:], a[start:stop, :start]):
            if blk.size == 0:
                continue
            s = np.linalg.svd(blk, compute_uv=False)
            best = max(best, int(np.sum(s > tol * s[0])) if s[0] > 0 else 0)
        ranks.append(best)
    arr = np.asarray(ranks, dtype=np.int64)
    return OffDiagonalRanks(b, float(tol), arr, int(arr.max()) if arr.size else 0)
