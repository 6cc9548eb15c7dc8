"""The self-contained HTML report of a finished run directory.

:func:`build_report` reads a run directory back (``config.toml``, ``summary.json``,
``metrics.jsonl``, ``figures/*.png``) and writes ``report.html`` beside them: one file with inline
CSS and the figures embedded as ``data:`` URIs, so it can be mailed, archived or opened offline.
Every piece of text from the run is escaped with ``html.escape``.

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

import base64
import datetime as _dt
import html
import json
import math
from pathlib import Path
from typing import Any

from rankscope.store import REPORT_FILE, RunDir, atomic_write_text, rankscope_version

__all__ = ["build_report"]

_MAX_LIST = 10

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { margin-bottom: 0.1em; } h1 .preset { color: #666; font-weight: normal; font-size: 0.7em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
th { background: #f4f4f6; }
td.num { font-variant-numeric: tabular-nums; font-family: ui-monospace, monospace; }
td.holds { text-align: center; font-weight: bold; font-size: 1.15em; }
tr.pass td.holds { color: #1a7f37; background: #e9f7ee; }
tr.fail td.holds { color: #c62828; background: #fdecea; }
.tally { font-weight: bold; } .tally.pass { color: #1a7f37; } .tally.fail { color: #c62828; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; text-align: center; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
footer { margin-top: 2.5em; color: #888; font-size: 0.85em; border-top: 1px solid #eee;
         padding-top: 0.5em; }
"""


def _fmt(value: Any) -> str:
    """A short human-readable rendering of a JSON/TOML value (not yet escaped)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, list):
        if len(value) > _MAX_LIST:
            return f"[{len(value)} values]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _flatten(mapping: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """``[(dotted.key, leaf value)]`` in insertion order; lists stay leaves."""
    rows: list[tuple[str, Any]] = []
    for key, value in mapping.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            rows.extend(_flatten(value, name))
        else:
            rows.append((name, value))
    return rows


def _cell(value: Any, tag: str = "td") -> str:
    cls = ' class="num"' if _is_number(value) else ""
    return f"<{tag}{cls}>{html.escape(_fmt(value))}</{tag}>"


def _key_value_table(rows: list[tuple[str, Any]], header: tuple[str, str]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th>{_cell(v)}</tr>" for k, v in rows)
    head = f"<tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


def _checks_section(checks: list[dict]) -> str:
    if not checks:
        return "<p>This experiment records no paper claims to check.</p>"
    held = sum(1 for c in checks if c["holds"])
    tally_cls = "pass" if held == len(checks) else "fail"
    rows = []
    for check in checks:
        ok = bool(check["holds"])
        mark = '<span title="holds">✓</span>' if ok else '<span title="does not hold">✗</span>'
        rows.append(
            f'<tr class="{"pass" if ok else "fail"}"><td>{html.escape(str(check["name"]))}</td>'
            f"{_cell(check['paper'])}{_cell(check['ours'])}"
            f'<td class="holds">{mark}</td></tr>'
        )
    return (
        f'<p class="tally {tally_cls}">{held} of {len(checks)} checks hold.</p>'
        "<table><thead><tr><th>check</th><th>paper</th><th>ours</th><th>holds</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _figures_section(figures: list[Path]) -> str:
    if not figures:
        return "<p>No figures were saved.</p>"
    parts = []
    for png in figures:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        name = html.escape(png.stem)
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{name}">'
            f"<figcaption>{name}</figcaption></figure>"
        )
    return "".join(parts)


def build_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` for a finished run directory and return its path.

    The report shows the experiment and preset, a "Paper claim vs measured" table (check | paper |
    ours | holds, with ✓/✗), the other results of ``summary.json`` (nested dicts flattened to
    dotted keys), the number of metric records and the last step, every ``figures/*.png``
    embedded, and the resolved configuration. It references no external resource.

    Raises:
        StoreError: ``config.toml`` is missing or malformed, ``summary.json`` is missing (the run
            is incomplete: finish it with ``--resume``) or malformed, or ``metrics.jsonl`` is
            corrupt.
    """
    run = RunDir(run_dir)
    config = run.read_config()
    summary = run.read_summary()
    metrics = run.read_metrics()
    figures_dir = run.path / "figures"
    figures = sorted(figures_dir.glob("*.png")) if figures_dir.is_dir() else []

    run_info = config.get("run", {}) if isinstance(config.get("run"), dict) else {}
    experiment = str(run_info.get("experiment", run.path.name))
    preset = str(run_info.get("preset", "?"))
    steps = [r["step"] for r in metrics if _is_number(r.get("step"))]
    last_step = max(steps) if steps else None
    results = _flatten({k: v for k, v in summary.items() if k != "checks"})
    resolved = config.get("config", {})
    config_rows = _flatten(resolved) if isinstance(resolved, dict) else []
    raw_toml = (run.path / "config.toml").read_text(encoding="utf-8")
    version = rankscope_version()
    generated = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")

    meta = [
        f"run directory <code>{html.escape(run.path.name)}</code>",
        f"created {html.escape(str(run_info.get('created', '?')))}",
        f"{len(metrics)} metric records",
        f"last step {html.escape(_fmt(last_step))}",
    ]
    run_version = run_info.get("rankscope_version")
    if run_version is not None:
        meta.append(f"recorded with rankscope {html.escape(str(run_version))}")
    title = f"{experiment} ({preset})"
    results_html = _key_value_table(results, ("result", "value")) if results else "<p>No other results.</p>"
    config_html = (
        _key_value_table(config_rows, ("key", "value"))
        if config_rows
        else "<p>The configuration is empty.</p>"
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rankscope — {html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{html.escape(experiment)} <span class="preset">preset {html.escape(preset)}</span></h1>
<p class="meta">{" · ".join(meta)}</p>
<h2>Paper claim vs measured</h2>
{_checks_section(summary["checks"])}
<h2>Results</h2>
{results_html}
<h2>Figures</h2>
{_figures_section(figures)}
<h2>Configuration</h2>
{config_html}
<details><summary>config.toml</summary><pre>{html.escape(raw_toml)}</pre></details>
<footer>Generated by rankscope {html.escape(version)} on {html.escape(generated)}.</footer>
</body>
</html>
"""
    target = run.path / REPORT_FILE
    atomic_write_text(target, page)
    return target
