"""Symmetric PSD operators for the matrix-free spectrum: wrapping, counting applications, dense fallback.

:func:`aslinearoperator_psd` turns a dense matrix (checked symmetric), a ``LinearOperator`` or a
callable matvec into a float64 ``scipy.sparse.linalg.LinearOperator`` (habit 10);
:class:`CountedOperator` counts its applications (the cost the matrix-free methods report), and
:func:`dense_eigenvalues` is the fallback of :mod:`rankscope.linalg.matrix_free` when more than
half the spectrum is wanted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from rankscope._checks import as_matrix, check_positive_int, default_rtol, describe
from rankscope.linalg.types import MatrixLike, PSDOperatorLike, VectorLike

__all__ = ["CountedOperator", "aslinearoperator_psd", "dense_eigenvalues"]


class CountedOperator(LinearOperator):  # type: ignore[misc]  # scipy has no stubs: LinearOperator is Any
    """Float64 view of a square operator that counts its applications (one per column)."""

    def __init__(self, inner: LinearOperator) -> None:
        super().__init__(dtype=np.dtype(np.float64), shape=inner.shape)
        self.inner = inner
        self.count = 0

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        self.count += 1
        return np.asarray(self.inner.matvec(x), dtype=np.float64).reshape(-1)

    def _matmat(self, x: np.ndarray) -> np.ndarray:
        self.count += x.shape[1]
        return np.asarray(self.inner.matmat(x), dtype=np.float64).reshape(x.shape)

    def _adjoint(self) -> LinearOperator:
        return self


def _to_numpy_vector(y: VectorLike, n: int) -> np.ndarray:
    if hasattr(y, "detach"):  # torch tensor
        y = y.detach().cpu().double().numpy()
    arr = np.asarray(y, dtype=np.float64)
    if arr.size != n:
        raise ValueError(f"op(x) must return a vector of length n = {n}; got {describe(arr)}")
    return arr.reshape(n)


def _check_symmetric_probe(name: str, mat: np.ndarray, rtol: float = 1e-8) -> None:
    """Randomised symmetry test: ``||(M - M^T) Z||_F <= rtol ||M Z||_F`` for 4 Gaussian probes Z.

    ``E||E Z||_F^2 = 4 ||E||_F^2``, so this tests ``||M - M^T||_F <~ rtol ||M||_F`` in two BLAS
    passes over M (an exact elementwise test is a single-threaded pass several times slower).
    Round-off of a symmetric M gives ~1e-14, far below rtol.
    """
    z = np.random.default_rng(20240607).standard_normal((mat.shape[0], 4))
    mz, mtz = mat @ z, mat.T @ z
    asym, scale = float(np.linalg.norm(mz - mtz)), float(np.linalg.norm(mz))
    if asym > rtol * max(scale, np.finfo(np.float64).tiny):
        raise ValueError(
            f"{name} must be symmetric; ||(M - M^T) Z||_F = {asym:.3e} exceeds {rtol:g} x "
            f"||M Z||_F = {rtol * scale:.3e} for 4 random probe vectors Z. Symmetrise it with "
            "(M + M.T) / 2 if this is round-off."
        )


def aslinearoperator_psd(op: PSDOperatorLike, n: int | None = None) -> LinearOperator:
    """Wrap a symmetric PSD operator as a float64 ``scipy.sparse.linalg.LinearOperator``.

    The operator is the Gram/mass matrix ``M`` of paper 000 (Def. 2.4,
    Def. 2.5 eq. (2.4)), given densely or as ``x -> M x``. A dense input is checked to be
    finite, square and symmetric (randomised test ``||(M - M^T) Z||_F <= 1e-8 ||M Z||_F`` with 4
    Gaussian probes, i.e. ``||M - M^T||_F <~ 1e-8 ||M||_F``); an operator or callable is
    trusted to be symmetric (it cannot be checked without forming it). Positive semidefiniteness
    is never checked: the counts are of eigenvalues above a threshold by algebraic value.

    Args:
        op: (n, n) numpy array or torch tensor, a square ``LinearOperator``, or a callable
            mapping a float64 vector of shape (n,) to a vector of shape (n,).
        n: the dimension; required for a callable, checked against the shape otherwise.

    Example:
        >>> aslinearoperator_psd(lambda x: 2.0 * x, n=3).matvec(np.ones(3)).tolist()
        [2.0, 2.0, 2.0]
    """
    if n is not None:
        n = check_positive_int("n", n)
    if isinstance(op, LinearOperator):
        shape = tuple(op.shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"op must be a square operator; got shape {shape}")
        if shape[0] < 1:
            raise ValueError(f"op must have dimension n >= 1; got shape {shape}")
        if n is not None and n != shape[0]:
            raise ValueError(f"n = {n} does not match the shape {shape} of op")
        return op
    if isinstance(op, np.ndarray) or hasattr(op, "shape"):
        mat = as_matrix("op", cast(MatrixLike, op), square=True)
        rtol = default_rtol(op)  # follows the input dtype: float32 round-off is ~1e-7
        if mat.shape[0] < 1:
            raise ValueError(f"op must have dimension n >= 1; got shape {mat.shape}")
        if n is not None and n != mat.shape[0]:
            raise ValueError(f"n = {n} does not match the shape {mat.shape} of op")
        _check_symmetric_probe("op", mat, rtol)
        return aslinearoperator(mat)
    if callable(op):
        if n is None:
            raise TypeError("n must be given (a positive integer) when op is a callable matvec")
        fn: Callable[[np.ndarray], Any] = op
        dim = n

        def matvec(x: np.ndarray) -> np.ndarray:
            return _to_numpy_vector(fn(np.asarray(x, dtype=np.float64).reshape(dim)), dim)

        return LinearOperator(shape=(dim, dim), matvec=matvec, rmatvec=matvec, dtype=np.float64)
    raise TypeError(
        f"op must be a square ndarray/tensor, a LinearOperator or a callable matvec; got {describe(op)}"
    )


def dense_eigenvalues(a: CountedOperator) -> np.ndarray:
    """All eigenvalues, descending, from the matrix itself or from the operator applied to I."""
    inner = a.inner
    mat = getattr(inner, "A", None)
    if isinstance(mat, np.ndarray) and mat.shape == a.shape:
        dense = np.asarray(mat, dtype=np.float64)
    else:
        n = a.shape[0]
        dense = np.empty((n, n))
        for j in range(0, n, 256):
            cols = np.eye(n, min(256, n - j), k=-j)
            dense[:, j : j + cols.shape[1]] = a.matmat(cols)
    sym = 0.5 * (dense + dense.T)
    out: np.ndarray = scipy.linalg.eigvalsh(sym, check_finite=False)[::-1].copy()
    return out
