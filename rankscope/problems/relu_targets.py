"""Target functions for shallow-ReLU least-squares fitting (SgGN notes, "What to show").

The SgGN claim (``papers/sggn-notes.md``; paper 003 ref. [1]) is about functions with
discontinuities or sharp transition layers. This module gives four such test functions, each a frozen
:class:`Target` carrying its domain and the 1D points where it is non-smooth, so that a quadrature can
be split there (the loss and its gradient must be accurate at the discontinuity):

* :func:`step_function` — ``u = low`` for ``x < x0``, ``high`` for ``x >= x0`` on an interval;
* :func:`transition_layer` — ``u = tanh((x - x0) / delta)``, a smooth layer of width ``delta``;
* :func:`multi_frequency` — ``u = sum_k a_k sin(2 pi f_k x)``, smooth with several frequencies;
* :func:`line_discontinuity_2d` — on a box, ``u = 1`` on one side of the line ``n . x = s`` and
  ``0`` on the other (a jump along a line not aligned with the axes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rankscope._checks import as_matrix, check_finite_real, describe
from rankscope.sampling import Box, Interval

__all__ = [
    "Target",
    "kink_2d",
    "line_discontinuity_2d",
    "multi_frequency",
    "smooth_2d",
    "step_function",
    "transition_layer",
]


@dataclass(frozen=True)
class Target:
    """A function ``u: Omega -> R`` to fit, with where it is non-smooth.

    Args:
        name: short label, e.g. ``"step"``.
        function: maps points of shape (N, d) float64 to values (N,) float64 (numpy).
        domain: :class:`Interval` (d = 1) or :class:`Box`.
        breaks: 1D only: points of the domain where ``u`` jumps (or changes fastest); a quadrature
            split there integrates ``u`` accurately. Empty for smooth or 2D targets.
        description: the formula, for reports.
        lines: 2D only: the lines ``a1 x1 + a2 x2 + c = 0`` (rows ``(a1, a2, c)``) along which ``u``
            jumps or has a kink; a polygon rule split there integrates ``u`` accurately.

    Calling a target validates the points: ``target(x)`` with ``x`` (N, d) -> (N,).

    Example:
        >>> u = step_function(0.4)
        >>> u(np.array([[0.3], [0.5]])).tolist()
        [0.0, 1.0]
    """

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    domain: Interval | Box
    breaks: tuple[float, ...] = ()
    description: str = ""
    lines: tuple[tuple[float, float, float], ...] = ()

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise TypeError(
                f"target function must be callable (points (N, d) -> values (N,)); got "
                f"{describe(self.function)}"
            )
        if not isinstance(self.domain, (Interval, Box)):
            raise TypeError(f"target domain must be an Interval or a Box; got {describe(self.domain)}")
        object.__setattr__(self, "breaks", tuple(float(b) for b in self.breaks))
        lines = tuple(tuple(float(v) for v in line) for line in self.lines)
        if any(len(line) != 3 or not all(np.isfinite(line)) for line in lines):
            raise ValueError(
                f"target lines must be finite rows (a1, a2, c) of a . x + c = 0; got {self.lines!r}"
            )
        object.__setattr__(self, "lines", lines)

    @property
    def dim(self) -> int:
        """Spatial dimension d."""
        return int(self.domain.dim)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        pts = as_matrix("x", x)
        if pts.shape[1] != self.dim:
            raise ValueError(f"x must have shape (N, {self.dim}) for target {self.name!r}; got {pts.shape}")
        values = np.asarray(self.function(pts), dtype=np.float64).reshape(-1)
        if values.shape != (pts.shape[0],):
            raise ValueError(
                f"target {self.name!r} must return ({pts.shape[0]},) values; got shape {values.shape}"
            )
        return values


def step_function(
    x0: float = 0.4, *, low: float = 0.0, high: float = 1.0, domain: Interval = Interval(0.0, 1.0)
) -> Target:
    """``u(x) = low`` for ``x < x0`` and ``high`` for ``x >= x0`` (a jump of ``high - low`` at ``x0``).

    Example:
        >>> step_function(0.5, low=-1.0)(np.array([[0.0], [1.0]])).tolist()
        [-1.0, 1.0]
    """
    x0, low, high = (
        check_finite_real("x0", x0),
        check_finite_real("low", low),
        check_finite_real("high", high),
    )
    if not domain.low < x0 < domain.high:
        raise ValueError(f"x0 must lie inside the domain ({domain.low}, {domain.high}); got {x0}")
    return Target(
        "step",
        lambda x: np.where(x[:, 0] < x0, low, high),
        domain,
        (x0,),
        f"u = {low:g} for x < {x0:g}, {high:g} for x >= {x0:g}",
    )


def transition_layer(
    x0: float = 0.5, delta: float = 0.01, *, domain: Interval = Interval(0.0, 1.0)
) -> Target:
    """``u(x) = tanh((x - x0) / delta)``: a sharp layer of width ``delta`` at ``x0``.

    ``x0`` is recorded as a break so a split quadrature puts a node there.

    Example:
        >>> round(float(transition_layer(0.5, 0.01)(np.array([[0.5]]))[0]), 12)
        0.0
    """
    x0, delta = check_finite_real("x0", x0), check_finite_real("delta", delta)
    if delta <= 0:
        raise ValueError(f"delta must be > 0 (the layer width); got {delta}")
    if not domain.low < x0 < domain.high:
        raise ValueError(f"x0 must lie inside the domain ({domain.low}, {domain.high}); got {x0}")
    return Target(
        "layer",
        lambda x: np.tanh((x[:, 0] - x0) / delta),
        domain,
        (x0,),
        f"u = tanh((x - {x0:g}) / {delta:g})",
    )


def multi_frequency(
    frequencies: tuple[float, ...] = (1.0, 3.0, 7.0),
    amplitudes: tuple[float, ...] = (1.0, 0.5, 0.25),
    *,
    domain: Interval = Interval(0.0, 1.0),
) -> Target:
    """``u(x) = sum_k a_k sin(2 pi f_k x)``: smooth, several frequencies.

    Example:
        >>> round(float(multi_frequency((1.0,), (1.0,))(np.array([[0.25]]))[0]), 12)
        1.0
    """
    freqs = tuple(check_finite_real(f"frequencies[{i}]", f) for i, f in enumerate(frequencies))
    amps = tuple(check_finite_real(f"amplitudes[{i}]", a) for i, a in enumerate(amplitudes))
    if len(freqs) != len(amps) or not freqs:
        raise ValueError(
            f"frequencies and amplitudes must be non-empty and of equal length; got {len(freqs)} "
            f"and {len(amps)}"
        )
    f_arr, a_arr = np.asarray(freqs), np.asarray(amps)
    text = " + ".join(f"{a:g} sin(2 pi {f:g} x)" for f, a in zip(freqs, amps, strict=True))
    return Target(
        "multifreq",
        lambda x: np.sin(2 * np.pi * x[:, :1] * f_arr[None, :]) @ a_arr,
        domain,
        (),
        f"u = {text}",
    )


def _line_2d(normal: tuple[float, float], offset: float, domain: object) -> tuple[np.ndarray, float]:
    """The validated ``(normal, offset)`` of a line ``normal . x = offset`` on a 2D box domain."""
    if not isinstance(domain, Box) or domain.dim != 2:
        raise ValueError(f"domain must be a 2D Box; got {describe(domain)}")
    nrm = np.array([check_finite_real("normal[0]", normal[0]), check_finite_real("normal[1]", normal[1])])
    if not np.any(nrm != 0):
        raise ValueError(f"normal must be a non-zero vector; got {tuple(normal)}")
    return nrm, check_finite_real("offset", offset)


def line_discontinuity_2d(
    normal: tuple[float, float] = (-0.5, 1.0),
    offset: float = 0.25,
    *,
    domain: Box = Box((0.0, 0.0), (1.0, 1.0)),
) -> Target:
    """``u(x) = 1`` where ``normal . x > offset`` and ``0`` elsewhere: a unit jump along a line.

    The default is the line ``x2 = 0.5 x1 + 0.25`` on the unit square, across which ``u`` jumps from
    0 (below) to 1 (above); ``||u||^2 = 1/2`` exactly.

    Example:
        >>> line_discontinuity_2d()(np.array([[0.0, 0.0], [0.0, 1.0]])).tolist()
        [0.0, 1.0]
    """
    nrm, s = _line_2d(normal, offset, domain)
    return Target(
        "line2d",
        lambda x: (x @ nrm > s).astype(np.float64),
        domain,
        (),
        f"u = 1 where {nrm[0]:g} x1 + {nrm[1]:g} x2 > {s:g}, else 0",
        ((float(nrm[0]), float(nrm[1]), -s),),
    )


def smooth_2d(*, frequency: float = 1.0, domain: Box = Box((0.0, 0.0), (1.0, 1.0))) -> Target:
    """``u(x) = sin(pi f x1) cos(pi f x2) + x1 x2``: a smooth 2D target (issue 17's smooth case).

    Example:
        >>> round(float(smooth_2d()(np.array([[0.5, 0.0]]))[0]), 12)
        1.0
    """
    if not isinstance(domain, Box) or domain.dim != 2:
        raise ValueError(f"domain must be a 2D Box; got {describe(domain)}")
    f = check_finite_real("frequency", frequency)
    return Target(
        "smooth2d",
        lambda x: np.sin(np.pi * f * x[:, 0]) * np.cos(np.pi * f * x[:, 1]) + x[:, 0] * x[:, 1],
        domain,
        (),
        f"u = sin({f:g} pi x1) cos({f:g} pi x2) + x1 x2",
    )


def kink_2d(
    normal: tuple[float, float] = (1.0, 0.4),
    offset: float = 0.6,
    *,
    domain: Box = Box((0.0, 0.0), (1.0, 1.0)),
) -> Target:
    """``u(x) = |normal . x - offset| + 0.5 sin(pi x2)``: a gradient jump along a line not aligned with
    the axes (issue 17's kink case). The line is carried in ``lines`` for split quadrature.

    Example:
        >>> kink_2d().lines
        ((1.0, 0.4, -0.6),)
    """
    nrm, s = _line_2d(normal, offset, domain)
    return Target(
        "kink2d",
        lambda x: np.abs(x @ nrm - s) + 0.5 * np.sin(np.pi * x[:, 1]),
        domain,
        (),
        f"u = |{nrm[0]:g} x1 + {nrm[1]:g} x2 - {s:g}| + 0.5 sin(pi x2)",
        ((float(nrm[0]), float(nrm[1]), -s),),
    )
