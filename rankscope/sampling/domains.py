"""Integration domains: a closed interval ``[low, high]`` and an axis-aligned box.

Paper 000 (Sec. 4, eq. 4.1) evaluates the Gram/mass matrix ``M_ij = ∫_Ω phi_i phi_j dx`` on
``Ω = [a, b]`` or a rectangle/box; these classes describe ``Ω`` for the rules in
:mod:`rankscope.sampling.quadrature`. Both are frozen dataclasses holding plain floats; every rule
first normalises its ``domain`` argument with :func:`as_box`.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from rankscope._checks import _to_numpy, as_matrix, check_finite_real, describe
from rankscope.linalg.types import MatrixLike

__all__ = ["Box", "Domain", "Interval", "as_box", "contains"]


def _readonly(values: tuple[float, ...]) -> np.ndarray:
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class Interval:
    """The closed interval ``[low, high]`` with finite ``low < high``.

    Args:
        low: left end point (float).
        high: right end point (float), strictly greater than ``low``.

    Example:
        >>> Interval(-1.0, 1.0).volume
        2.0
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        low = check_finite_real("domain Interval.low", self.low)
        high = check_finite_real("domain Interval.high", self.high)
        if not low < high:
            raise ValueError(f"domain Interval must have low < high; got low={low!r}, high={high!r}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def dim(self) -> int:
        """Spatial dimension, always 1."""
        return 1

    @property
    def volume(self) -> float:
        """Length ``high - low``."""
        return self.high - self.low

    @property
    def lows(self) -> np.ndarray:
        """``[low]`` as a read-only float64 array of shape (1,)."""
        return _readonly((self.low,))

    @property
    def highs(self) -> np.ndarray:
        """``[high]`` as a read-only float64 array of shape (1,)."""
        return _readonly((self.high,))


@dataclass(frozen=True)
class Box:
    """The closed axis-aligned box ``[lows[0], highs[0]] x ... x [lows[d-1], highs[d-1]]``.

    Args:
        lows: tuple of ``d >= 1`` finite floats.
        highs: tuple of ``d`` finite floats with ``lows[i] < highs[i]`` for every axis ``i``.

    Example:
        >>> Box((0.0, 0.0), (2.0, 3.0)).volume
        6.0
        >>> Box.cube(-1.0, 1.0, 3).dim
        3
    """

    lows: tuple[float, ...]
    highs: tuple[float, ...]

    def __post_init__(self) -> None:
        lows = self._axis_tuple("lows", self.lows)
        highs = self._axis_tuple("highs", self.highs)
        if len(lows) != len(highs):
            raise ValueError(
                f"domain Box needs as many lows as highs; got {len(lows)} lows {lows} "
                f"and {len(highs)} highs {highs}"
            )
        bad = [i for i, (lo, hi) in enumerate(zip(lows, highs, strict=True)) if not lo < hi]
        if bad:
            i = bad[0]
            raise ValueError(
                f"domain Box must have lows[i] < highs[i] on every axis; axis {i} has "
                f"low={lows[i]!r}, high={highs[i]!r}"
            )
        object.__setattr__(self, "lows", lows)
        object.__setattr__(self, "highs", highs)

    @staticmethod
    def _axis_tuple(field: str, value: Collection[float]) -> tuple[float, ...]:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise TypeError(f"domain Box.{field} must be a sequence of real numbers; got {describe(value)}")
        if len(value) == 0:
            raise ValueError(f"domain Box.{field} must have at least one entry; got {value!r}")
        return tuple(check_finite_real(f"domain Box.{field}[{i}]", v) for i, v in enumerate(value))

    @classmethod
    def cube(cls, low: float, high: float, dim: int) -> Box:
        """The cube ``[low, high]^dim``.

        Example:
            >>> Box.cube(0.0, 1.0, 2)
            Box(lows=(0.0, 0.0), highs=(1.0, 1.0))
        """
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"dim must be a positive integer; got {describe(dim)}")
        if dim < 1:
            raise ValueError(f"dim must be a positive integer (>= 1); got {dim}")
        return cls((low,) * int(dim), (high,) * int(dim))

    @property
    def dim(self) -> int:
        """Spatial dimension ``d``."""
        return len(self.lows)

    @property
    def volume(self) -> float:
        """Lebesgue measure ``prod_i (highs[i] - lows[i])``."""
        return math.prod(hi - lo for lo, hi in zip(self.lows, self.highs, strict=True))

    @property
    def widths(self) -> np.ndarray:
        """Side lengths ``highs - lows``, read-only float64 array of shape (d,)."""
        return _readonly(tuple(hi - lo for lo, hi in zip(self.lows, self.highs, strict=True)))


Domain = Interval | Box | tuple[float, float]
"""Anything :func:`as_box` accepts."""


def as_box(domain: Domain) -> Box:
    """Normalise ``domain`` to a :class:`Box`.

    Args:
        domain: an :class:`Interval` (becomes a 1-D box), a :class:`Box` (returned as is), or a
            ``(low, high)`` tuple of two real numbers meaning the interval ``[low, high]``.

    Returns:
        The equivalent :class:`Box`.

    Raises:
        TypeError: ``domain`` is none of the above.
        ValueError: a ``(low, high)`` tuple with ``low >= high`` or non-finite entries.

    Example:
        >>> as_box((0.0, 2.0))
        Box(lows=(0.0,), highs=(2.0,))
    """
    if isinstance(domain, Box):
        return domain
    if isinstance(domain, Interval):
        return Box((domain.low,), (domain.high,))
    if isinstance(domain, tuple) and len(domain) == 2:
        try:
            interval = Interval(*domain)
        except TypeError as exc:
            raise TypeError(
                f"domain as a tuple must be (low, high) with two real numbers; got {domain!r}"
            ) from exc
        return Box((interval.low,), (interval.high,))
    raise TypeError(
        f"domain must be an Interval, a Box or a (low, high) tuple of floats; got {describe(domain)}"
    )


def contains(domain: Domain, points: MatrixLike, *, atol: float = 0.0) -> np.ndarray:
    """Which points lie in the closed domain.

    ``x in Ω  <=>  lows[i] - atol <= x_i <= highs[i] + atol`` for every axis ``i``.

    Args:
        domain: anything :func:`as_box` accepts, of dimension ``d``.
        points: array-like or torch tensor of shape (m, d); a 1-D array of length m is read as
            (m, 1) when ``d == 1``.
        atol: non-negative absolute slack on each bound.

    Returns:
        Boolean array of shape (m,).

    Example:
        >>> contains(Interval(0.0, 1.0), [0.0, 0.5, 1.5]).tolist()
        [True, True, False]
    """
    box = as_box(domain)
    pts = _points_for(box, points)
    if isinstance(atol, bool) or not isinstance(atol, (int, float, np.integer, np.floating)):
        raise TypeError(f"atol must be a real number >= 0; got {describe(atol)}")
    if not (math.isfinite(atol) and atol >= 0):
        raise ValueError(f"atol must be a finite real number >= 0; got {atol!r}")
    lows = np.asarray(box.lows) - atol
    highs = np.asarray(box.highs) + atol
    out: np.ndarray = np.all((pts >= lows) & (pts <= highs), axis=1)
    return out


def _points_for(box: Box, points: MatrixLike) -> np.ndarray:
    """``points`` as a finite float64 (m, d) array matching ``box.dim``, or raise."""
    arr = _to_numpy("points", points)
    if arr.ndim == 1 and box.dim == 1:
        arr = arr[:, None]
    arr = as_matrix("points", arr)
    if arr.shape[1] != box.dim:
        raise ValueError(
            f"points must have shape (m, {box.dim}) to match the {box.dim}-D domain; got shape {arr.shape}"
        )
    return arr
