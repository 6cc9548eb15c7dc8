"""Statistics of a setting's runs: measures (mean, spread), checks (how often they held), series bands.

Pure functions of what the runs recorded, used by :func:`rankscope.sweep.aggregate_sweep`:

* every scalar of each run's ``summary.json["measures"]`` (nested dicts flattened to dotted keys;
  ``true``/``false`` counted as 1/0; lists and strings left out) gets ``n`` (runs with a finite
  value), mean, sample standard deviation (``ddof = 1``; undefined for one run), min and max;
* every check gets ``held`` of ``total`` runs, and *holds for the setting* when
  ``held >= holds_fraction * total``;
* every series of ``arrays.npz`` — a 1-D array ``PREFIX/NAME`` beside an x-axis array
  ``PREFIX/iter`` (or ``step``, ``steps``, ``epoch``) of the same length — gets a band: the median
  over seeds and the min–max envelope, over runs that share the same x values.

Example:
    >>> s = measure_stats([{"loss": 1.0}, {"loss": 3.0}])[0]
    >>> (s.n, s.mean, s.min, s.max)
    (2, 2.0, 1.0, 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Band",
    "CheckStats",
    "MeasureStats",
    "check_stats",
    "flatten_measures",
    "measure_stats",
    "series_bands",
    "series_of",
]

X_AXES = ("iter", "step", "steps", "epoch")


@dataclass(frozen=True)
class MeasureStats:
    """Mean and spread of one measure over a setting's runs (``std`` is NaN for ``n < 2``)."""

    name: str
    n: int
    mean: float
    std: float
    min: float
    max: float


@dataclass(frozen=True)
class CheckStats:
    """How often one check held over a setting's runs, and whether it holds for the setting."""

    name: str
    paper: str
    held: int
    total: int
    threshold: float
    holds: bool

    @property
    def fraction(self) -> float:
        return self.held / self.total if self.total else math.nan


@dataclass(frozen=True)
class Band:
    """A series over a setting's runs: median and min–max envelope at each x (``n`` runs used)."""

    key: str
    x: np.ndarray
    median: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: int


def flatten_measures(measures: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Scalars of a nested ``measures`` dict under dotted keys; bools as 1/0, ``None`` as NaN.

    Example:
        >>> flatten_measures({"L2_n50": {"final_loss": 0.1, "rises": 3, "levels": [1, 2]}, "ok": True})
        {'L2_n50.final_loss': 0.1, 'L2_n50.rises': 3.0, 'ok': 1.0}
    """
    out: dict[str, float] = {}
    for key, value in measures.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten_measures(value, name))
        elif isinstance(value, (bool, int, float)):
            out[name] = float(value)
        elif value is None:  # a non-finite value stored as JSON null
            out[name] = math.nan
    return out


def measure_stats(runs: Sequence[Mapping[str, float]]) -> list[MeasureStats]:
    """Statistics of each measure over ``runs`` (flattened measures, one mapping per run).

    Measures are listed in order of first appearance; ``n`` counts the runs with a finite value.
    """
    names: dict[str, None] = {}
    for run in runs:
        names.update(dict.fromkeys(run))
    stats = []
    for name in names:
        vals = np.array([run[name] for run in runs if name in run], dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            stats.append(MeasureStats(name, 0, math.nan, math.nan, math.nan, math.nan))
            continue
        std = float(np.std(vals, ddof=1)) if vals.size > 1 else math.nan
        stats.append(
            MeasureStats(
                name, int(vals.size), float(np.mean(vals)), std, float(vals.min()), float(vals.max())
            )
        )
    return stats


def check_stats(runs: Sequence[Sequence[Mapping[str, Any]]], holds_fraction: float) -> list[CheckStats]:
    """For each check name over ``runs`` (each a list of ``{name, paper, ours, holds}``): how often
    it held, and whether ``held >= holds_fraction * total``.
    """
    if isinstance(holds_fraction, bool) or not isinstance(holds_fraction, (int, float)):
        raise TypeError(f"holds_fraction must be a number in (0, 1]; got {holds_fraction!r}")
    if not 0 < holds_fraction <= 1:
        raise ValueError(f"holds_fraction must be in (0, 1]; got {holds_fraction!r}")
    tallies: dict[str, list[Any]] = {}
    for checks in runs:
        for c in checks:
            entry = tallies.setdefault(c["name"], [str(c.get("paper", "")), 0, 0])
            entry[1] += bool(c["holds"])
            entry[2] += 1
    out = []
    for name, (paper, held, total) in tallies.items():
        needed = math.ceil(holds_fraction * total - 1e-9)
        out.append(CheckStats(name, paper, held, total, float(holds_fraction), total > 0 and held >= needed))
    return out


def series_of(arrays: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The series of a run's arrays: ``{"PREFIX/NAME": (x, y)}`` for each 1-D numeric array
    ``PREFIX/NAME`` of the same length as an x-axis ``PREFIX/iter`` (or ``step``, ``steps``,
    ``epoch``); a top-level ``NAME`` beside a top-level ``iter`` gets the key ``NAME``.
    """
    by_prefix: dict[str, dict[str, np.ndarray]] = {}
    for key, arr in arrays.items():
        prefix, _, name = key.rpartition("/")
        by_prefix.setdefault(prefix, {})[name] = np.asarray(arr)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for prefix, named in by_prefix.items():
        axis = next((a for a in X_AXES if a in named and named[a].ndim == 1), None)
        if axis is None:
            continue
        x = named[axis].astype(np.float64)
        for name, y in named.items():
            if name in X_AXES or y.ndim != 1 or y.shape != x.shape or not np.issubdtype(y.dtype, np.number):
                continue
            out[f"{prefix}/{name}" if prefix else name] = (x, y.astype(np.float64))
    return out


def series_bands(runs: Sequence[Mapping[str, tuple[np.ndarray, np.ndarray]]]) -> dict[str, Band]:
    """Median and min–max band of each series over ``runs`` (each from :func:`series_of`).

    Runs are stacked only where their x values equal those of the first run holding the series;
    a run with other x values is left out of that band (``Band.n`` counts the runs used).
    """
    keys: dict[str, None] = {}
    for run in runs:
        keys.update(dict.fromkeys(run))
    bands = {}
    for key in keys:
        pairs = [run[key] for run in runs if key in run]
        x0 = pairs[0][0]
        ys = np.stack([y for x, y in pairs if x.shape == x0.shape and np.array_equal(x, x0)])
        with np.errstate(all="ignore"):
            bands[key] = Band(
                key, x0, np.nanmedian(ys, axis=0), np.nanmin(ys, axis=0), np.nanmax(ys, axis=0), len(ys)
            )
    return bands
