"""Plain data for the run directory's JSON and TOML files, and the checks on what is read back.

Two converters: :func:`plain`, lenient (containers and numpy values to JSON-shaped Python data,
every other leaf kept; for settings, overrides and configs that are already plain but for their
containers), and :func:`checked_plain`, strict (every value converted or refused, naming where it
sits), behind :func:`to_jsonable` and the files of a run directory.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
import math
import os
from collections.abc import Mapping
from pathlib import PurePath
from typing import IO, Any

import numpy as np

from rankscope.store._atomic import StoreError

__all__ = [
    "checked_plain",
    "config_diff",
    "cut_partial_line",
    "dumps_json",
    "plain",
    "to_jsonable",
    "tomlable",
    "validate_summary",
]

CHECK_KEYS = ("name", "paper", "ours", "holds")
CHECK_STATUSES = ("holds", "fragile", "fails")


def checked_plain(obj: object, where: str, *, nonfinite_to_none: bool) -> Any:
    """Recursively turn ``obj`` into dicts, lists, str, int, float, bool and None, or raise
    ``TypeError`` naming ``where`` it sits."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, enum.Enum):
        return checked_plain(obj.value, where, nonfinite_to_none=nonfinite_to_none)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if nonfinite_to_none and not math.isfinite(obj):
            return None
        return float(obj)
    if isinstance(obj, np.generic):
        if np.iscomplexobj(obj):
            raise TypeError(f"{where} is complex ({obj!r}); store its real and imaginary parts")
        return checked_plain(obj.item(), where, nonfinite_to_none=nonfinite_to_none)
    if isinstance(obj, np.ndarray):
        if obj.dtype == object or np.iscomplexobj(obj):
            raise TypeError(f"{where} is an array of dtype {obj.dtype}; expected real or bool")
        return checked_plain(obj.tolist(), where, nonfinite_to_none=nonfinite_to_none)
    if type(obj).__module__.startswith("torch") and hasattr(obj, "detach"):
        return checked_plain(obj.detach().cpu().tolist(), where, nonfinite_to_none=nonfinite_to_none)
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if isinstance(key, enum.Enum):
                key = key.value
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, (str, int, np.integer)):
                raise TypeError(
                    f"{where} has key {key!r} of type {type(key).__name__}; expected str or int keys"
                )
            out[str(key)] = checked_plain(value, f"{where}[{key!r}]", nonfinite_to_none=nonfinite_to_none)
        return out
    if isinstance(obj, (list, tuple)):
        return [
            checked_plain(v, f"{where}[{i}]", nonfinite_to_none=nonfinite_to_none) for i, v in enumerate(obj)
        ]
    if isinstance(obj, (set, frozenset)):
        items = [checked_plain(v, f"{where}{{}}", nonfinite_to_none=nonfinite_to_none) for v in obj]
        try:
            return sorted(items)
        except TypeError:
            return items
    raise TypeError(
        f"{where} of type {type(obj).__name__} ({obj!r:.60}) cannot be stored as "
        "plain data; expected numbers, str, bool, None, arrays, Paths, dataclasses, "
        "or lists/dicts of them"
    )


def plain(value: object) -> Any:
    """``value`` as JSON-shaped Python data, leniently: containers and numpy values converted.

    Mappings become dicts with ``str`` keys, tuples and lists become lists, numpy arrays nested
    lists and numpy scalars Python scalars (``.item()``), recursively; every other leaf is returned
    as it is (nothing is validated, NaN and Inf are kept), so ``plain(x) == x`` for data read from
    JSON. For sweep settings, ``--set`` overrides and resolved configs, which are plain but for
    their containers; use :func:`to_jsonable` to check and convert arbitrary values.

    Example:
        >>> plain({"nets": ((2, 50),), 3: np.float64(0.5), "v": np.arange(2)})
        {'nets': [[2, 50]], '3': 0.5, 'v': [0, 1]}
    """
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_jsonable(obj: object) -> Any:
    """Return ``obj`` as strict-JSON-safe plain data (dict, list, str, int, float, bool, None).

    Converts numpy scalars and arrays, torch tensors, ``Path`` (to str), dataclasses (to dicts of
    their fields), ``Enum`` (to its value), dates (ISO 8601), tuples and sets (to lists) and int
    dict keys (to str). **Non-finite floats (NaN, +-Inf) become ``None``** (JSON has no NaN;
    ``np.asarray(values, dtype=float)`` turns them back into NaN). Anything else, including
    complex numbers, raises ``TypeError`` naming where in ``obj`` it sits.

    Example:
        >>> to_jsonable({"r": np.int64(3), "s": np.array([1.0, np.nan])})
        {'r': 3, 's': [1.0, None]}
    """
    return checked_plain(obj, "value", nonfinite_to_none=True)


def dumps_json(obj: object, where: str, *, indent: int | None = None) -> str:
    data = checked_plain(obj, where, nonfinite_to_none=True)
    return json.dumps(data, indent=indent, allow_nan=False, ensure_ascii=True)


def tomlable(config: object) -> dict[str, Any]:
    """Plain data for TOML: NaN/Inf kept (TOML has them), None-valued dict keys dropped."""
    data = checked_plain(config, "config", nonfinite_to_none=False)
    if not isinstance(data, dict):
        raise TypeError(f"config must be a dict (or dataclass); got {type(config).__name__}")

    def drop_none(value: object, where: str) -> Any:
        if isinstance(value, dict):
            return {k: drop_none(v, f"{where}.{k}") for k, v in value.items() if v is not None}
        if isinstance(value, list):
            if any(v is None for v in value):
                raise TypeError(
                    f"{where} contains None; TOML has no null, so lists of a config cannot hold None"
                )
            return [drop_none(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    out: dict[str, Any] = drop_none(data, "config")
    return out


def config_diff(stored: object, given: object, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two plain configs (NaN equals NaN)."""
    if isinstance(stored, dict) and isinstance(given, dict):
        diffs = []
        for key in sorted(set(stored) | set(given)):
            name = f"{prefix}.{key}" if prefix else key
            if key not in stored:
                diffs.append(f"{name} (new: {given[key]!r})")
            elif key not in given:
                diffs.append(f"{name} (was {stored[key]!r}, now absent)")
            else:
                diffs.extend(config_diff(stored[key], given[key], name))
        return diffs
    same = stored == given or (
        isinstance(stored, float) and isinstance(given, float) and math.isnan(stored) and math.isnan(given)
    )
    if isinstance(stored, list) and isinstance(given, list) and len(stored) == len(given):
        same = not any(config_diff(s, g, "x") for s, g in zip(stored, given, strict=True))
    return [] if same else [f"{prefix or '<config>'} (was {stored!r}, now {given!r})"]


def cut_partial_line(fh: IO[bytes]) -> None:
    """Truncate an ``a+b`` file back to just after its last newline (drop a torn last line)."""
    end = fh.seek(0, os.SEEK_END)
    if end == 0:
        return
    fh.seek(end - 1)
    if fh.read(1) == b"\n":
        return
    position = end
    chunk = 4096
    while position > 0:
        start = max(0, position - chunk)
        fh.seek(start)
        block = fh.read(position - start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            fh.truncate(start + newline + 1)
            return
        position = start
    fh.truncate(0)


def validate_summary(summary: object, where: str) -> None:
    """A summary is a dict with ``checks``: a list of ``{name: str, paper, ours, holds: bool}``."""
    if not isinstance(summary, dict):
        raise StoreError(f"{where} must be a JSON object; got {type(summary).__name__}")
    if "checks" not in summary:
        raise StoreError(
            f"{where} must contain 'checks': a list of {{name, paper, ours, holds}} "
            "(an empty list if the experiment checks nothing)"
        )
    checks = summary["checks"]
    if not isinstance(checks, list):
        raise StoreError(f"{where} 'checks' must be a list; got {type(checks).__name__}")
    for i, check in enumerate(checks):
        if not isinstance(check, dict):
            raise StoreError(
                f"{where} checks[{i}] must be an object {{name, paper, ours, holds}}; got {check!r:.80}"
            )
        missing = [key for key in CHECK_KEYS if key not in check]
        if missing:
            raise StoreError(
                f"{where} checks[{i}] ({check.get('name', '?')!r}) is missing "
                f"{missing}; each check needs {list(CHECK_KEYS)}"
            )
        if not isinstance(check["name"], str) or not check["name"]:
            raise StoreError(f"{where} checks[{i}] 'name' must be a non-empty str; got {check['name']!r}")
        if not isinstance(check["holds"], bool):
            raise StoreError(
                f"{where} checks[{i}] ({check['name']!r}) 'holds' must be true or "
                f"false; got {check['holds']!r}"
            )
        status = check.get("status")
        if status is not None and status not in CHECK_STATUSES:
            raise StoreError(
                f"{where} checks[{i}] ({check['name']!r}) 'status' must be one of "
                f"{list(CHECK_STATUSES)}; got {status!r}"
            )
