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

import base64
import datetime as _dt
import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rankscope.store import REPORT_FILE, RunDir, StoreError, rankscope_version

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
tr.fragile td.holds, tr.fragile td.status { color: #8a5a00; background: #fff4d6; }
td.status { font-weight: bold; } tr.pass td.status { color: #1a7f37; } tr.fail td.status { color: #c62828; }
.banner { padding: 0.6em 1em; border-radius: 4px; font-weight: bold; }
.banner.incomplete { background: #fff4d6; color: #8a5a00; border: 1px solid #e8c66a; }
.note { color: #8a5a00; }
.tally { font-weight: bold; } .tally.pass { color: #1a7f37; } .tally.fail { color: #c62828; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; text-align: center; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
footer { margin-top: 2.5em; color: #888; font-size: 0.85em; border-top: 1px solid #eee;
         padding-top: 0.5em; }
"""


def _fmt(value: object) -> str:
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


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _flatten(mapping: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``[(dotted.key, leaf value)]`` in insertion order; lists stay leaves."""
    rows: list[tuple[str, Any]] = []
    for key, value in mapping.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            rows.extend(_flatten(value, name))
        else:
            rows.append((name, value))
    return rows


def _cell(value: object, tag: str = "td") -> str:
    cls = ' class="num"' if _is_number(value) else ""
    return f"<{tag}{cls}>{html.escape(_fmt(value))}</{tag}>"


def _key_value_table(rows: list[tuple[str, Any]], header: tuple[str, str]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th>{_cell(v)}</tr>" for k, v in rows)
    head = f"<tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


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
            shown = "—" if margin is None else f"{_fmt(margin)} (band ±{_fmt(band)})"
            extra += f'<td class="num">{html.escape(shown)}</td>'
        rows.append(
            f'<tr class="{row_cls}"><td>{html.escape(str(check["name"]))}</td>'
            f"{_cell(check['paper'])}{_cell(check['ours'])}"
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
        parts = [
            f"<h3>{html.escape(str(k))}</h3>{_key_value_table(_flatten(v), ('measure', 'value'))}"
            for k, v in measures.items()
        ]
        parts += [
            f"<h3>{html.escape(str(k))}</h3><p>not applicable: {html.escape(str(why))}</p>"
            for k, why in skipped.items()
        ]
        return "".join(parts)
    return _key_value_table(results, ("result", "value")) if results else "<p>No other results.</p>"


def _provenance_section(provenance: object) -> str:
    if not isinstance(provenance, dict):
        return "<p>No provenance was recorded.</p>"
    rows: list[tuple[str, Any]] = [
        (key, provenance.get(key)) for key in ("cpu", "machine", "os", "python", "torch_threads")
    ]
    torch_info = provenance.get("torch")
    if isinstance(torch_info, dict):
        rows.append(("torch cpu capability", torch_info.get("cpu_capability")))
    for lib in provenance.get("blas") or []:
        if isinstance(lib, dict):
            name = f"{lib.get('internal_api', '?')} {lib.get('version') or ''}".strip()
            kernel = lib.get("architecture") or lib.get("threading_layer") or ""
            rows.append(
                (f"{lib.get('user_api', 'lib')}: {name}", f"{kernel} {lib.get('num_threads')} threads")
            )
    for key, value in (provenance.get("env") or {}).items():
        rows.append((f"env {key}", value))
    for key, value in (provenance.get("versions") or {}).items():
        rows.append((f"{key} version", value))
    git = provenance.get("git")
    if isinstance(git, dict):
        rows.append(("git commit", f"{git.get('commit')}" + (" (dirty)" if git.get("dirty") else "")))
    return _key_value_table(rows, ("where it ran", "value"))


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


def _html_page(title: str, body: str, *, css: str = _CSS) -> str:
    """A whole self-contained page: head (``title``, the style sheet ``css``), ``body`` (the HTML
    between ``<body>`` and the footer) and the footer naming this rankscope's version and the time."""
    version = rankscope_version()
    generated = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rankscope — {html.escape(title)}</title>
<style>{css}</style>
</head>
<body>
{body}
<footer>Generated by rankscope {html.escape(version)} on {html.escape(generated)}.</footer>
</body>
</html>
"""


def _last_step(run: RunDir, metrics: list[dict[str, Any]]) -> int | None:
    steps = [r["step"] for r in metrics if _is_number(r.get("step"))]
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
    results = _flatten({k: v for k, v in summary.items() if k not in ("checks", "provenance")})
    resolved = config.get("config", {})
    config_rows = _flatten(resolved) if isinstance(resolved, dict) else []
    raw_toml = (run.path / "config.toml").read_text(encoding="utf-8")

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
    banner = ""
    if not complete:
        shown = "no step recorded" if last_step is None else f"last step {_fmt(last_step)}"
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
        _key_value_table(config_rows, ("key", "value"))
        if config_rows
        else "<p>The configuration is empty.</p>"
    )
    notes_html = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    provenance_html = (
        f"<h2>Where it ran</h2>{_provenance_section(summary['provenance'])}"
        if "provenance" in summary
        else ""
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
{_figures_section(figures)}
{provenance_html}
<h2>Configuration</h2>
{config_html}
<details><summary>config.toml</summary><pre>{html.escape(raw_toml)}</pre></details>"""
    return run.write_text(REPORT_FILE, _html_page(title, body))
