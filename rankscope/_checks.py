"""Input validation shared by every public entry point.

Each function normalises one argument and raises ``ValueError``/``TypeError`` whose message names the
argument, shows the offending value and says what was expected (house style, habit 7-8). Kernels
downstream of these checks assume clean input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "as_matrix",
    "as_vector",
    "check_choice",
    "check_finite_real",
    "check_nonnegative",
    "check_positive_int",
    "check_symmetric",
    "default_rtol",
    "describe",
    "input_eps",
    "one_line",
    "split_top_level",
]


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (whitespace runs, newlines included, become one space)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def describe(value: object) -> str:
    """A short, safe description of ``value`` for an error message."""
    if isinstance(value, np.ndarray) or hasattr(value, "shape"):
        dtype = getattr(value, "dtype", "?")
        return f"{type(value).__name__} of shape {tuple(value.shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _to_numpy(name: str, value: npt.ArrayLike) -> np.ndarray:
    try:
        import torch

        if isinstance(value, torch.Tensor):
            return value.detach().to("cpu", torch.float64).numpy()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array-like of real numbers; got {describe(value)}") from exc
    return arr


def as_matrix(name: str, value: npt.ArrayLike, *, square: bool = False) -> np.ndarray:
    """Return ``value`` as a finite float64 2-D array, or raise naming ``name``."""
    arr = _to_numpy(name, value)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix; got {describe(arr)}")
    if square and arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square; got shape {arr.shape}")
    if arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite; it has {bad} NaN or Inf entries")
    return arr


def as_vector(name: str, value: npt.ArrayLike) -> np.ndarray:
    """Return ``value`` as a finite float64 1-D array, or raise naming ``name``."""
    arr = _to_numpy(name, value)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array; got {describe(arr)}")
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got NaN or Inf entries in {describe(arr)}")
    return arr


def input_eps(value: object) -> float:
    """Machine epsilon of the floating dtype ``value`` arrived in (float64's for non-float input).

    Looks at the dtype *before* any conversion to float64, so that a float32 torch tensor or numpy
    array is recognised: its round-off is ~1e-7, not ~1e-16.
    """
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return float(np.finfo(np.float64).eps)
    try:
        import torch

        if isinstance(dtype, torch.dtype):
            if dtype.is_floating_point:
                return float(torch.finfo(dtype).eps)
            return float(np.finfo(np.float64).eps)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        return float(np.finfo(np.float64).eps)
    if np.issubdtype(np_dtype, np.floating):
        return float(np.finfo(np_dtype).eps)
    return float(np.finfo(np.float64).eps)


#: Relative symmetry tolerance for float64 input; lower precisions get ``1000 eps`` of their dtype.
FLOAT64_SYMMETRY_RTOL = 1e-8


def default_rtol(value: object) -> float:
    """The default relative symmetry tolerance for ``value``: it follows the input dtype.

    ``max(1e-8, min(0.1, 1000 eps))``: 1e-8 for float64 (far above its round-off, far below any
    real asymmetry), 1.2e-4 for float32 (a Gram matrix ``D^T W D`` formed by a float32 GEMM is
    symmetric only to ~1e-6 relative), and 0.1 for float16/bfloat16.

    Example:
        >>> default_rtol(np.zeros(2, dtype=np.float32)) > 1e-5 > default_rtol(np.zeros(2))
        True
    """
    return max(FLOAT64_SYMMETRY_RTOL, min(0.1, 1000.0 * input_eps(value)))


def check_symmetric(name: str, matrix: np.ndarray, *, rtol: float | None = None) -> np.ndarray:
    """Check that a square matrix is symmetric to ``rtol`` relative to its largest entry.

    ``rtol=None`` takes :func:`default_rtol` of ``matrix``'s dtype; pass the tolerance of the
    *original* input (``default_rtol(original)``) when ``matrix`` was already converted to float64.
    """
    if rtol is None:
        rtol = default_rtol(matrix)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be square and symmetric; got shape {matrix.shape}")
    if matrix.size == 0:
        return matrix
    scale = float(np.max(np.abs(matrix)))
    asym = float(np.max(np.abs(matrix - matrix.T)))
    if asym > rtol * max(scale, np.finfo(np.float64).tiny):
        raise ValueError(
            f"{name} must be symmetric; max |M - M^T| = {asym:.3e} exceeds {rtol:g} x max |M| "
            f"= {rtol * scale:.3e}. Symmetrise it with (M + M.T) / 2 if this is round-off."
        )
    return matrix


def check_finite_real(name: str, value: object) -> float:
    """Return ``value`` (an int or float, numpy's included, not a bool) as a finite float, or raise
    naming ``name``: ``TypeError`` for any other type, ``ValueError`` for NaN and Inf."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a finite real number; got {describe(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite real number; got {value!r}")
    return x


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a finite float >= 0, or raise naming ``name``."""
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number >= 0; got {describe(value)}") from exc
    if not np.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite real number >= 0; got {value!r}")
    return x


def check_positive_int(name: str, value: object) -> int:
    """Return ``value`` as an int >= 1, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer; got {describe(value)}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1); got {value}")
    return int(value)


def check_choice(name: str, value: object, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}; got {value!r}")
    return str(value)


def split_top_level(text: str, separators: str = ",") -> list[str]:
    """Split ``text`` at the ``separators`` that stand outside brackets, braces and quotes.

    The reader of list-valued command-line arguments (``--grid`` values, ``--model-kwargs``).

    >>> split_top_level("a = 1, b = [1, 2], c = 'x,y'")
    ['a = 1', ' b = [1, 2]', " c = 'x,y'"]
    >>> split_top_level("1|[2, 3]", ",|")
    ['1', '[2, 3]']
    """
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch in separators and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
