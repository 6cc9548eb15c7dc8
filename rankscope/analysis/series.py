"""Time-series analysis of recorded measures: plateaus, staircases, and loss decay vs rank growth.

Pure functions on arrays, used by the experiments' checks (paper 000, Sec. 2.2, "staircase
phenomenon": the loss decreases rapidly along with a significant growth of the eps-rank, and the
eps-rank over time resembles a staircase), and the two growth-rate fits every check uses:
:func:`loglog_slope` (power laws) and :func:`semilog_fit` (exponential laws).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rankscope._checks import as_vector, check_positive_int

__all__ = [
    "Plateau",
    "StaircaseStats",
    "loglog_slope",
    "loss_rate_by_rank_growth",
    "plateaus",
    "semilog_fit",
    "staircase_stats",
]


@dataclass(frozen=True)
class Plateau:
    """A maximal run of equal values ``series[start:stop] == level``."""

    start: int
    stop: int
    level: float

    @property
    def length(self) -> int:
        return self.stop - self.start


def plateaus(series: Sequence[float] | np.ndarray, min_len: int = 1) -> list[Plateau]:
    """Maximal runs of constant value lasting at least ``min_len`` samples, in time order.

    Example:
        >>> [(p.level, p.length) for p in plateaus([2, 2, 2, 5, 6, 6, 6, 6], min_len=3)]
        [(2.0, 3), (6.0, 4)]
    """
    x = as_vector("series", series)
    check_positive_int("min_len", min_len)
    out: list[Plateau] = []
    start = 0
    for i in range(1, len(x) + 1):
        if i == len(x) or x[i] != x[start]:
            if i - start >= min_len:
                out.append(Plateau(start, i, float(x[start])))
            start = i
    return out


@dataclass(frozen=True)
class StaircaseStats:
    """Summary of a rank series as a staircase.

    ``steps`` is the number of rises between consecutive plateaus (of at least ``min_len`` samples)
    to a higher level; ``levels`` are the plateau levels in time order; ``monotone_fraction`` is the
    fraction of consecutive plateau pairs that go up.
    """

    initial: float
    final: float
    maximum: float
    levels: tuple[float, ...]
    steps: int
    monotone_fraction: float


def staircase_stats(ranks: Sequence[float] | np.ndarray, min_len: int) -> StaircaseStats:
    """Describe ``ranks`` as plateaus (>= ``min_len`` samples) joined by rises.

    Example:
        >>> s = staircase_stats([2, 2, 2, 6, 6, 6, 9, 9, 9], min_len=3)
        >>> s.steps, s.levels
        (2, (2.0, 6.0, 9.0))
    """
    x = as_vector("ranks", ranks)
    if len(x) == 0:
        raise ValueError("ranks must hold at least one value; got an empty series")
    ps = plateaus(x, min_len)
    levels = tuple(p.level for p in ps)
    ups = sum(1 for a, b in itertools.pairwise(levels) if b > a)
    pairs = max(len(levels) - 1, 1)
    return StaircaseStats(
        initial=float(x[0]),
        final=float(x[-1]),
        maximum=float(x.max()),
        levels=levels,
        steps=ups,
        monotone_fraction=ups / pairs if len(levels) > 1 else 0.0,
    )


def loss_rate_by_rank_growth(
    steps: Sequence[float] | np.ndarray,
    loss: Sequence[float] | np.ndarray,
    ranks: Sequence[float] | np.ndarray,
    window: int,
) -> dict[str, float]:
    """Compare the loss decay rate in windows where the rank grows with windows where it does not.

    The record sequence is cut into consecutive windows of ``window`` records. In each window the
    decay rate is ``(log10 L_start - log10 L_end) / (t_end - t_start)`` (decades per step) and the
    rank growth ``r_end - r_start``. Returns the mean rate over windows with growth > 0
    (``rate_growing``), over the others (``rate_flat``), their counts, and the Spearman rank
    correlation between growth and rate over all windows (``spearman``; nan if undefined).
    """
    t = as_vector("steps", steps)
    f = as_vector("loss", loss)
    r = as_vector("ranks", ranks)
    if not (len(t) == len(f) == len(r)):
        raise ValueError(f"steps, loss and ranks must have equal lengths; got {len(t)}, {len(f)}, {len(r)}")
    check_positive_int("window", window)
    if np.any(f <= 0):
        raise ValueError("loss must be positive to take its logarithm")
    idx = np.arange(0, len(t) - 1, window)
    ends = np.minimum(idx + window, len(t) - 1)
    keep = ends > idx
    idx, ends = idx[keep], ends[keep]
    rate = (np.log10(f[idx]) - np.log10(f[ends])) / (t[ends] - t[idx])
    growth = r[ends] - r[idx]
    grow = growth > 0
    from scipy.stats import spearmanr

    if len(rate) > 2 and np.ptp(growth) > 0 and np.ptp(rate) > 0:
        rho = float(spearmanr(growth, rate).statistic)
    else:
        rho = float("nan")
    return {
        "rate_growing": float(rate[grow].mean()) if grow.any() else float("nan"),
        "rate_flat": float(rate[~grow].mean()) if (~grow).any() else float("nan"),
        "windows_growing": int(grow.sum()),
        "windows_flat": int((~grow).sum()),
        "spearman": rho,
    }


def loglog_slope(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Least-squares slope of ``log y`` against ``log x``: the exponent ``p`` in ``y ~ x^p``.

    Used for every growth-rate check (cond(A) ~ n^4 in paper 003, ||K_uu||_F ~ eps^-2 in paper 002,
    solver cost ~ n).

    Example:
        >>> round(loglog_slope([1, 2, 4], [3, 48, 768]), 12)
        4.0
    """
    xs, ys = as_vector("x", x), as_vector("y", y)
    if xs.shape != ys.shape or xs.size < 2:
        raise ValueError(
            f"x and y must have the same length, with at least two points; got {xs.shape} and {ys.shape}"
        )
    if np.any(xs <= 0) or np.any(ys <= 0):
        raise ValueError("x and y must be positive for a log-log slope")
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def semilog_fit(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Least-squares fit ``log y = a + b x``: the rate ``b`` in ``y ~ exp(b x)`` and the fit's ``R^2``.

    Used for exponential decay checks (the numerical rank of ``J_L`` falls exponentially with the depth
    ``L``, paper 004 Thm 4-5, Fig. 1(d-f)). ``R^2 = 1 - SS_res / SS_tot`` of ``log y``; ``nan`` when
    ``log y`` is constant.

    Example:
        >>> b, r2 = semilog_fit([1, 2, 3], [np.e, np.e**3, np.e**5])
        >>> round(b, 12), round(r2, 12)
        (2.0, 1.0)
    """
    xs, ys = as_vector("x", x), as_vector("y", y)
    if xs.shape != ys.shape or xs.size < 2:
        raise ValueError(
            f"x and y must have the same length, with at least two points; got {xs.shape} and {ys.shape}"
        )
    if np.any(ys <= 0):
        raise ValueError("y must be positive for a fit of log y")
    logs = np.log(ys)
    coef = np.polyfit(xs, logs, 1)
    ss_tot = np.sum((logs - logs.mean()) ** 2)
    if ss_tot == 0:
        return float(coef[0]), float("nan")
    return float(coef[0]), float(1 - np.sum((logs - np.polyval(coef, xs)) ** 2) / ss_tot)
