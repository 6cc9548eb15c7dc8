"""Input validation shared by every public entry point.

Each function normalises one argument and raises ``ValueError``/``TypeError`` whose message names the
argument, shows the offending value and says what was expected (house style, habit 7-8). Kernels
downstream of these checks assume clean input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "as_matrix",
    "as_vector",
    "check_choice",
    "check_nonnegative",
    "check_positive_int",
    "check_symmetric",
    "describe",
]


def describe(value: Any) -> str:
    """A short, safe description of ``value`` for an error message."""
    if isinstance(value, np.ndarray) or hasattr(value, "shape"):
        dtype = getattr(value, "dtype", "?")
        return f"{type(value).__name__} of shape {tuple(value.shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _to_numpy(name: str, value: Any) -> np.ndarray:
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


def as_matrix(name: str, value: Any, *, square: bool = False) -> np.ndarray:
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


def as_vector(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a finite float64 1-D array, or raise naming ``name``."""
    arr = _to_numpy(name, value)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array; got {describe(arr)}")
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got NaN or Inf entries in {describe(arr)}")
    return arr


def check_symmetric(name: str, matrix: np.ndarray, *, rtol: float = 1e-8) -> np.ndarray:
    """Check that a square matrix is symmetric to ``rtol`` relative to its largest entry."""
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


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a finite float >= 0, or raise naming ``name``."""
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number >= 0; got {describe(value)}") from exc
    if not np.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite real number >= 0; got {value!r}")
    return x


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int >= 1, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer; got {describe(value)}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1); got {value}")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}; got {value!r}")
    return str(value)
