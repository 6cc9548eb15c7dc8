"""Spectra of matrices: eigenvalues of symmetric matrices and singular values of any matrix.

A :class:`Spectrum` is the common input of every measure in :mod:`rankscope.linalg.measures`:
compute it once (``eigenspectrum`` or ``singular_spectrum``) and evaluate several measures on it.
All analysis is done in float64 whatever the dtype of the source matrix, which is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import scipy.linalg

from rankscope._checks import (
    as_matrix,
    check_choice,
    check_nonnegative,
    check_symmetric,
    default_rtol,
    describe,
)
from rankscope.linalg.types import MatrixLike

__all__ = ["Spectrum", "SpectrumLike", "as_spectrum", "eigenspectrum", "singular_spectrum"]

_KINDS = ("eig", "svd")


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues (``kind="eig"``) or singular values (``kind="svd"``) of one matrix.

    ``values`` is a read-only float64 vector sorted in descending order (by value, so negative
    eigenvalues come last). ``dtype`` and ``shape`` describe the source matrix.

    Args:
        values: shape (r,); r = n for an n x n eigenspectrum, r = min(m, n) for singular values.
        kind: ``"eig"`` or ``"svd"``.
        dtype: dtype name of the source matrix, e.g. ``"float32"``.
        shape: shape ``(m, n)`` of the source matrix.

    Example:
        >>> s = Spectrum(np.array([1.0, 3.0]), kind="svd", dtype="float64", shape=(2, 2))
        >>> s.values.tolist(), s.max, s.min, len(s)
        ([3.0, 1.0], 3.0, 1.0, 2)
    """

    values: np.ndarray
    kind: Literal["eig", "svd"]
    dtype: str
    shape: tuple[int, int]

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, _KINDS)
        try:
            vals = np.array(self.values, dtype=np.float64, copy=True)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"values must be a 1-D array of real numbers; got {describe(self.values)}"
            ) from exc
        if vals.ndim != 1:
            raise ValueError(f"values must be a 1-D array; got {describe(vals)}")
        if vals.size and not np.all(np.isfinite(vals)):
            raise ValueError(f"values must be finite; got NaN or Inf in {describe(vals)}")
        if self.kind == "svd" and vals.size and vals.min() < 0:
            raise ValueError(f"values of an svd spectrum must be >= 0; got min {vals.min()!r}")
        vals = np.sort(vals)[::-1].copy()
        vals.flags.writeable = False
        object.__setattr__(self, "values", vals)
        shape = tuple(int(s) for s in self.shape)
        if len(shape) != 2:
            raise ValueError(f"shape must be a pair (m, n); got {self.shape!r}")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "dtype", str(self.dtype))

    def __len__(self) -> int:
        return int(self.values.size)

    @property
    def max(self) -> float:
        """Largest absolute value (the spectral norm for both kinds when symmetric); 0.0 if empty."""
        return float(np.max(np.abs(self.values))) if self.values.size else 0.0

    @property
    def min(self) -> float:
        """Smallest absolute value (sigma_min for ``svd``); 0.0 if empty."""
        return float(np.min(np.abs(self.values))) if self.values.size else 0.0


SpectrumLike: TypeAlias = Spectrum | MatrixLike
"""What the measures of :mod:`rankscope.linalg.measures` read: a ``Spectrum`` or a matrix to take one of."""


def _dtype_name(value: MatrixLike) -> str:
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return np.asarray(value).dtype.name
    name = getattr(dtype, "name", None)
    return str(name) if name is not None else str(dtype).removeprefix("torch.")


def eigenspectrum(
    matrix: MatrixLike, *, symmetric_rtol: float | None = None, name: str = "matrix"
) -> Spectrum:
    """Eigenvalues of a real symmetric matrix, in float64, sorted descending.

    Computes ``lambda_1 >= ... >= lambda_n`` of ``M = (M + M^T)/2`` with LAPACK ``eigvalsh``
    after checking ``max|M - M^T| <= symmetric_rtol * max|M|``; the default tolerance follows the
    input's dtype (``rankscope._checks.default_rtol``: 1e-8 for float64, 1.2e-4 for float32).
    This is the spectrum behind the eps-rank ``r_eps(M) = |{lambda(M) > eps}|`` of the Gram/mass matrix
    (paper 000, Def. 2.5 eq. (2.4) and the eq. before (4.1)).

    Args:
        matrix: (n, n) symmetric real matrix; numpy array, torch tensor or nested lists.
        symmetric_rtol: relative tolerance of the symmetry check (>= 0); ``None`` follows the dtype.
        name: argument name used in error messages.

    Returns:
        A ``Spectrum`` with ``kind="eig"`` and n values.

    Raises:
        TypeError: ``matrix`` is not numeric. ValueError: not 2-D, not square, NaN/Inf entries,
        or not symmetric.

    Example:
        >>> eigenspectrum(np.diag([1.0, 3.0, 2.0])).values.tolist()
        [3.0, 2.0, 1.0]
    """
    if symmetric_rtol is None:
        rtol = default_rtol(matrix)
    else:
        rtol = check_nonnegative("symmetric_rtol", symmetric_rtol)
    arr = as_matrix(name, matrix, square=True)
    check_symmetric(name, arr, rtol=rtol)
    dtype = _dtype_name(matrix)
    if arr.size == 0:
        vals = np.zeros(0)
    else:
        sym = 0.5 * (arr + arr.T)
        vals = np.linalg.eigvalsh(sym)
    return Spectrum(vals, kind="eig", dtype=dtype, shape=arr.shape)


def singular_spectrum(matrix: MatrixLike, *, name: str = "matrix") -> Spectrum:
    """Singular values of any real 2-D matrix, in float64, sorted descending.

    Computes ``sigma_1 >= ... >= sigma_r >= 0``, ``r = min(m, n)``, with ``scipy.linalg.svdvals``:
    the spectrum behind the numerical rank (paper 004 eq. (4)), the effective
    cut-off number and the truncated entropy (paper 001 Def. 1-2, eq. (1)-(2)).

    Args:
        matrix: (m, n) real matrix; numpy array, torch tensor or nested lists.
        name: argument name used in error messages.

    Returns:
        A ``Spectrum`` with ``kind="svd"`` and min(m, n) values.

    Raises:
        TypeError: ``matrix`` is not numeric. ValueError: not 2-D or NaN/Inf entries.

    Example:
        >>> singular_spectrum(np.array([[0.0, 2.0], [-1.0, 0.0], [0.0, 0.0]])).values.tolist()
        [2.0, 1.0]
    """
    arr = as_matrix(name, matrix)
    dtype = _dtype_name(matrix)
    if arr.size == 0:
        vals = np.zeros(0)
    else:
        vals = scipy.linalg.svdvals(arr, check_finite=False)
    return Spectrum(vals, kind="svd", dtype=dtype, shape=arr.shape)


def as_spectrum(x: SpectrumLike, kind: Literal["eig", "svd"], *, name: str = "x") -> Spectrum:
    """Pass a ``Spectrum`` through unchanged, else compute the spectrum of ``kind`` from a matrix.

    A ``Spectrum`` of the other kind is accepted as is: the measures only use ``|values|``, and for
    a symmetric matrix the singular values are exactly the ``|eigenvalues|`` (an ``eig`` spectrum
    always comes from a symmetric matrix). See papers/000 Def. 2.5, papers/001 Def. 1-2 and
    papers/004 eq. (4) for the measures built on it.

    Args:
        x: a ``Spectrum`` or a matrix ((n, n) symmetric for ``"eig"``, (m, n) for ``"svd"``).
        kind: ``"eig"`` (``eigenspectrum``) or ``"svd"`` (``singular_spectrum``).
        name: argument name used in error messages.

    Example:
        >>> as_spectrum(np.eye(2), "svd").kind
        'svd'
    """
    check_choice("kind", kind, _KINDS)
    if isinstance(x, Spectrum):
        return x
    if kind == "eig":
        return eigenspectrum(x, name=name)
    return singular_spectrum(x, name=name)
