"""Type aliases for the inputs of :mod:`rankscope.linalg` (and of the layers above that reuse them).

They name what the validators of :mod:`rankscope._checks` really accept, so a signature says which
kind of input a function reads:

* :data:`MatrixLike` / :data:`VectorLike`: a dense real array as ``as_matrix`` / ``as_vector`` read
  it: a numpy array, a torch tensor (any floating dtype, any device), or nested sequences of numbers.
* :data:`SparseMatrix`: a scipy sparse matrix or array.
* :data:`OperatorLike`: anything applied as ``A @ x`` or wrapped by ``scipy.sparse.linalg.aslinearoperator``:
  a dense array, a sparse matrix or a ``LinearOperator``.
* :data:`Matvec` and :data:`PSDOperatorLike`: the inputs of
  :func:`~rankscope.linalg.psd_operator.aslinearoperator_psd` (a dense matrix, a ``LinearOperator``
  or a callable ``x -> M x``).
* :data:`FloatArray`: a float64 numpy array.
* :data:`ArrayT`: an elementwise input, a torch tensor or a numpy array, whose result is of the same kind.
* :class:`Weighted`: anything with quadrature ``weights`` (a :class:`rankscope.sampling.Quadrature`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse
import torch
from scipy.sparse.linalg import LinearOperator

__all__ = [
    "ArrayT",
    "FloatArray",
    "MatrixLike",
    "Matvec",
    "OperatorLike",
    "PSDOperatorLike",
    "SparseMatrix",
    "VectorLike",
    "Weighted",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
"""A float64 numpy array."""

ArrayT = TypeVar("ArrayT", torch.Tensor, np.ndarray)
"""A torch tensor or a numpy array, for functions that return the kind they are given."""

MatrixLike: TypeAlias = npt.ArrayLike | torch.Tensor
"""A dense real 2-D matrix as :func:`rankscope._checks.as_matrix` reads it: numpy array, torch tensor or
nested sequences of numbers (converted to float64; NaN/Inf refused)."""

VectorLike: TypeAlias = npt.ArrayLike | torch.Tensor
"""A dense real 1-D vector as :func:`rankscope._checks.as_vector` reads it (the kinds of
:data:`MatrixLike`)."""

SparseMatrix: TypeAlias = scipy.sparse.sparray | scipy.sparse.spmatrix
"""A scipy sparse matrix or sparse array (any format)."""

OperatorLike: TypeAlias = np.ndarray | SparseMatrix | LinearOperator
"""A square operator applied as ``A @ x`` or wrapped by ``aslinearoperator``: dense, sparse or a
``LinearOperator``."""

Matvec: TypeAlias = Callable[[FloatArray], VectorLike]
"""A matrix-vector product ``x -> M x`` on float64 vectors of shape (n,) (numpy or torch result)."""

PSDOperatorLike: TypeAlias = MatrixLike | LinearOperator | Matvec
"""What :func:`~rankscope.linalg.psd_operator.aslinearoperator_psd` wraps: a dense symmetric matrix,
a square ``LinearOperator`` or a callable :data:`Matvec`."""


class Weighted(Protocol):
    """Structural type of a quadrature rule as the linear algebra reads it: its ``(m,)`` weights
    (e.g. :class:`rankscope.sampling.Quadrature`, which lives in a layer above)."""

    @property
    def weights(self) -> np.ndarray: ...
