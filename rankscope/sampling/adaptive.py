"""Quadrature rules that adapt to the current neurons (SgGN notes; paper 003 ref. [1]).

A *rule* is a callable ``rule(weights, biases) -> (points (N, d), weights (N,))`` that may depend on
the current neurons ``relu(w_i . x + b_i)``:

* :class:`SplitGaussRule1D` — Gauss–Legendre on every cell of a base mesh refined at the current
  breakpoints ``t_i = -b_i / w_i`` and at the target's breaks. On each cell every ``relu_i`` is linear and
  every ``h_i`` constant, so all network integrals (``A``, ``Hhat``, the ``v``-parts of ``J`` and of the
  gradient) are exact for ``order >= 2``; the ``u``-parts are Gauss-accurate because ``u`` is smooth on
  each cell. Because the integrand ``(v - u)^2`` is continuous across the breakpoints, differentiating
  the rule's sum with the nodes held fixed gives the exact gradient of the exact integral.
* :class:`FixedRule` — any fixed :class:`rankscope.sampling.Quadrature` (e.g. a composite tensor
  Gauss–Legendre rule in 2D).

Used by SgGN training (:mod:`rankscope.train.sggn`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rankscope._checks import check_positive_int, describe
from rankscope.sampling.domains import Interval
from rankscope.sampling.quadrature import Quadrature

__all__ = ["FixedRule", "Rule", "SplitGaussRule1D", "breakpoints_1d"]


class Rule(Protocol):
    """``rule(weights (n, d), biases (n,)) -> (points (N, d), weights (N,))``."""

    def __call__(self, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def breakpoints_1d(weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """Breakpoints ``t_i = -b_i / w_i`` of 1D neurons (``nan`` where ``w_i = 0``).

    Example:
        >>> breakpoints_1d(np.array([[2.0], [-1.0]]), np.array([-1.0, 0.25])).tolist()
        [0.5, 0.25]
    """
    w = np.asarray(weights, dtype=np.float64)[:, 0]
    b = np.asarray(biases, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w != 0, -b / np.where(w != 0, w, 1.0), np.nan)


@dataclass(frozen=True)
class SplitGaussRule1D:
    """Composite Gauss–Legendre on ``[low, high]`` split at the breakpoints and the target's breaks.

    Cells: the ``panels`` equal cells of the domain, cut further at every breakpoint inside the domain
    and at ``breaks``; ``order`` Gauss–Legendre nodes on each cell. Exact for every integrand that is a
    polynomial of degree ``<= 2 order - 1`` on each cell (all network integrals for ``order >= 2``).

    Example:
        >>> rule = SplitGaussRule1D(Interval(0.0, 1.0), panels=2, order=2)
        >>> x, w = rule(np.array([[1.0]]), np.array([-0.3]))
        >>> round(float(w @ np.maximum(x[:, 0] - 0.3, 0) ** 2), 12)  # int_0.3^1 (x - 0.3)^2
        0.114333333333
    """

    domain: Interval
    panels: int = 256
    order: int = 6
    breaks: tuple[float, ...] = ()
    _base: np.ndarray = field(init=False, repr=False, compare=False)
    _gauss: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.domain, Interval):
            raise TypeError(f"domain must be an Interval; got {describe(self.domain)}")
        check_positive_int("panels", self.panels)
        check_positive_int("order", self.order)
        base = np.linspace(self.domain.low, self.domain.high, self.panels + 1)
        extra = np.array([b for b in self.breaks if self.domain.low < b < self.domain.high], dtype=np.float64)
        object.__setattr__(self, "_base", np.unique(np.concatenate([base, extra])))
        object.__setattr__(self, "_gauss", np.polynomial.legendre.leggauss(self.order))

    def __call__(self, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = breakpoints_1d(weights, biases)
        t = t[np.isfinite(t) & (t > self.domain.low) & (t < self.domain.high)]
        edges = np.unique(np.concatenate([self._base, t]))
        half = 0.5 * np.diff(edges)
        keep = half > 0
        mid = 0.5 * (edges[1:] + edges[:-1])[keep]
        half = half[keep]
        g, gw = self._gauss
        x = (mid[:, None] + half[:, None] * g[None, :]).reshape(-1, 1)
        return x, (half[:, None] * gw[None, :]).ravel()


@dataclass(frozen=True)
class FixedRule:
    """A quadrature independent of the neurons (e.g. ``gauss_legendre(box, 4, panels=64)`` in 2D)."""

    quadrature: Quadrature

    def __call__(self, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.quadrature.points), np.asarray(self.quadrature.weights)
