"""Accuracy of a computed solution of ``A x = b``: backward error, relative residual, A-norm of an error.

One normwise backward error (Rigal–Gaches) for every structured solver, in the norm its caller
reports: the infinity norm for the O(n) 1D ReLU solvers (``||A||_inf = max(A 1)`` is exact and cheap
for their entrywise nonnegative A and H), the 2-norm for CG and the HSS preconditioners.
"""

from __future__ import annotations

import numpy as np

from rankscope.linalg.types import OperatorLike, VectorLike

__all__ = ["a_norm", "backward_error", "relative_residual"]

NORMS: tuple[float, ...] = (2, np.inf)


def backward_error(
    a: OperatorLike, x: VectorLike, b: VectorLike, *, ord: float = np.inf, anorm: float | None = None
) -> float:
    """Normwise backward error ``||b - A x|| / (||A|| ||x|| + ||b||)`` (Rigal–Gaches) in the norm ``ord``.

    ``A`` is applied as ``a @ x`` (array, sparse matrix or ``LinearOperator``). ``anorm`` is ``||A||``
    in that norm if known; otherwise

    * ``ord=np.inf`` (default): ``||A||_inf = max(A 1)``, exact for entrywise nonnegative ``A`` (the
      ReLU mass and Heaviside matrices; pass ``anorm`` for a signed one). Dense Cholesky gives
      ~n eps or less.
    * ``ord=2``: ``||A||_2`` computed densely (``a`` must then be an array).

    Example:
        >>> a = np.array([[2.0, 1.0], [1.0, 2.0]])
        >>> backward_error(a, np.linalg.solve(a, [1.0, 0.0]), [1.0, 0.0]) < 1e-15
        True
        >>> round(backward_error(a, [0.0, 0.0], [1.0, 0.0], ord=2), 12)
        1.0
    """
    if ord not in NORMS:
        raise ValueError(f"ord must be 2 or numpy.inf (the norm of the backward error); got {ord!r}")
    x, b = np.asarray(x, dtype=np.float64), np.asarray(b, dtype=np.float64)
    r = b - a @ x
    if ord == 2:
        if anorm is None:
            dense = np.asarray(a)
            if dense.ndim != 2:
                raise TypeError(
                    f"a must be a dense matrix to compute ||A||_2; got {type(a).__name__}: pass anorm=||A||_2"
                )
            anorm = float(np.linalg.norm(dense, 2))
        return float(np.linalg.norm(r) / (anorm * np.linalg.norm(x) + np.linalg.norm(b)))
    if anorm is None:
        anorm = float(np.max(a @ np.ones(len(x))))
    return float(np.max(np.abs(r)) / (anorm * np.max(np.abs(x)) + np.max(np.abs(b))))


def relative_residual(op: OperatorLike, c: np.ndarray, f: np.ndarray) -> float:
    """The relative residual ``||f - A c||_2 / ||f||_2`` (A applied by ``op @ c``)."""
    r = np.asarray(f) - op @ np.asarray(c)
    return float(np.linalg.norm(r) / np.linalg.norm(f))


def a_norm(op: OperatorLike, e: np.ndarray) -> float:
    """``sqrt(e^T A e)``: the L2 norm of the function ``sum_i e_i relu_i`` (fitted-function error)."""
    e = np.asarray(e, dtype=np.float64)
    return float(np.sqrt(max(float(e @ (op @ e)), 0.0)))
