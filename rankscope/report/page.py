"""The page kit of rankscope's HTML reports: the style sheet, value formatting, key-value tables,
the provenance and figure sections, and the self-contained page frame (shared by the run report
:mod:`rankscope.report.html`, the sweep report and the reproduction dashboard).

Every piece of text is escaped with ``html.escape``; figures are embedded as ``data:`` URIs.

Example:
    >>> fmt(0.000123456), fmt([1, 2.5]), cell(3.0)
    ('0.000123456', '[1, 2.5]', '<td class="num">3</td>')
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
from pathlib import Path
from typing import Any

from rankscope.store import rankscope_version

__all__ = [
    "CSS",
    "MAX_LIST",
    "cell",
    "figures_section",
    "flatten",
    "fmt",
    "html_page",
    "is_number",
    "key_value_table",
    "measures_section",
    "provenance_section",
    "records_table",
]

MAX_LIST = 10

CSS = """
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
.wide { overflow-x: auto; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
footer { margin-top: 2.5em; color: #888; font-size: 0.85em; border-top: 1px solid #eee;
         padding-top: 0.5em; }
"""


def fmt(value: object) -> str:
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
        if len(value) > MAX_LIST:
            return f"[{len(value)} values]"
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def flatten(mapping: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``[(dotted.key, leaf value)]`` in insertion order; lists stay leaves."""
    rows: list[tuple[str, Any]] = []
    for key, value in mapping.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            rows.extend(flatten(value, name))
        else:
            rows.append((name, value))
    return rows


def cell(value: object, tag: str = "td") -> str:
    cls = ' class="num"' if is_number(value) else ""
    return f"<{tag}{cls}>{html.escape(fmt(value))}</{tag}>"


def key_value_table(rows: list[tuple[str, Any]], header: tuple[str, str]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th>{cell(v)}</tr>" for k, v in rows)
    head = f"<tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


def _is_record(value: object) -> bool:
    return isinstance(value, dict) and bool(value) and not any(isinstance(v, dict) for v in value.values())


def records_table(mapping: dict[str, Any], key_header: str = "") -> str | None:
    """A table with a row per key and a column per field when every value of ``mapping`` is a flat
    mapping (e.g. ``{layer: {eps_rank: ..., stable_rank: ...}}``); ``None`` otherwise."""
    if not mapping or not all(_is_record(v) for v in mapping.values()):
        return None
    columns = list(dict.fromkeys(k for v in mapping.values() for k in v))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [key_header, *columns])
    body = "".join(
        f"<tr><th>{html.escape(str(k))}</th>" + "".join(cell(v.get(c)) for c in columns) + "</tr>"
        for k, v in mapping.items()
    )
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def measures_section(mapping: dict[str, Any]) -> str:
    """A group of measures: per-item records as one table (row per item), the rest as key-value rows."""
    whole = records_table(mapping)
    if whole is not None:
        return whole
    nested = {k: v for k, v in mapping.items() if isinstance(v, dict) and records_table(v) is not None}
    rest = {k: v for k, v in mapping.items() if k not in nested}
    parts = [key_value_table(flatten(rest), ("measure", "value"))] if rest else []
    parts += [f"<h4>{html.escape(str(k))}</h4>{records_table(v)}" for k, v in nested.items()]
    return "".join(parts)


def provenance_section(provenance: object) -> str:
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
    return key_value_table(rows, ("where it ran", "value"))


def figures_section(figures: list[Path]) -> str:
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


def html_page(title: str, body: str, *, css: str = CSS) -> str:
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
