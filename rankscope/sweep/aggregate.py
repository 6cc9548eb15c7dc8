"""Aggregate a sweep across seeds: statistics of measures and checks, bands of series, one report.

Points of a sweep that differ only in the seed key (``seed`` unless the sweep says otherwise) form a
*setting*. For each setting:

* every scalar of each run's ``summary.json["measures"]`` (nested dicts flattened to dotted keys;
  ``true``/``false`` counted as 1/0; lists and strings left out) gets ``n`` (runs with a finite
  value), mean, sample standard deviation (``ddof = 1``; undefined for one run), min and max;
* every check gets ``held`` of ``total`` runs, and *holds for the setting* when
  ``held >= holds_fraction * total`` (``holds_fraction`` is recorded in ``sweep.json``; 0.8 by
  default, so 4 of 5 seeds);
* every series of ``arrays.npz`` — a 1-D array ``PREFIX/NAME`` beside an x-axis array
  ``PREFIX/iter`` (or ``step``, ``steps``, ``epoch``) of the same length — gets a band: the median
  over seeds and the min–max envelope, over runs that share the same x values.

:func:`build_sweep_report` writes ``report.html`` (self-contained, figures embedded),
``aggregate.json`` and ``figures/sweep_*.png`` at the sweep root; ``rankscope report ROOT`` calls it
when :func:`is_sweep_dir` says ``ROOT`` holds a ``sweep.json``.

Example:
    >>> s = measure_stats([{"loss": 1.0}, {"loss": 3.0}])[0]
    >>> (s.n, s.mean, s.min, s.max)
    (2, 2.0, 1.0, 3.0)
"""

from __future__ import annotations

import datetime as _dt
import html
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rankscope.store import RunDir, StoreError, atomic_write_bytes, atomic_write_text, rankscope_version
from rankscope.sweep.runner import SWEEP_FILE, read_sweep

__all__ = [
    "Band",
    "CheckStats",
    "MeasureStats",
    "SettingAggregate",
    "SweepAggregate",
    "aggregate_sweep",
    "build_sweep_report",
    "check_stats",
    "flatten_measures",
    "is_sweep_dir",
    "measure_stats",
    "series_bands",
    "series_of",
]

X_AXES = ("iter", "step", "steps", "epoch")
_MAX_PANELS = 12


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


# --------------------------------------------------------------------------- pure statistics


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


# --------------------------------------------------------------------------- reading a sweep


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


# --------------------------------------------------------------------------- figures and report


def _draw_figures(agg: SweepAggregate) -> list[Path]:
    """One figure per series name, a panel per prefix, a band per setting; saved under figures/."""
    from rankscope.report import new_figure

    names: dict[str, list[str]] = {}
    for s in agg.settings:
        for key in s.bands:
            prefix, _, name = key.rpartition("/")
            names.setdefault(name, [])
            if prefix not in names[name]:
                names[name].append(prefix)
    out_dir = agg.root / "figures"
    saved = []
    for name, prefixes in names.items():
        prefixes = prefixes[:_MAX_PANELS]
        cols = min(3, len(prefixes))
        rows = math.ceil(len(prefixes) / cols)
        fig, axes = new_figure(rows, cols, figsize=(5.0 * cols, 3.6 * rows), squeeze=False)
        for ax, prefix in zip(axes.flat, prefixes, strict=False):
            key = f"{prefix}/{name}" if prefix else name
            positive = True
            for i, s in enumerate(agg.settings):
                band = s.bands.get(key)
                if band is None:
                    continue
                color = f"C{i % 10}"
                ax.plot(band.x, band.median, color=color, linewidth=1.2, label=f"{s.label} (n={band.n})")
                ax.fill_between(band.x, band.lo, band.hi, color=color, alpha=0.25, linewidth=0)
                positive = positive and bool(np.all(band.lo[np.isfinite(band.lo)] > 0))
            if "loss" in name and positive:
                ax.set_yscale("log")
            ax.set_title(prefix or name)
            ax.set_xlabel("step")
            ax.set_ylabel(name)
            ax.legend(fontsize="x-small", frameon=False)
        for ax in list(axes.flat)[len(prefixes) :]:
            ax.set_visible(False)
        fig.suptitle(f"{name}: median over seeds (line) and min–max band")
        out_dir.mkdir(exist_ok=True)
        target = out_dir / f"sweep_{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        atomic_write_bytes(target, buffer.getvalue())
        saved.append(target)
    return saved


def _num(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.4g}"


def _checks_html(agg: SweepAggregate) -> str:
    rows, held, total = [], 0, 0
    for s in agg.settings:
        for c in s.checks:
            total += 1
            held += c.holds
            mark = "✓" if c.holds else "✗"
            rows.append(
                f'<tr class="{"pass" if c.holds else "fail"}"><td>{html.escape(s.label)}</td>'
                f"<td>{html.escape(c.name)}</td><td>{html.escape(c.paper)}</td>"
                f'<td class="num">{c.held} of {c.total}</td><td class="num">{_num(c.fraction)}</td>'
                f'<td class="holds">{mark}</td></tr>'
            )
    if not rows:
        return "<p>No finished run records a check.</p>"
    cls = "pass" if held == total else "fail"
    return (
        f'<p class="tally {cls}">{held} of {total} (setting, check) pairs hold: a check holds for a '
        f"setting when it holds in at least {agg.holds_fraction:.0%} of its seeds.</p>"
        "<table><thead><tr><th>setting</th><th>check</th><th>paper</th><th>held in</th>"
        f"<th>fraction</th><th>holds</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _measures_html(agg: SweepAggregate) -> str:
    parts = []
    for s in agg.settings:
        rows = "".join(
            f"<tr><th>{html.escape(m.name)}</th><td class='num'>{m.n}</td><td class='num'>{_num(m.mean)}</td>"
            f"<td class='num'>{_num(m.std)}</td><td class='num'>{_num(m.min)}</td>"
            f"<td class='num'>{_num(m.max)}</td></tr>"
            for m in s.measures
        )
        body = (
            "<table><thead><tr><th>measure</th><th>n</th><th>mean</th><th>std</th><th>min</th>"
            f"<th>max</th></tr></thead><tbody>{rows}</tbody></table>"
            if rows
            else "<p>No finished run.</p>"
        )
        seeds = ", ".join(html.escape(json.dumps(v)) for v in s.seeds)
        parts.append(
            f"<details open><summary><b>{html.escape(s.label)}</b> — {s.complete} of {len(s.points)} "
            f"runs finished ({html.escape(agg.seed_key)}: {seeds})</summary>{body}</details>"
        )
    return "".join(parts)


def _points_html(agg: SweepAggregate) -> str:
    rows = []
    for p in agg.points:
        name = html.escape(p["name"])
        if (agg.root / p["dir"] / "report.html").is_file():
            name = f'<a href="{html.escape(p["dir"])}/report.html">{name}</a>'
        seconds = p.get("seconds")
        rows.append(
            f'<tr class="{"pass" if p["status"] == "done" else "fail"}"><td>{name}</td>'
            f"<td>{html.escape(p['status'])}</td><td class='num'>{p.get('attempts', 0)}</td>"
            f"<td class='num'>{'—' if seconds is None else f'{seconds:.1f}'}</td>"
            f"<td>{html.escape(str(p.get('error') or ''))}</td></tr>"
        )
    return (
        "<table><thead><tr><th>point</th><th>status</th><th>attempts</th><th>seconds</th><th>error</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _aggregate_json(agg: SweepAggregate) -> str:
    doc = {
        "experiment": agg.experiment,
        "preset": agg.preset,
        "seed_key": agg.seed_key,
        "holds_fraction": agg.holds_fraction,
        "settings": [
            {
                "label": s.label,
                "settings": s.settings,
                "points": list(s.points),
                "complete": s.complete,
                "measures": [asdict(m) for m in s.measures],
                "checks": [{**asdict(c), "fraction": c.fraction} for c in s.checks],
            }
            for s in agg.settings
        ],
    }
    from rankscope.store import to_jsonable

    return json.dumps(to_jsonable(doc), indent=2, allow_nan=False) + "\n"


def build_sweep_report(root: str | Path, holds_fraction: float | None = None) -> Path:
    """Aggregate the sweep at ``root`` and write ``report.html``, ``aggregate.json`` and the band
    figures there; return the report's path. Unfinished points are listed, not aggregated.
    """
    from rankscope.report.html import _CSS, _figures_section, _fmt, _key_value_table

    agg = aggregate_sweep(root, holds_fraction)
    figures = _draw_figures(agg)
    atomic_write_text(agg.root / "aggregate.json", _aggregate_json(agg))
    counts: dict[str, int] = {}
    for p in agg.points:
        counts[p["status"]] = counts.get(p["status"], 0) + 1
    meta = [f"{len(agg.points)} points"] + [f"{k} {v}" for k, v in sorted(counts.items())]
    meta.append(f"{len(agg.settings)} settings, each aggregated over {agg.seed_key}")
    grid_rows = [(k, _fmt(v)) for k, v in agg.grid.items()]
    fixed = [(k, v) for k, v in agg.overrides.items()]
    generated = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    title = f"{agg.experiment} sweep ({agg.preset})"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rankscope — {html.escape(title)}</title>
<style>{_CSS}
details {{ margin: 0.6em 0; }}</style>
</head>
<body>
<h1>{html.escape(agg.experiment)} sweep <span class="preset">preset {html.escape(agg.preset)}</span></h1>
<p class="meta">{" · ".join(html.escape(m) for m in meta)}</p>
<h2>Grid</h2>
{_key_value_table(grid_rows, ("key", "values"))}
{_key_value_table(fixed, ("fixed (--set)", "value")) if fixed else ""}
<h2>Paper claims across seeds</h2>
{_checks_html(agg)}
<h2>Measures across seeds</h2>
<p>Mean, sample standard deviation, min and max over the finished runs of each setting.</p>
{_measures_html(agg)}
<h2>Figures</h2>
{_figures_section(figures)}
<h2>Points</h2>
{_points_html(agg)}
<footer>Generated by rankscope {html.escape(rankscope_version())} on {html.escape(generated)}.</footer>
</body>
</html>
"""
    target = agg.root / "report.html"
    atomic_write_text(target, page)
    return target
