"""Robust HSS-type structured Cholesky factor of an SPD matrix, used as a CG preconditioner.

Paper 003 (last bullet of the analysis list): the ReLU
mass matrix ``A_ij = <relu_i, relu_j>`` has numerically low-rank off-diagonal blocks in 2D/3D, which
makes fast structured solvers feasible. Its HSS ranks grow quickly as the tolerance shrinks, so the
compressed factor is used as a preconditioner for conjugate gradients
(:func:`rankscope.linalg.structured.pcg.pcg`), which then solves to full accuracy.

Algorithm (a simpler robust variant of Xia & Gu, "Robust approximate Cholesky factorization of
rank-structured symmetric positive definite matrices", SIMAX 2010, "scale, then compress"). At one
level of a binary cluster tree the index set is cut into contiguous blocks ``i`` (the leaves first):

1. ``M_ii = L_i L_i^T`` (dense Cholesky of each diagonal block); ``D = diag(L_i)``.
2. The *scaled* matrix ``S = D^{-1} M D^{-T}`` has identity diagonal blocks. For each block row, a
   randomized sketch (one BLAS-3 product for all blocks at once) gives an orthonormal basis
   ``U_i = [Q_i, Q_i^perp]`` from its SVD; ``Q_i`` keeps the directions above ``tol`` (at most
   ``rank`` of them). ``criterion="onesided"`` (default, Xia & Gu's choice) sketches
   ``L_i^{-1} M_{i,rest} Omega`` and keeps singular values above ``tol`` times the largest over the
   level; ``criterion="scaled"`` sketches ``(S - I)_{i,:} Omega`` (two-sided scaling; singular values
   are cosines of principal angles, estimated as ``sigma_j(Y_i)/sqrt(k)``) with the absolute ``tol``.
   Both give the same column space; only the truncation differs. Measured on 2D ReLU mass matrices
   the two-sided cosines decay slowly (near-full ranks at ``tol = 1e-2``), so the one-sided rule is
   the default.
3. The off-diagonal part is replaced by its two-sided projection: with ``P = diag(Q_i Q_i^T)``,

       S~ = (I - P) + P S P = U diag(I, S_1) U^T,   S_1 = Q^T S Q   (exact, identity diagonal blocks).

   For any bases ``Q_i``, ``x^T S~ x = |(I-P)x|^2 + (Px)^T S (Px) > 0``: the approximant is SPD at
   *every* tolerance, because the dropped part is removed symmetrically and the Schur complement of the
   eliminated directions ``Q_i^perp`` (identity blocks, decoupled) is a compression of ``S`` itself —
   this is the Schur-complement compensation of Xia & Gu. ``S_1`` is formed exactly from ``M``.
4. Recurse on ``S_1`` with sibling blocks merged (the next level of the tree), down to one root block,
   which is factored densely.

The approximant is ``A~ = F F^T`` with ``F = D U diag(I, F_1)`` (orthogonal ``U``, lower-triangular
``L``: a ULV-type factor), and ``A~^{-1} b`` costs ``O(n m)`` per level (two GEMMs per block with
the precomputed ``G_i = U_i^T L_i^{-1}``). ``A~`` keeps the leaf diagonal
blocks of ``A`` exactly. Differences from Xia & Gu (documented, the SPD guarantee is the same): the
compression is of the whole scaled off-diagonal block row at each level of the tree rather than of
the HSS generators, and the reduced matrices are formed densely from ``A`` (so input is a dense
matrix: a matvec-only operator is not supported). If a leaf block of ``A`` is numerically singular
its Cholesky is retried with a diagonal shift ``delta * trace/m`` (``delta`` = 1e-14, 1e-12, ...),
recorded in ``HSSCholesky.shifts``; the factor is then SPD but approximates ``A + shift``.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.linalg

from rankscope._checks import (
    as_matrix,
    check_choice,
    check_nonnegative,
    check_positive_int,
    check_symmetric,
)
from rankscope.linalg.structured._inputs import apply_ordering
from rankscope.linalg.structured.hss_factor import HSSCholesky, HSSLevel

__all__ = ["CRITERIA", "hss_cholesky"]

CRITERIA: tuple[str, ...] = ("onesided", "scaled")


def _chol_block(block: np.ndarray, shifts: list[float]) -> np.ndarray:
    try:
        return np.linalg.cholesky(block)
    except np.linalg.LinAlgError:
        scale = float(np.trace(block)) / block.shape[0]
        for delta in (1e-14, 1e-12, 1e-10, 1e-8, 1e-6):
            try:
                out = np.linalg.cholesky(block + delta * scale * np.eye(block.shape[0]))
            except np.linalg.LinAlgError:
                continue
            shifts.append(delta * scale)
            return out
        raise np.linalg.LinAlgError(
            f"a diagonal block of size {block.shape[0]} is not positive definite even after a shift of "
            f"1e-6 x its mean diagonal; the input matrix is not SPD"
        ) from None


def _leaf_sizes(n: int, leaf_size: int) -> list[int]:
    """Balanced binary splitting of ``n`` until every block has at most ``leaf_size`` entries."""
    sizes = [n]
    while max(sizes) > leaf_size:
        sizes = [s for m in sizes for s in (m - m // 2, m // 2)]
    return sizes


def _compress_level(
    m: np.ndarray,
    sizes: list[int],
    tol: float,
    rank: int | None,
    oversample: int,
    rng: np.random.Generator,
    shifts: list[float],
    criterion: str = "scaled",
) -> tuple[HSSLevel, np.ndarray]:
    """Factor, sketch and compress one level; return it and the exact reduced matrix ``Q^T S Q``."""
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    size = int(starts[-1])
    blocks = list(itertools.pairwise(starts))
    factors = [_chol_block(m[lo:hi, lo:hi], shifts) for lo, hi in blocks]
    cap = max(sizes) if rank is None else min(rank, max(sizes))
    k = min(cap + oversample, size)
    omega = rng.standard_normal((size, k))
    if criterion == "scaled":
        z = np.empty_like(omega)
        for (lo, hi), f in zip(blocks, factors, strict=True):
            z[lo:hi] = scipy.linalg.solve_triangular(f, omega[lo:hi], lower=True, trans="T")
        w = m @ z  # the one BLAS-3 sketch of this level, M D^{-T} Omega
    else:
        w = m @ omega  # the one BLAS-3 sketch of this level
    bases, ranks, svals = [], [], []
    ys = []
    for (lo, hi), f in zip(blocks, factors, strict=True):
        if criterion == "scaled":  # (S - I)_{i,:} Omega
            y = scipy.linalg.solve_triangular(f, w[lo:hi], lower=True) - omega[lo:hi]
        else:  # L_i^{-1} M_{i, rest} Omega_rest
            y = scipy.linalg.solve_triangular(f, w[lo:hi] - m[lo:hi, lo:hi] @ omega[lo:hi], lower=True)
        ys.append(y)
    top = max(float(np.linalg.norm(y, 2)) for y in ys) if criterion != "scaled" else np.sqrt(k)
    for (lo, hi), y in zip(blocks, ys, strict=True):
        u, s, _ = np.linalg.svd(y, full_matrices=True)
        est = s / top
        r = int(np.count_nonzero(est > tol))
        r = min(r, hi - lo if rank is None else rank, hi - lo)
        bases.append(u)
        ranks.append(r)
        svals.append(est)
    # exact reduced matrix S_1 = V^T M V with V = diag(L_i^{-T} Q_i)
    v = [
        scipy.linalg.solve_triangular(f, u[:, :r], lower=True, trans="T")
        for f, u, r in zip(factors, bases, ranks, strict=True)
    ]
    t = np.concatenate([vi.T @ m[lo:hi] for vi, (lo, hi) in zip(v, blocks, strict=True)], axis=0)
    s1 = np.concatenate([t[:, lo:hi] @ vi for vi, (lo, hi) in zip(v, blocks, strict=True)], axis=1)
    s1 = 0.5 * (s1 + s1.T)
    pos = 0
    for r in ranks:  # diagonal blocks are I exactly: Q_i^T L_i^{-1} M_ii L_i^{-T} Q_i = Q_i^T Q_i
        s1[pos : pos + r, pos : pos + r] = np.eye(r)
        pos += r
    level = HSSLevel(
        starts=tuple(int(s) for s in starts),
        factors=tuple(factors),
        bases=tuple(bases),
        ranks=tuple(ranks),
        singular_values=tuple(svals),
        transforms=tuple(
            u.T @ scipy.linalg.solve_triangular(f, np.eye(f.shape[0]), lower=True)
            for f, u in zip(factors, bases, strict=True)
        ),
    )
    return level, s1


def hss_cholesky(
    a: np.ndarray,
    ordering: np.ndarray | None = None,
    tol: float = 1e-6,
    rank: int | None = None,
    *,
    leaf_size: int = 128,
    oversample: int = 10,
    seed: int = 0,
    root_size: int = 256,
    criterion: str = "onesided",
) -> HSSCholesky:
    """Robust structured Cholesky factor ``A ~ F F^T`` of an SPD matrix (SPD at every tolerance).

    Args:
        a: (n, n) float64 SPD matrix (dense; e.g. a ReLU mass matrix).
        ordering: permutation of ``range(n)`` clustering similar neurons
            (:func:`rankscope.linalg.structured.ordering.hyperplane_ordering`); default the identity.
        tol: truncation tolerance of the scaled off-diagonal block rows (see ``criterion``);
            smaller = more accurate, larger ranks. The factor is SPD for every value.
        rank: optional cap on the rank kept per block.
        leaf_size: largest leaf block; the tree is a balanced bisection of the ordered indices.
        oversample: extra sketch columns (``k = min(rank cap, block size) + oversample``).
        seed: seed of the Gaussian sketches.
        root_size: stop compressing when the reduced matrix has at most this size (dense root).
        criterion: ``"onesided"`` or ``"scaled"`` (module docstring, step 2).

    Returns:
        :class:`HSSCholesky` with ``solve``, ``factor_apply``, ``to_dense``, ranks and memory.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((60, 40)); a = x.T @ x + np.eye(40)
        >>> f = hss_cholesky(a, tol=1e-1, leaf_size=8, root_size=8)
        >>> bool(np.all(np.linalg.eigvalsh(f.to_dense()) > 0))
        True
    """
    mat = check_symmetric("a", as_matrix("a", a, square=True), rtol=1e-6)
    n = mat.shape[0]
    tol = check_nonnegative("tol", tol)
    if rank is not None:
        rank = check_positive_int("rank", rank)
    leaf_size = check_positive_int("leaf_size", leaf_size)
    root_size = check_positive_int("root_size", root_size)
    criterion = check_choice("criterion", criterion, CRITERIA)
    perm, m = apply_ordering(mat, ordering)
    rng = np.random.default_rng(seed)
    shifts: list[float] = []
    sizes = _leaf_sizes(n, leaf_size)
    levels: list[HSSLevel] = []
    while len(sizes) > 1 and sum(sizes) > root_size:
        level, m = _compress_level(m, sizes, tol, rank, oversample, rng, shifts, criterion)
        levels.append(level)
        ranks = list(level.ranks)
        sizes = [ranks[j] + ranks[j + 1] for j in range(0, len(ranks) - 1, 2)]
        if len(ranks) % 2:
            sizes.append(ranks[-1])
    root = _chol_block(m, shifts) if m.size else np.zeros((0, 0))
    return HSSCholesky(
        levels=tuple(levels),
        root=root,
        perm=perm,
        tol=tol,
        rank=rank,
        shifts=tuple(shifts),
    )
