"""Compensated (double-double) running sums for the O(n) 1D ReLU matvecs (numba, inlined).

The iterative refinement of :mod:`rankscope.linalg.structured.relu1d_mass` and
:mod:`rankscope.linalg.structured.relu1d_heaviside` needs residuals ``f - A c`` accurate to
``~eps ||A|| ||c||``. With mixed signs the plain prefix-sum matvec is not enough: its rounding errors
accumulate along the sweeps into smooth drifts that differ between right-facing (tail sums) and
left-facing (head sums) rows, an alternating error pattern to which ``A^{-1}`` is most sensitive
(n = 10^5: relative residual stalls at 1e-9 and ``||c||`` grows 100x). Every running sum is kept as an
unevaluated pair ``(hi, lo)`` (Knuth's TwoSum; each product is rounded once, which does not
accumulate), which removes the drift (n = 10^5: 1e-13; n = 10^6: 1e-9 instead of stalling at 1e-4).
"""

from __future__ import annotations

from numba import njit

__all__ = ["dd_add", "dd_mul_d", "two_prod", "two_sum"]


@njit(cache=True, inline="always")
def two_sum(a: float, b: float) -> tuple[float, float]:
    """Exact sum ``a + b = s + e`` (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(cache=True, inline="always")
def two_prod(a: float, b: float) -> tuple[float, float]:
    """Exact product ``a b = p + e`` (Dekker splitting; no FMA needed)."""
    p = a * b
    sp = 134217729.0
    t = sp * a
    ah = t - (t - a)
    al = a - ah
    t = sp * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True, inline="always")
def dd_add(ah: float, al: float, bh: float, bl: float) -> tuple[float, float]:
    """``(ah, al) + (bh, bl)`` as a normalised pair."""
    s, e = two_sum(ah, bh)
    e += al + bl
    return two_sum(s, e)


@njit(cache=True, inline="always")
def dd_mul_d(ah: float, al: float, b: float) -> tuple[float, float]:
    """``(ah, al) * b`` (each half rounded once)."""
    return two_sum(ah * b, al * b)
