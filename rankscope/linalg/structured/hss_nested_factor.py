"""The factored nested-basis HSS approximant ``A_hss + shift I`` and its CG preconditioner.

:class:`NestedHSS`, built by :func:`rankscope.linalg.structured.hss_nested.hss_nested`, holds the
SuperLU factor of the extended sparse system (unknowns ``x``, ``y_c``, ``z_c``; see
:mod:`rankscope.linalg.structured.hss_nested`), whose elimination of ``y, z`` gives back
``A_hss + shift I`` exactly: ``solve`` is one sparse triangular solve pair, ``to_dense`` the Schur
complement (tests, small n), and :class:`NestedHSSPreconditioner` the inverse as a CG preconditioner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse

from rankscope.linalg.structured.hss_preconditioner import HSSPreconditioner

__all__ = ["NestedHSS", "NestedHSSPreconditioner"]


@dataclass(frozen=True)
class NestedHSS:
    """Result of :func:`~rankscope.linalg.structured.hss_nested.hss_nested`: the factored
    ``A_hss + shift I`` and its tree data.

    Attributes:
        perm: ordering used (``A`` approximated as ``A[perm][:, perm]``).
        level_ranks: largest rank per tree level, leaves first.
        tol, shift: compression tolerance and diagonal shift.
        ext_size: size of the extended sparse system; ``lu``: its SuperLU factor.
    """

    perm: np.ndarray
    level_ranks: tuple[int, ...]
    tol: float
    shift: float
    ext_size: int
    lu: Any  # scipy.sparse.linalg.SuperLU
    extended: scipy.sparse.csc_matrix

    @property
    def n(self) -> int:
        return int(self.perm.shape[0])

    @property
    def max_rank(self) -> int:
        return max(self.level_ranks, default=0)

    @property
    def nbytes(self) -> int:
        """Memory of the sparse LU factors (values + row indices) and the extended matrix, in bytes."""
        lu_nnz = int(self.lu.L.nnz + self.lu.U.nnz)
        ext = self.extended
        return 12 * lu_nnz + int(ext.data.nbytes + ext.indices.nbytes + ext.indptr.nbytes)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """``(A_hss + shift I)^{-1} b`` for ``b`` of shape (n,) or (n, k), in the original order."""
        b = np.asarray(b, dtype=np.float64)
        vec = b.ndim == 1
        bb = b.reshape(self.n, -1)
        rhs = np.zeros((self.ext_size, bb.shape[1]))
        rhs[: self.n] = bb[self.perm]
        sol = self.lu.solve(rhs)[: self.n]
        out = np.empty_like(sol)
        out[self.perm] = sol
        result: np.ndarray = out[:, 0] if vec else out
        return result

    def to_dense(self) -> np.ndarray:
        """``A_hss + shift I`` (original order) as a dense matrix, by Schur complement (tests, small n)."""
        e = self.extended.toarray()
        n = self.n
        s = e[:n, :n] - e[:n, n:] @ np.linalg.solve(e[n:, n:], e[n:, :n])
        out = np.empty_like(s)
        out[np.ix_(self.perm, self.perm)] = s
        result: np.ndarray = out
        return result


class NestedHSSPreconditioner(HSSPreconditioner):
    """``M^{-1} = (A_hss + shift I)^{-1}`` of a :class:`NestedHSS` as a ``LinearOperator`` for CG."""

    def __init__(self, factor: NestedHSS) -> None:
        super().__init__(factor)
