"""The self-contained HTML report of a run directory, finished or not.

:func:`build_report` reads a run directory back (``config.toml``, ``summary.json``,
``metrics.jsonl``, ``figures/*.png``) and writes ``report.html`` beside them: one file with inline
CSS and the figures embedded as ``data:`` URIs, so it can be mailed, archived or opened offline.
Every piece of text from the run is escaped with ``html.escape``. A run that did not finish (no
``summary.json``) gets a report all the same, under the banner "incomplete: last step N".

Example:
    >>> import tempfile
    >>> from rankscope.store import RunDir
    >>> run = RunDir.create(tempfile.mkdtemp() + "/run", experiment="demo", preset="quick",
    ...                     config={"width": 8})
    >>> run.write_summary({"checks": [{"name": "rank grows", "paper": "yes", "ours": "yes",
    ...                                "holds": True}]})
    >>> build_report(run.path).name
    'report.html'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rankscope.report.page import (
    cell,
    figures_section,
    flatten,
    fmt,
    html_page,
    is_number,
    key_value_table,
    measures_section,
    provenance_section,
)
from rankscope.store import REPORT_FILE, RunDir, StoreError

__all__ = ["build_report"]


def _status(check: dict[str, Any]) -> str:
    status = check.get("status")
    if status in ("holds", "fragile", "fails"):
        return str(status)
    return "holds" if check["holds"] else "fails"


def _checks_section(checks: list[dict[str, Any]]) -> str:
    if not checks:
        return "<p>This experiment records no paper claims to check.</p>"
    held = sum(1 for c in checks if c["holds"])
    fragile = sum(1 for c in checks if _status(c) == "fragile")
    with_status = any("status" in c for c in checks)
    with_margin = any("margin" in c for c in checks)
    tally_cls = "pass" if held == len(checks) else "fail"
    rows = []
    for check in checks:
        ok = bool(check["holds"])
        status = _status(check)
        mark = '<span title="holds">✓</span>' if ok else '<span title="does not hold">✗</span>'
        row_cls = "fragile" if status == "fragile" else ("pass" if ok else "fail")
        extra = f'<td class="status">{html.escape(status)}</td>' if with_status else ""
        if with_margin:
            margin, band = check.get("margin"), check.get("band")
            shown = "—" if margin is None else f"{fmt(margin)} (band ±{fmt(band)})"
            extra += f'<td class="num">{html.escape(shown)}</td>'
        rows.append(
            f'<tr class="{row_cls}"><td>{html.escape(str(check["name"]))}</td>'
            f"{cell(check['paper'])}{cell(check['ours'])}"
            f'<td class="holds">{mark}</td>{extra}</tr>'
        )
    head = "<th>check</th><th>paper</th><th>ours</th><th>holds</th>"
    head += "<th>status</th>" if with_status else ""
    head += "<th>margin</th>" if with_margin else ""
    fragile_note = f" ({fragile} fragile: within their band of the criterion)" if fragile else ""
    return (
        f'<p class="tally {tally_cls}">{held} of {len(checks)} checks hold{fragile_note}.</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _command_html(summary: dict[str, Any]) -> str:
    command = summary.get("command")
    return f"<h2>Reproduce</h2><pre>{html.escape(str(command))}</pre>" if command else ""


def _results_html(summary: dict[str, Any], results: list[tuple[str, Any]]) -> str:
    """One table per diagnostic when the measures are grouped (``analyze``), else one table."""
    measures = summary.get("measures")
    if isinstance(measures, dict) and measures and all(isinstance(v, dict) for v in measures.values()):
        skipped = summary.get("not_applicable") or {}
        parts = [f"<h3>{html.escape(str(k))}</h3>{measures_section(v)}" for k, v in measures.items()]
        parts += [
            f"<h3>{html.escape(str(k))}</h3><p>not applicable: {html.escape(str(why))}</p>"
            for k, why in skipped.items()
        ]
        return "".join(parts)
    return key_value_table(results, ("result", "value")) if results else "<p>No other results.</p>"


def _last_step(run: RunDir, metrics: list[dict[str, Any]]) -> int | None:
    steps = [r["step"] for r in metrics if is_number(r.get("step"))]
    return max(steps) if steps else run.checkpoint_step()


def build_report(run_dir: str | Path, *, notes: Sequence[str] = ()) -> Path:
    """Write ``report.html`` for a run directory and return its path.

    The report shows the experiment and preset, a "Paper claim vs measured" table (check | paper |
    ours | holds, with ✓/✗, and the check's ``status`` and ``margin`` when recorded; fragile checks
    are marked), the other results of ``summary.json`` (nested dicts flattened to dotted keys),
    where the run ran (``provenance``), the number of metric records and the last step, every
    ``figures/*.png`` embedded, ``notes`` (e.g. figures skipped), and the resolved configuration.
    It references no external resource. A run without ``summary.json`` (stopped before it
    finished) gets the banner "incomplete: last step N", N from ``metrics.jsonl`` or else the
    newest checkpoint.

    Raises:
        StoreError: the directory does not exist, ``config.toml`` is missing or malformed,
            ``summary.json`` is malformed, or ``metrics.jsonl`` is corrupt.
    """
    run = RunDir(run_dir)
    if not run.path.is_dir():
        raise StoreError(f"run directory {run.path} does not exist")
    config = run.read_config()
    complete = run.is_complete()
    summary = run.read_summary() if complete else {"checks": []}
    metrics = run.read_metrics()
    figures_dir = run.path / "figures"
    figures = sorted(figures_dir.glob("*.png")) if figures_dir.is_dir() else []

    run_info = config.get("run", {}) if isinstance(config.get("run"), dict) else {}
    experiment = str(run_info.get("experiment", run.path.name))
    preset = str(run_info.get("preset", "?"))
    last_step = _last_step(run, metrics)
    results = flatten({k: v for k, v in summary.items() if k not in ("checks", "provenance")})
    resolved = config.get("config", {})
    config_rows = flatten(resolved) if isinstance(resolved, dict) else []
    raw_toml = (run.path / "config.toml").read_text(encoding="utf-8")

    meta = [
        f"run directory <code>{html.escape(run.path.name)}</code>",
        f"created {html.escape(str(run_info.get('created', '?')))}",
        f"{len(metrics)} metric records",
        f"last step {html.escape(fmt(last_step))}",
    ]
    run_version = run_info.get("rankscope_version")
    if run_version is not None:
        meta.append(f"recorded with rankscope {html.escape(str(run_version))}")
    title = f"{experiment} ({preset})"
    banner = ""
    if not complete:
        shown = "no step recorded" if last_step is None else f"last step {fmt(last_step)}"
        banner = (
            f'<p class="banner incomplete">incomplete: {html.escape(shown)} — the run was stopped '
            "before it finished; finish it with <code>--resume</code></p>"
        )
    if complete:
        checks_html = _checks_section(summary["checks"])
    else:
        checks_html = "<p>The run did not finish, so no claim was checked yet.</p>"
    results_html = _results_html(summary, results)
    config_html = (
        key_value_table(config_rows, ("key", "value"))
        if config_rows
        else "<p>The configuration is empty.</p>"
    )
    notes_html = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    provenance_html = (
        f"<h2>Where it ran</h2>{provenance_section(summary['provenance'])}" if "provenance" in summary else ""
    )
    body = f"""<h1>{html.escape(experiment)} <span class="preset">preset {html.escape(preset)}</span></h1>
<p class="meta">{" · ".join(meta)}</p>
{banner}
{"<h2>Paper claim vs measured</h2>" + checks_html if summary.get("checks") or not complete else ""}
{_command_html(summary)}
<h2>Results</h2>
{results_html}
<h2>Figures</h2>
{notes_html}
{figures_section(figures)}
{provenance_html}
<h2>Configuration</h2>
{config_html}
<details><summary>config.toml</summary><pre>{html.escape(raw_toml)}</pre></details>"""
    return run.write_text(REPORT_FILE, html_page(title, body))
