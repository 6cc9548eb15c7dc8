"""A factor's inverse ``A~^{-1}`` as a ``scipy.sparse.linalg.LinearOperator``: the CG preconditioner.

Wraps anything with a size ``n`` and ``solve(b)``
(:class:`~rankscope.linalg.structured.hss_factor.HSSCholesky`,
:class:`~rankscope.linalg.structured.hss_nested_factor.NestedHSS`) for
:func:`rankscope.linalg.structured.pcg.pcg`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from scipy.sparse.linalg import LinearOperator

__all__ = ["HSSPreconditioner"]


class Factor(Protocol):
    """What a preconditioner wraps: a size ``n`` and ``solve(b)`` for ``b`` of shape (n,) or (n, k)."""

    @property
    def n(self) -> int: ...

    def solve(self, b: np.ndarray) -> np.ndarray: ...


class HSSPreconditioner(LinearOperator):  # type: ignore[misc]  # scipy has no stubs: LinearOperator is Any
    """``M^{-1} = A~^{-1}`` of a factor (:class:`HSSCholesky`, or anything with ``n`` and ``solve``) as a
    ``LinearOperator`` for CG.

    Example:
        >>> from rankscope.linalg.structured.hss import hss_cholesky
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((50, 30)); a = x.T @ x + np.eye(30)
        >>> m = HSSPreconditioner(hss_cholesky(a, tol=1e-12, leaf_size=8, root_size=8))
        >>> bool(np.allclose(m @ (a @ np.ones(30)), np.ones(30)))
        True
    """

    def __init__(self, factor: Factor) -> None:
        self.factor = factor
        super().__init__(dtype=np.float64, shape=(factor.n, factor.n))

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self.factor.solve(np.asarray(x).reshape(-1))

    def _matmat(self, x: np.ndarray) -> np.ndarray:
        return self.factor.solve(np.asarray(x))

    def _adjoint(self) -> HSSPreconditioner:
        return self
