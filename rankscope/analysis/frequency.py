"""The frequency principle in numbers: DFT of the error and its rolling average (paper 002 Sec. 2, Fig. 1).

Paper 002 eq. (6) tracks ``|e_k| = |u_true^ - u_NN^|_k`` during
training, the DFT of the error ``u_true - u_NN`` on a uniform grid, at the forcing's frequencies, and
plots a rolling average of 50 values (appendix A) for legibility.

Convention (the paper states none): the grid is periodic, ``x_j = a + j L/N`` (``j = 0..N-1``, period
``L = b - a``), the DFT is normalised by ``1/N`` and folded one-sided, so a component ``c sin(w x)`` or
``c cos(w x)`` with ``w = 2 pi k / L`` reads amplitude ``|c|`` at bin ``k``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rankscope._checks import as_vector
from rankscope.linalg.types import VectorLike

__all__ = ["error_amplitudes", "error_dft", "periodic_grid", "rolling_average"]


def periodic_grid(low: float, high: float, n: int) -> np.ndarray:
    """``n`` points ``low + j (high - low)/n``, ``j = 0..n-1``: the DFT grid of one period.

    Example:
        >>> periodic_grid(0.0, 1.0, 4).tolist()
        [0.0, 0.25, 0.5, 0.75]
    """
    if not (isinstance(n, int) and n >= 2):
        raise ValueError(f"n must be an integer >= 2 grid points; got {n!r}")
    if not high > low:
        raise ValueError(f"high must exceed low; got low={low!r}, high={high!r}")
    return low + (high - low) * np.arange(n) / n


def error_dft(u_true: VectorLike, u_nn: VectorLike) -> np.ndarray:
    """One-sided amplitudes of the DFT of ``e = u_true - u_nn`` on a periodic uniform grid, eq. (6).

    ``A_k = |e^_k| / N`` for ``k = 0`` (and ``k = N/2`` when ``N`` is even), ``2 |e^_k| / N`` otherwise,
    ``k = 0..N//2``; by linearity ``e^ = u_true^ - u_NN^``.

    Args:
        u_true, u_nn: values ``(N,)`` on the same grid (see :func:`periodic_grid`).

    Returns:
        ``(N//2 + 1,)`` float64 amplitudes.

    Example:
        >>> x = periodic_grid(-np.pi, np.pi, 64)
        >>> round(float(error_dft(3 * np.sin(5 * x), 0 * x)[5]), 12)
        3.0
    """
    a, b = as_vector("u_true", u_true), as_vector("u_nn", u_nn)
    if a.shape != b.shape:
        raise ValueError(f"u_true and u_nn must have the same shape; got {a.shape} and {b.shape}")
    n = a.size
    amp = np.abs(np.fft.rfft(a - b)) / n
    amp[1 : (n + 1) // 2] *= 2.0
    return amp


def error_amplitudes(
    u_true: VectorLike, u_nn: VectorLike, frequencies: Sequence[float], *, period: float = 2 * math.pi
) -> np.ndarray:
    """The amplitudes of :func:`error_dft` at the angular ``frequencies`` (``w = 2 pi k / period``).

    Args:
        u_true, u_nn: values ``(N,)`` on a periodic grid of one ``period``.
        frequencies: angular frequencies; each must land on a DFT bin ``k = w period / (2 pi)`` with
            ``0 <= k <= N/2``.

    Returns:
        ``(len(frequencies),)`` amplitudes.

    Example:
        >>> x = periodic_grid(-np.pi, np.pi, 256)
        >>> error_amplitudes(np.sin(x) + 0.5 * np.sin(15 * x), 0 * x, [1, 15]).round(12).tolist()
        [1.0, 0.5]
    """
    amp = error_dft(u_true, u_nn)
    n = as_vector("u_true", u_true).size
    out = []
    for w in frequencies:
        k = float(w) * period / (2 * math.pi)
        kk = round(k)
        if abs(k - kk) > 1e-9 or not 0 <= kk <= n // 2:
            raise ValueError(
                f"frequencies must fall on a DFT bin 0..{n // 2} of a grid of {n} points over a period "
                f"{period:g}; got {w!r} (bin {k:g})"
            )
        out.append(amp[kk])
    return np.asarray(out)


def rolling_average(values: npt.ArrayLike, window: int = 50) -> np.ndarray:
    """Trailing rolling mean ``m_t = mean(v[max(0, t - window + 1) : t + 1])`` along axis 0.

    The paper (appendix A) averages 50 values; the first ``window - 1`` entries average what exists so
    far, so the output has the input's shape.

    Args:
        values: ``(T,)`` or ``(T, m)`` series.
        window: positive number of values per mean.

    Example:
        >>> rolling_average(np.array([1.0, 3.0, 5.0, 7.0]), 2).tolist()
        [1.0, 2.0, 4.0, 6.0]
    """
    if not (isinstance(window, int) and window > 0):
        raise ValueError(f"window must be a positive integer; got {window!r}")
    v = np.asarray(values, dtype=np.float64)
    if v.ndim not in (1, 2) or v.shape[0] == 0:
        raise ValueError(f"values must be a non-empty (T,) or (T, m) array; got shape {v.shape}")
    c = np.cumsum(v, axis=0)
    c = np.concatenate([np.zeros((1, *v.shape[1:])), c], axis=0)
    t = np.arange(v.shape[0])
    lo = np.maximum(0, t - window + 1)
    counts = (t + 1 - lo).reshape(-1, *([1] * (v.ndim - 1)))
    return (c[t + 1] - c[lo]) / counts
