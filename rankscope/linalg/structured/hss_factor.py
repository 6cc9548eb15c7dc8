"""The approximate Cholesky factor ``A~ = F F^T`` of an SPD matrix, as ``hss_cholesky`` builds it.

:func:`rankscope.linalg.structured.hss.hss_cholesky` compresses; this module holds the result.

``F = D U diag(I, F_1)`` level by level (``D = diag(L_i)`` the leaf Cholesky factors, ``U`` orthogonal
block bases, ``F_1`` the factor of the next level): a ULV-type factor. ``A~^{-1} b`` costs ``O(n m)``
per level, two GEMMs per block with the precomputed ``G_i = U_i^T L_i^{-1}``; ``F z`` applies the
levels the other way round.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.linalg

__all__ = ["HSSCholesky", "HSSLevel"]


@dataclass(frozen=True)
class HSSLevel:
    """One level of the factor: blocks (index ranges of this level's matrix), their Cholesky factors
    ``L_i``, full orthogonal bases ``U_i`` (first ``ranks[i]`` columns kept) and the sketch's singular
    value estimates."""

    starts: tuple[int, ...]
    factors: tuple[np.ndarray, ...]
    bases: tuple[np.ndarray, ...]
    ranks: tuple[int, ...]
    singular_values: tuple[np.ndarray, ...]
    transforms: tuple[np.ndarray, ...]  # G_i = U_i^T L_i^{-1}, so the solve is two GEMMs per block

    @property
    def size(self) -> int:
        return int(self.starts[-1])


@dataclass(frozen=True)
class HSSCholesky:
    """The approximate factor ``A~ = F F^T`` of :func:`~rankscope.linalg.structured.hss.hss_cholesky`
    (see :mod:`rankscope.linalg.structured.hss` for the algorithm).

    Attributes:
        levels: leaf level first; ``root`` is the dense Cholesky factor of the last reduced matrix.
        perm: the neuron ordering used (``A`` is factored as ``A[perm][:, perm]``).
        tol, rank: compression tolerance and rank cap.
        shifts: diagonal shifts added to numerically singular leaf blocks (empty if none).
    """

    levels: tuple[HSSLevel, ...]
    root: np.ndarray
    perm: np.ndarray
    tol: float
    rank: int | None
    shifts: tuple[float, ...]

    @property
    def n(self) -> int:
        return int(self.perm.shape[0])

    @property
    def max_rank(self) -> int:
        """Largest rank kept in any block of any level."""
        return max((max(lv.ranks) for lv in self.levels if lv.ranks), default=0)

    @property
    def level_ranks(self) -> list[int]:
        """Largest kept rank per level (leaf level first)."""
        return [max(lv.ranks) for lv in self.levels]

    @property
    def nbytes(self) -> int:
        """Memory of the stored factor in bytes."""
        total = self.root.nbytes + self.perm.nbytes
        for lv in self.levels:
            total += sum(f.nbytes for f in lv.factors) + sum(u.nbytes for u in lv.bases)
            total += sum(g.nbytes for g in lv.transforms)
        return int(total)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """``A~^{-1} b`` for ``b`` of shape (n,) or (n, k)."""
        b = np.asarray(b, dtype=np.float64)
        vec = b.ndim == 1
        x = b.reshape(self.n, -1)[self.perm]
        y = _solve_levels(self.levels, self.root, x)
        out = np.empty_like(y)
        out[self.perm] = y
        return out[:, 0] if vec else out

    def factor_apply(self, z: np.ndarray) -> np.ndarray:
        """``F z`` (in the original order), so that ``A~ = F F^T``; ``z`` of shape (n,) or (n, k)."""
        z = np.asarray(z, dtype=np.float64)
        vec = z.ndim == 1
        y = _factor_levels(self.levels, self.root, z.reshape(self.n, -1))
        out = np.empty_like(y)
        out[self.perm] = y
        return out[:, 0] if vec else out

    def to_dense(self) -> np.ndarray:
        """The approximant ``A~ = F F^T`` as a dense matrix (for tests and small n)."""
        f = self.factor_apply(np.eye(self.n))
        out: np.ndarray = f @ f.T
        return out


def _solve_levels(levels: tuple[HSSLevel, ...], root: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Apply ``S~^{-1}`` level by level: ``x -> D^{-T} U diag(I, S_1^{-1}) U^T D^{-1} x``."""
    if not levels:
        return scipy.linalg.cho_solve((root, True), x, check_finite=False) if root.size else x
    lv, rest = levels[0], levels[1:]
    parts, kept = [], []
    for i, (lo, hi) in enumerate(itertools.pairwise(lv.starts)):
        c = lv.transforms[i] @ x[lo:hi]
        parts.append(c)
        kept.append(c[: lv.ranks[i]])
    z = _solve_levels(rest, root, np.concatenate(kept, axis=0))
    out = np.empty_like(x)
    pos = 0
    for i, (lo, hi) in enumerate(itertools.pairwise(lv.starts)):
        r = lv.ranks[i]
        c = parts[i]
        c[:r] = z[pos : pos + r]
        pos += r
        out[lo:hi] = lv.transforms[i].T @ c
    return out


def _factor_levels(levels: tuple[HSSLevel, ...], root: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``F z`` with ``F = D U diag(I, F_1)``; the kept coordinates of each block are its first ranks."""
    if not levels:
        return root @ z if root.size else z
    lv, rest = levels[0], levels[1:]
    idx = [np.arange(lo, lo + r) for lo, r in zip(lv.starts[:-1], lv.ranks, strict=True)]
    sel = np.concatenate(idx) if idx else np.zeros(0, dtype=int)
    w = z.copy()
    w[sel] = _factor_levels(rest, root, z[sel])
    out = np.empty_like(z)
    for i, (lo, hi) in enumerate(itertools.pairwise(lv.starts)):
        out[lo:hi] = lv.factors[i] @ (lv.bases[i] @ w[lo:hi])
    return out
