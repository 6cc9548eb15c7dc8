"""``summary.json``: a run's final measures, provenance and checks; written last, it marks the run done.

The document is a JSON object with ``"checks"``: a list of ``{name, paper, ours, holds, status?,
margin?, band?}`` (see :func:`rankscope.store._codec.validate_summary`), checked both when it is
written and when it is read back. Non-finite floats are stored as ``null``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rankscope.store._atomic import StoreError
from rankscope.store._codec import checked_plain, validate_summary

__all__ = ["SUMMARY_FILE", "read_summary", "summary_text"]

SUMMARY_FILE = "summary.json"


def summary_text(summary: object) -> str:
    """The text of ``summary.json`` for ``summary`` (a dict), after checking its ``checks``."""
    if not isinstance(summary, dict):
        raise TypeError(f"summary must be a dict; got {type(summary).__name__}")
    data = checked_plain(summary, "summary", nonfinite_to_none=True)
    validate_summary(data, "summary")
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def read_summary(run_path: Path) -> dict[str, Any]:
    """The parsed and checked ``summary.json`` of the run directory ``run_path``.

    Raises :class:`StoreError` when it is missing (the run did not finish) or malformed.
    """
    sum_path = run_path / SUMMARY_FILE
    try:
        text = sum_path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise StoreError(
            f"{sum_path} is missing: the run in {run_path} is incomplete (it was stopped "
            "before it finished); run it again with --resume to finish it"
        ) from None
    try:
        summary: dict[str, Any] = json.loads(text)  # validate_summary refuses a non-dict
    except ValueError as exc:
        raise StoreError(f"{sum_path} is not valid JSON: {exc}") from exc
    validate_summary(summary, str(sum_path))
    return summary
