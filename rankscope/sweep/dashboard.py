"""The reproduction dashboard: ``report.html`` at a reproduction root, one row per paper claim.

:func:`build_dashboard` reads ``ROOT/ledger.json`` (:mod:`rankscope.sweep.ledger_store`) and writes a
self-contained page (inline CSS and SVG, nothing external; every text escaped): the verdict counts,
then per paper one table row per claim — experiment, claim, the paper's statement, our value (the
claim's measures as mean ± std over seeds), the criterion, held k of n, the margin with its ``z``,
a per-seed **strip plot**, the verdict and the diagnosis — then each experiment's seeds and wall
time, and where the runs ran. The strip plot (:func:`strip_svg`) puts one dot per seed at its
margin on a signed log scale (``sign(m) log10(1 + |m| / band)``, capped), with the zero line and the
fragile band shaded; a yes/no claim puts its dots at -1 (failed) and +1 (held).

The style sheet and page frame are the run report's (:mod:`rankscope.report.html`).
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from rankscope.papers import PAPERS
from rankscope.report.page import CSS as _CSS
from rankscope.report.page import html_page as _html_page
from rankscope.report.page import provenance_section as _provenance_section
from rankscope.store import atomic_write_text
from rankscope.sweep.ledger import VERDICTS, ExperimentLedger, Ledger, LedgerRow, SeedOutcome
from rankscope.sweep.ledger_docs import fmt_number as _g
from rankscope.sweep.ledger_store import read_ledger, write_ledger

__all__ = ["DASHBOARD_FILE", "build_dashboard", "render_dashboard", "strip_svg"]

DASHBOARD_FILE = "report.html"
_MAX_VALUES = 4
_W, _H, _PAD = 180, 30, 8
_COLOURS = {"holds": "#1a7f37", "fragile": "#d4a017", "fails": "#c62828", "missing": "#999999"}

_EXTRA_CSS = """
body { max-width: 1500px; }
table.ledger { width: 100%; }
table.ledger td { font-size: 0.88em; overflow-wrap: anywhere; }
table.ledger th { overflow-wrap: normal; }
table.ledger tr.diagnosis td { background: #fafafa; color: #333; border-top: none; }
td.verdict { font-weight: bold; white-space: nowrap; }
.v-robust { color: #1a7f37; background: #e9f7ee; }
.v-fragile { color: #8a5a00; background: #fff4d6; }
.v-not-reproduced { color: #c62828; background: #fdecea; }
.v-paper-inconsistent { color: #3949ab; background: #eef0ff; }
.undiagnosed { color: #c62828; font-weight: bold; }
svg.strip { display: block; }
details.seeds summary { cursor: pointer; color: #555; }
"""


def _signed_log(m: float, band: float) -> float:
    """``sign(m) log10(1 + |m| / band)``, capped at 6 decades (a failed ``-inf`` margin sits at the edge)."""
    return math.copysign(math.log10(1.0 + min(abs(m) / band, 1e6)), m)


def _dot(x: float, y: float, o: SeedOutcome, what: str) -> str:
    colour = _COLOURS.get(o.status, "#999999")
    fill = "none" if o.status == "missing" else colour
    tip = html.escape(f"seed {o.seed}: {what} ({o.status})")
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" stroke="{colour}" fill-opacity="0.8">'
        f"<title>{tip}</title></circle>"
    )


def strip_svg(row: LedgerRow) -> str:
    """One seed a dot: at its margin (signed log scale, zero line, fragile band shaded) for a
    claim with a margin; at -1 (failed) or +1 (held) for a yes/no claim; hollow at the left edge
    for a seed with no result."""
    mid, half, y0 = _W / 2, _W / 2 - _PAD, _H / 2
    parts = [f'<line x1="{mid}" y1="2" x2="{mid}" y2="{_H - 2}" stroke="#555" stroke-width="1"/>']
    measured = [o for o in row.seeds if o.status != "missing"]
    missing = [o for o in row.seeds if o.status == "missing"]
    if row.margin_mean is not None:
        band = row.band if row.band and row.band > 0 else 0.05
        ts = [_signed_log(o.margin, band) for o in measured if o.margin is not None]
        span = max([abs(t) for t in ts] + [_signed_log(3 * band, band)])
        lo, hi = (mid + s * _signed_log(band, band) / span * half for s in (-1, 1))
        parts.insert(0, f'<rect x="{lo:.1f}" y="1" width="{hi - lo:.1f}" height="{_H - 2}" fill="#fff4d6"/>')
        for i, o in enumerate(o for o in measured if o.margin is not None):
            x = mid + _signed_log(o.margin or 0.0, band) / span * half
            parts.append(_dot(x, y0 + ((i % 3) - 1) * 6, o, f"margin {_g(o.margin, 4)}"))
    else:
        held, failed = [o for o in measured if o.holds], [o for o in measured if not o.holds]
        for side, group in ((1, held), (-1, failed)):
            for k, o in enumerate(group):
                x = mid + side * half / 2 + (k - (len(group) - 1) / 2) * 7
                parts.append(_dot(x, y0, o, "held" if o.holds else "failed"))
        parts.append(f'<text x="{mid + 3}" y="{_H - 3}" font-size="8" fill="#777">0</text>')
    for k, o in enumerate(missing):
        parts.append(_dot(_PAD / 2 + 2 + k * 3, y0, o, "no result"))
    label = html.escape(f"{row.claim}: {row.held} of {row.total} seeds hold")
    return (
        f'<svg class="strip" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{label}">{"".join(parts)}</svg>'
    )


def _values(row: LedgerRow) -> str:
    if not row.values:
        return "—"
    shown = [
        f"{v.name} = {_g(v.mean, 4)}" + ("" if math.isnan(v.std) else f" ± {_g(v.std, 2)}")
        for v in row.values[:_MAX_VALUES]
    ]
    more = len(row.values) - _MAX_VALUES
    return "<br>".join(html.escape(s) for s in shown) + (f"<br>… +{more} more" if more > 0 else "")


def _margin(row: LedgerRow) -> str:
    if row.margin_mean is None:
        return "— (yes/no)"
    spread = "" if row.margin_std is None else f" ± {_g(row.margin_std, 2)}"
    z = "" if row.z is None else f" (z {_g(row.z)})"
    return html.escape(f"{_g(row.margin_mean)}{spread}{z}")


def _diagnosis(row: LedgerRow) -> str:
    parts = []
    if row.inconsistency:
        parts.append(f"<b>paper inconsistent:</b> {html.escape(row.inconsistency)}")
    if row.diagnosis:
        parts.append(html.escape(row.diagnosis))
    if row.undiagnosed:
        parts.append('<span class="undiagnosed">undiagnosed</span>')
    return "<br>".join(parts)


def _criterion(row: LedgerRow) -> str:
    seeds = "".join(f"<li>seed {html.escape(str(o.seed))}: {html.escape(o.ours)}</li>" for o in row.seeds)
    return (
        f"{html.escape(row.criterion)}<details class='seeds'><summary>per seed</summary>"
        f"<ul>{seeds}</ul></details>"
    )


def _row_html(row: LedgerRow) -> str:
    cls = "v-" + row.verdict.replace(" ", "-")
    diagnosis = _diagnosis(row)
    # the diagnosis is prose: a full-width row under its claim, so the table fits any window
    below = (
        f"<tr class='diagnosis'><td colspan='9'><b>diagnosis:</b> {diagnosis}</td></tr>" if diagnosis else ""
    )
    return (
        f"<tr><td>{html.escape(row.experiment)}</td><td>{html.escape(row.claim)}</td>"
        f"<td>{html.escape(row.statement)}</td><td class='num'>{_values(row)}</td>"
        f"<td>{_criterion(row)}</td><td class='num'>{row.held} of {row.total}</td>"
        f"<td class='num'>{_margin(row)}</td><td>{strip_svg(row)}</td>"
        f'<td class="verdict {cls}">{html.escape(row.verdict)}</td></tr>{below}'
    )


_HEAD = (
    "<tr><th>experiment</th><th>claim</th><th>the paper states</th><th>ours (mean ± std)</th>"
    "<th>criterion (seed 0)</th><th>held</th><th>margin (z)</th><th>seeds</th><th>verdict</th></tr>"
)


def _papers_html(ledger: Ledger) -> str:
    papers: dict[str, list[LedgerRow]] = {}
    for row in ledger.rows:
        papers.setdefault(row.paper, []).append(row)
    parts = []
    for key, rows in papers.items():
        p = PAPERS.get(key.removeprefix("paper ").strip())
        title = f"{key}: {p.title}" if p is not None else key
        body = "".join(_row_html(r) for r in rows)
        parts.append(
            f"<h2>{html.escape(title)}</h2><table class='ledger'><thead>{_HEAD}</thead><tbody>{body}</tbody>"
            "</table>"
        )
    return "".join(parts) or "<p>The ledger holds no claim.</p>"


def _counts_html(ledger: Ledger) -> str:
    counts = ledger.counts()
    rows = "".join(
        f'<tr><td class="verdict v-{v.replace(" ", "-")}">{html.escape(v)}</td>'
        f'<td class="num">{counts[v]}</td></tr>'
        for v in VERDICTS
    )
    rows += f'<tr><td class="undiagnosed">undiagnosed</td><td class="num">{counts["undiagnosed"]}</td></tr>'
    return f"<table><thead><tr><th>verdict</th><th>claims</th></tr></thead><tbody>{rows}</tbody></table>"


def _experiments_html(ledger: Ledger, root: Path | None) -> str:
    def name(e: ExperimentLedger) -> str:
        text = html.escape(e.name)
        if root is not None and (root / e.name / "report.html").is_file():
            return f'<a href="{html.escape(e.name)}/report.html">{text}</a>'
        return text

    rows = "".join(
        f"<tr><td>{name(e)}</td><td>{html.escape(e.paper)}</td><td class='num'>{e.complete} of "
        f"{len(e.seeds)}</td><td class='num'>{e.failed}</td><td class='num'>"
        f"{'—' if e.wall_mean is None else f'{e.wall_mean:.1f}'}</td>"
        f"<td>{'<br>'.join(html.escape(err[:300]) for err in e.errors)}</td></tr>"
        for e in ledger.experiments
    )
    return (
        "<table><thead><tr><th>experiment</th><th>paper</th><th>seeds complete</th><th>failed</th>"
        f"<th>wall time per seed (s)</th><th>errors</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_dashboard(ledger: Ledger, root: Path | None = None) -> str:
    """The dashboard page of ``ledger`` (links to the sweep reports that exist under ``root``)."""
    meta = (
        f"{len(ledger.experiments)} experiments · {len(ledger.rows)} claims · {ledger.seeds} seeds each · "
        f"preset {ledger.preset} · ledger of {ledger.date}"
    )
    body = f"""<h1>Reproduction ledger <span class="preset">preset {html.escape(ledger.preset)}</span></h1>
<p class="meta">{html.escape(meta)}</p>
<pre>{html.escape(ledger.command)}</pre>
<h2>Verdicts</h2>
<p>robust: holds in every seed, none fragile, and a margin at least 2 seed spreads above zero (z ≥ 2);
fragile: holds in some seeds; not reproduced: holds in none; paper inconsistent: the paper contradicts
itself. The strip plots put one dot per seed at its margin (signed log scale; the shaded band is the
fragile band, the line is zero); yes/no claims at -1 (failed) and +1 (held).</p>
{_counts_html(ledger)}
{_papers_html(ledger)}
<h2>Experiments</h2>
{_experiments_html(ledger, root)}
<h2>Where it ran</h2>
{_provenance_section(dict(ledger.provenance))}"""
    return _html_page("reproduction ledger", body, css=_CSS + _EXTRA_CSS)


def build_dashboard(root: str | Path, *, refresh_ledger: bool = False) -> Path:
    """Write ``ROOT/report.html`` from ``ROOT/ledger.json``; return its path.

    ``refresh_ledger=True`` first rebuilds ``ledger.json`` from the runs (``rankscope report ROOT``
    does, so that runs finished since are counted).
    """
    root = Path(root)
    if refresh_ledger:
        write_ledger(root)
    target = root / DASHBOARD_FILE
    atomic_write_text(target, render_dashboard(read_ledger(root), root))
    return target
