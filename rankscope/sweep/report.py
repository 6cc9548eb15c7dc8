"""The report of a sweep: ``report.html``, ``aggregate.json`` and ``figures/sweep_*.png`` at its root.

:func:`build_sweep_report` aggregates the sweep (:func:`rankscope.sweep.aggregate_sweep`) and writes
a self-contained page (figures embedded): the grid, each (setting, check) pair with how often it
held, each setting's measures across seeds, one figure per series with a median line and min–max
band per setting, and every point's status. ``rankscope report ROOT`` calls it when
:func:`rankscope.sweep.is_sweep_dir` says ``ROOT`` holds a ``sweep.json``.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rankscope.store import atomic_write_bytes, atomic_write_text
from rankscope.sweep.aggregate import SweepAggregate, aggregate_sweep

__all__ = ["build_sweep_report"]

_MAX_PANELS = 12


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
    from rankscope.report.page import CSS as _CSS
    from rankscope.report.page import figures_section as _figures_section
    from rankscope.report.page import fmt as _fmt
    from rankscope.report.page import html_page as _html_page
    from rankscope.report.page import key_value_table as _key_value_table

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
    title = f"{agg.experiment} sweep ({agg.preset})"
    preset = f'<span class="preset">preset {html.escape(agg.preset)}</span>'
    body = f"""<h1>{html.escape(agg.experiment)} sweep {preset}</h1>
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
{_points_html(agg)}"""
    page = _html_page(title, body, css=_CSS + "\ndetails { margin: 0.6em 0; }")
    target = agg.root / "report.html"
    atomic_write_text(target, page)
    return target
