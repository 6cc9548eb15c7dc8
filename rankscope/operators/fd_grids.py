"""Uniform cell-centred grids for finite differences, with their ghost layers (paper 001).

:class:`FDGrid` is ``x_i = low + (i + 1/2) h`` with ``h = (high - low)/n`` per axis (so ``h = 2/N`` on
``[-1, 1]`` as in eq. (6) and ``h = 1/64`` on ``[0, 1]^2`` as in B.3); a stencil of radius ``r``
reads the ``r`` ghost layers outside it (:mod:`rankscope.operators.stencils`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rankscope._checks import check_positive_int

__all__ = ["FDGrid", "fd_grid"]


@dataclass(frozen=True)
class FDGrid:
    """A uniform cell-centred grid on a box: ``x_i = low + (i + 1/2) h``, ``i = 0..n-1`` per axis.

    The spacing is ``h = (high - low) / n`` on every axis (the paper's ``h = 2/N`` on ``[-1, 1]`` and
    ``h = 1/64`` for a 64 x 64 grid on ``[0, 1]^2``), so all axes must have the same ``h``.
    Points are ordered C-style (last axis fastest).

    Args:
        lows: tuple of d lower bounds.
        shape: tuple of d point counts.
        h: the spacing.
    """

    lows: tuple[float, ...]
    shape: tuple[int, ...]
    h: float

    @property
    def dim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def axis_nodes(self, ghost: int = 0) -> list[np.ndarray]:
        """Per-axis node coordinates, with ``ghost`` extra layers on each side."""
        return [
            lo + (np.arange(-ghost, n + ghost, dtype=np.float64) + 0.5) * self.h
            for lo, n in zip(self.lows, self.shape, strict=True)
        ]

    def points(self, ghost: int = 0) -> np.ndarray:
        """All nodes (interior plus ``ghost`` layers) as an ``(prod(shape + 2 ghost), d)`` array."""
        axes = self.axis_nodes(ghost)
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)


def fd_grid(lows: npt.ArrayLike, highs: npt.ArrayLike, n: int) -> FDGrid:
    """The cell-centred grid with ``n`` points per axis on the box ``[lows, highs]`` (equal sides).

    Example:
        >>> g = fd_grid((-1.0,), (1.0,), 4)
        >>> g.h, g.points().ravel().tolist()
        (0.5, [-0.75, -0.25, 0.25, 0.75])
    """
    n = check_positive_int("n", n)
    lo = tuple(float(v) for v in np.atleast_1d(lows))
    hi = tuple(float(v) for v in np.atleast_1d(highs))
    if len(lo) != len(hi):
        raise ValueError(f"lows and highs must have the same length; got {lo} and {hi}")
    widths = [b - a for a, b in zip(lo, hi, strict=True)]
    if any(w <= 0 for w in widths):
        raise ValueError(f"highs must exceed lows on every axis; got lows={lo}, highs={hi}")
    if not np.allclose(widths, widths[0], rtol=1e-12):
        raise ValueError(f"an FD grid needs equal side lengths (one h); got side lengths {widths}")
    return FDGrid(lo, (n,) * len(lo), widths[0] / n)
