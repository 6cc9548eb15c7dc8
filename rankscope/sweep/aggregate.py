"""Aggregate a sweep across seeds: group its points into settings and take each one's statistics.

Points of a sweep that differ only in the seed key (``seed`` unless the sweep says otherwise) form a
*setting*. :func:`aggregate_sweep` reads the finished runs of each setting and takes the
statistics of :mod:`rankscope.sweep.stats`: measures, checks (a check holds for the setting when it
holds in at least ``holds_fraction`` of its runs; ``holds_fraction`` is recorded in ``sweep.json``,
0.8 by default, so 4 of 5 seeds) and the bands of the series. :func:`is_sweep_dir` says whether a
directory is a sweep root; :func:`rankscope.sweep.build_sweep_report` writes the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rankscope.store import RunDir, StoreError
from rankscope.sweep.state import SWEEP_FILE, read_sweep
from rankscope.sweep.stats import (
    Band,
    CheckStats,
    MeasureStats,
    check_stats,
    flatten_measures,
    measure_stats,
    series_bands,
    series_of,
)

__all__ = ["SettingAggregate", "SweepAggregate", "aggregate_sweep", "is_sweep_dir"]


@dataclass(frozen=True)
class SettingAggregate:
    """One setting (a grid point up to the seed) and its statistics over seeds."""

    label: str
    settings: Mapping[str, Any]
    points: tuple[str, ...]
    seeds: tuple[Any, ...]
    complete: int
    measures: tuple[MeasureStats, ...]
    checks: tuple[CheckStats, ...]
    bands: Mapping[str, Band]


@dataclass(frozen=True)
class SweepAggregate:
    """Every setting of a sweep, with the sweep's description and the points' statuses."""

    root: Path
    experiment: str
    preset: str
    seed_key: str
    holds_fraction: float
    grid: Mapping[str, list[Any]]
    overrides: Mapping[str, Any]
    points: tuple[Mapping[str, Any], ...]
    settings: tuple[SettingAggregate, ...]


def is_sweep_dir(path: str | Path) -> bool:
    """Whether ``path`` is a sweep root (it holds ``sweep.json``)."""
    return (Path(path) / SWEEP_FILE).is_file()


def _label(settings: Mapping[str, Any]) -> str:
    if not settings:
        return "all points"
    return "; ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in settings.items())


def aggregate_sweep(root: str | Path, holds_fraction: float | None = None) -> SweepAggregate:
    """Read a sweep root and aggregate each setting over its seeds (finished runs only).

    ``holds_fraction`` defaults to the one recorded in ``sweep.json``.
    """
    root = Path(root)
    state = read_sweep(root)
    seed_key = str(state.get("seed_key", "seed"))
    fraction = float(state.get("holds_fraction", 0.8)) if holds_fraction is None else holds_fraction
    groups: dict[str, list[dict[str, Any]]] = {}
    group_settings: dict[str, dict[str, Any]] = {}
    points = []
    for p in state["points"]:
        run_dir = root / p["dir"]
        p = dict(p)
        if (run_dir / "summary.json").is_file():
            p["status"] = "done"
        points.append(p)
        rest = {k: v for k, v in p["settings"].items() if k != seed_key}
        label = _label(rest)
        groups.setdefault(label, []).append(p)
        group_settings[label] = rest
    settings = []
    for label, members in groups.items():
        flats, checks, series = [], [], []
        for p in members:
            if p["status"] != "done":
                continue
            run = RunDir(root / p["dir"])
            try:
                summary = run.read_summary()
                arrays = run.read_arrays()
            except StoreError:
                continue
            flats.append(flatten_measures(summary.get("measures", {})))
            checks.append(summary["checks"])
            series.append(series_of(arrays))
        settings.append(
            SettingAggregate(
                label=label,
                settings=group_settings[label],
                points=tuple(p["name"] for p in members),
                seeds=tuple(p["settings"].get(seed_key) for p in members),
                complete=len(flats),
                measures=tuple(measure_stats(flats)),
                checks=tuple(check_stats(checks, fraction)),
                bands=series_bands(series),
            )
        )
    return SweepAggregate(
        root=root,
        experiment=str(state["experiment"]),
        preset=str(state["preset"]),
        seed_key=seed_key,
        holds_fraction=fraction,
        grid=state.get("grid", {}),
        overrides=state.get("overrides", {}),
        points=tuple(points),
        settings=tuple(settings),
    )
