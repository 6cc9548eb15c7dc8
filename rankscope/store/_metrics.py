"""``metrics.jsonl``: one JSON object per line, appended and fsynced as training goes.

The one file of a run directory that is appended to rather than replaced. A kill can cut the last
line short; such a line is recognised by its missing newline, dropped on read
(:func:`read_records`) and cut off before the next append (:func:`append_line`). Any other
malformed line is an error naming its line number.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from rankscope.store._atomic import StoreError
from rankscope.store._codec import cut_partial_line, dumps_json

__all__ = [
    "METRICS_FILE",
    "append_line",
    "check_step",
    "encode_record",
    "read_records",
    "records_through",
]

METRICS_FILE = "metrics.jsonl"


def encode_record(record: object) -> bytes:
    """One metrics line: ``record`` (a dict) as strict ASCII JSON (via ``to_jsonable``) and ``\\n``."""
    if not isinstance(record, dict):
        raise TypeError(f"record must be a dict; got {type(record).__name__}")
    return dumps_json(record, "metrics record").encode("ascii") + b"\n"


def append_line(path: Path, line: bytes) -> None:
    """Append ``line`` to ``path``, flushed and fsynced, after cutting off a partial last line."""
    with open(path, "a+b") as fh:
        cut_partial_line(fh)
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def read_records(path: Path) -> list[dict[str, Any]]:
    """All complete records of the metrics file ``path`` (``[]`` if it does not exist).

    A last line without its newline is a write cut short by a kill and is dropped; a malformed
    line anywhere else raises :class:`StoreError` naming its line number.
    """
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return []
    lines = raw.split(b"\n")
    lines.pop()  # b"" after a final newline, or an unterminated (partial) last line
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise StoreError(f"{path} line {number} is not valid JSON ({exc}): {line[:80]!r}") from exc
        if not isinstance(record, dict):
            raise StoreError(f"{path} line {number} is a JSON {type(record).__name__}, expected an object")
        records.append(record)
    return records


def check_step(step: object) -> None:
    """``step`` must be an int (a numpy integer will do), not a bool."""
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        raise TypeError(f"step must be an int; got {type(step).__name__} {step!r}")


def records_through(records: list[dict[str, Any]], step: int) -> str:
    """The text of a metrics file holding the ``records`` whose ``"step"`` is at most ``step``.

    Records without a numeric ``"step"`` are kept.
    """
    kept = [r for r in records if not (isinstance(r.get("step"), (int, float)) and r["step"] > step)]
    return "".join(dumps_json(r, "metrics record") + "\n" for r in kept)
