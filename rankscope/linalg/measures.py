"""Scalar rank-like measures of a spectrum: eps-rank, numerical rank, cut-off number, entropies.

Every measure accepts either a :class:`~rankscope.linalg.spectrum.Spectrum` (computed once, reused)
or a matrix, which is turned into the spectrum kind that fits: eigenvalues for ``eps_rank``
(the paper's Gram matrix is symmetric), singular values for all the others. Only ``|values|``
are used, so an ``eig`` spectrum of a symmetric matrix can feed the singular-value measures.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from rankscope._checks import check_nonnegative, describe
from rankscope.linalg.spectrum import SpectrumLike, as_spectrum

__all__ = [
    "condition_number",
    "cutoff_number",
    "effective_rank",
    "eps_rank",
    "numerical_rank",
    "stable_rank",
    "truncated_entropy",
]


def _real(name: str, value: object) -> float:
    """A real, finite, >= 0 number; strings and booleans are rejected as wrong types."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a real number; got {describe(value)}")
    return check_nonnegative(name, value)


def _abs_desc(name: str, x: SpectrumLike, kind: Literal["eig", "svd"]) -> np.ndarray:
    """``|values|`` of the spectrum of ``x`` sorted descending."""
    spec = as_spectrum(x, kind, name=name)
    return np.sort(np.abs(spec.values))[::-1]


def _check_ratio(a_ratio: Any) -> float:
    if isinstance(a_ratio, (str, bytes, bool, np.bool_)):
        raise TypeError(f"a_ratio must be a real number in (0, 1]; got {describe(a_ratio)}")
    try:
        a = float(a_ratio)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"a_ratio must be a real number in (0, 1]; got {describe(a_ratio)}") from exc
    if not (0.0 < a <= 1.0):
        raise ValueError(f"a_ratio must be in (0, 1]; got {a_ratio!r}")
    return a


def eps_rank(m: SpectrumLike, eps: float = 1e-6) -> int:
    """The eps-rank: number of eigenvalues of absolute value strictly above an absolute ``eps``.

    ``r_eps(M) = |{ |lambda(M)| > eps }|`` (paper 000, Def. 2.5 eq. (2.4)
    and the displayed equation before (4.1), where the paper uses ``|lambda|`` and eps = 1e-6).
    The threshold is absolute (not scaled by ``||M||``) and the inequality is strict.

    Args:
        m: (n, n) symmetric matrix (Gram/mass matrix) or a ``Spectrum``.
        eps: absolute threshold, finite and >= 0.

    Example:
        >>> eps_rank(np.diag([1.0, 1e-3, 1e-7]), eps=1e-6)
        2
    """
    eps = _real("eps", eps)
    vals = _abs_desc("m", m, "eig")
    return int(np.count_nonzero(vals > eps))


def numerical_rank(w: SpectrumLike, eps: float | None = None) -> int:
    """Numerical rank: number of singular values at least ``eps`` times the spectral norm.

    ``Rank_eps(W) = #{ i <= min(n, d) : sigma_i >= eps * ||W||_2 }``
    (paper 004 eq. (4)). The default ``eps = eps_float32 * N`` with N the
    number of singular values follows the paper's experiments (Sec. 4: "eps x N"). A zero (or
    empty) matrix has numerical rank 0.

    Args:
        w: (n, d) matrix or a ``Spectrum``.
        eps: relative tolerance, finite and >= 0; ``None`` for the paper's default.

    Example:
        >>> numerical_rank(np.diag([1.0, 1e-3, 1e-9]), eps=1e-6)
        2
    """
    vals = _abs_desc("w", w, "svd")
    if eps is None:
        eps = float(np.finfo(np.float32).eps) * vals.size
    eps = _real("eps", eps)
    if vals.size == 0 or vals[0] == 0.0:
        return 0
    return int(np.count_nonzero(vals >= eps * vals[0]))


def cutoff_number(a: SpectrumLike, a_ratio: float) -> int:
    """Effective cut-off number: singular values at least ``a_ratio`` times the largest one.

    ``e_A(a) = |{ sigma in S : sigma >= a * sigma_max }|`` (paper 001
    Def. 1, eq. (1)). The paper's prose says "do not exceed"; its formula, used in all its
    experiments as a truncation position, says ``>=``: we follow the formula. The paper allows
    ``0 <= a < 1``; here ``a_ratio`` must be in (0, 1] (a = 0 would count exact zeros, whose
    presence is decided by round-off; a = 1 counts the copies of sigma_max). A zero or empty
    matrix has no scale sigma_max and gets 0.

    Args:
        a: (m, n) matrix or a ``Spectrum``.
        a_ratio: the relative cut-off ``a`` in (0, 1].

    Example:
        >>> cutoff_number(np.diag([4.0, 2.0, 1.0, 0.5]), 0.25)
        3
    """
    ratio = _check_ratio(a_ratio)
    vals = _abs_desc("a", a, "svd")
    if vals.size == 0 or vals[0] == 0.0:
        return 0
    return int(np.count_nonzero(vals >= ratio * vals[0]))


def truncated_entropy(a: SpectrumLike, a_ratio: float) -> float:
    """Truncated entropy: spectral entropy of the kept singular values, divided by their count.

    ``H_A(a) = -(1/e) sum_{k=1}^{e} p_k log p_k``, ``p_k = sigma_k / sum_{j<=e} sigma_j``,
    ``e = e_A(a)`` (paper 001 Def. 2, eq. (2); p is normalised by the
    1-norm of the *truncated* vector ``[sigma_1..sigma_e]``, and ``log`` is the natural log).
    Bounds: ``0 <= H_A(a) <= log(e)/e <= log(3)/3``; H = 0 when e = 1 (and, by convention, for a
    zero or empty matrix, where e = 0).

    Args:
        a: (m, n) matrix or a ``Spectrum``.
        a_ratio: the relative cut-off ``a`` in (0, 1], as in ``cutoff_number``.

    Example:
        >>> round(truncated_entropy(np.diag([1.0, 1.0, 1e-9]), 1e-3), 6)  # log(2)/2
        0.346574
    """
    ratio = _check_ratio(a_ratio)
    vals = _abs_desc("a", a, "svd")
    if vals.size == 0 or vals[0] == 0.0:
        return 0.0
    e = int(np.count_nonzero(vals >= ratio * vals[0]))
    kept = vals[:e]
    p = kept / kept.sum()
    h = float(-np.sum(p * np.log(p)) / e)
    return min(max(h, 0.0), math.log(e) / e)


def effective_rank(a: SpectrumLike) -> float:
    """Effective rank of Roy & Vetterli (2007): the exponential of the singular-value entropy.

    ``erank(A) = exp(-sum_k p_k log p_k)``, ``p_k = sigma_k / sum_j sigma_j`` over the nonzero
    singular values (Roy & Vetterli, EUSIPCO 2007, Def. 1). Not the eps-rank that
    paper 000 (Def. 2.5) also calls "effective rank": see ``eps_rank``.
    ``1 <= erank <= rank(A)`` for A != 0; the zero (or empty) matrix gets 0.0.

    Args:
        a: (m, n) matrix or a ``Spectrum``.

    Example:
        >>> round(effective_rank(np.eye(4)), 12)
        4.0
    """
    vals = _abs_desc("a", a, "svd")
    vals = vals[vals > 0]
    if vals.size == 0:
        return 0.0
    p = vals / vals.sum()
    return float(np.exp(-np.sum(p * np.log(p))))


def stable_rank(a: SpectrumLike) -> float:
    """Stable rank: squared Frobenius norm over squared spectral norm.

    ``srank(A) = ||A||_F^2 / ||A||_2^2 = sum_k sigma_k^2 / sigma_max^2`` (a standard companion of
    the numerical rank of paper 004 eq. (4), insensitive to a threshold);
    ``1 <= srank <= rank(A)`` for A != 0, and the zero (or empty) matrix gets 0.0.

    Args:
        a: (m, n) matrix or a ``Spectrum``.

    Example:
        >>> stable_rank(np.outer([1.0, 2.0], [3.0, 4.0, 5.0]))
        1.0
    """
    vals = _abs_desc("a", a, "svd")
    if vals.size == 0 or vals[0] == 0.0:
        return 0.0
    return float(np.sum((vals / vals[0]) ** 2))


def condition_number(a: SpectrumLike) -> float:
    """2-norm condition number over the min(m, n) singular values.

    ``kappa(A) = sigma_max / sigma_min`` with sigma_min the smallest of the min(m, n) singular
    values; ``inf`` when sigma_min == 0 (including the zero matrix). Used to read the
    conditioning of the truncated systems of paper 001 (Def. 1-2).

    Args:
        a: (m, n) matrix with min(m, n) >= 1, or a non-empty ``Spectrum``.

    Raises:
        ValueError: the matrix or spectrum has no singular values.

    Example:
        >>> condition_number(np.diag([10.0, 2.0, 0.5]))
        20.0
    """
    vals = _abs_desc("a", a, "svd")
    if vals.size == 0:
        raise ValueError(f"a must have at least one singular value; got {describe(a)}")
    if vals[-1] == 0.0:
        return math.inf
    return float(vals[0] / vals[-1])
