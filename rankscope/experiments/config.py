"""Experiment configs: the shared base, value rules, choices, and parsing of ``--set`` overrides.

A config is a frozen dataclass subclassing :class:`ExperimentConfig`. :func:`config_from_dict`
checks every value (its type, the rule of its field, its choices) before anything is written, so a
bad ``--set`` exits with one line naming the key, the value and what was expected.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from rankscope._checks import one_line
from rankscope.devices import DEVICES
from rankscope.experiments.config_rules import (
    FIELD_RULES,
    MAX_COUNT,
    MAX_SEED,
    MAX_THREADS,
    ConfigError,
    Rule,
    check_values,
    choice,
    show,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "FIELD_RULES",
    "MAX_COUNT",
    "MAX_SEED",
    "MAX_THREADS",
    "ConfigError",
    "ExperimentConfig",
    "Rule",
    "choice",
    "config_from_dict",
    "parse_overrides",
]


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """The fields every experiment's config has; experiment configs subclass it.

    ``seed`` seeds torch's global generator before ``run`` (the runner restores the caller's state
    afterwards) and is the base of every per-network seed; ``threads`` is the CPU thread budget the
    runner sets for torch and the BLAS/OpenMP pools during the run, restored afterwards; ``device``
    (``cpu``, ``cuda`` or ``auto``, :func:`rankscope.devices.resolve_device`) is the default device
    of the tensors the run creates (the runner enters it as torch's default device and records the
    resolved one in the summary).
    """

    seed: int = 0
    threads: int = 1
    device: str = choice("cpu", DEVICES)


def _coerce(key: str, value: Any, tp: Any) -> Any:
    """Coerce a TOML value to the dataclass field type ``tp`` or raise naming ``key``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin is typing.Union or origin is types.UnionType:
        for a in args:
            if a is type(None):
                if value is None:
                    return None
                continue
            try:
                return _coerce(key, value, a)
            except ValueError:
                pass
        raise ValueError(f"{key} must match {tp}; got {show(value)}")
    if origin in (tuple, list, Sequence) or tp in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{key} must be a list; got {show(value)}")
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(f"{key}[{i}]", v, args[0]) for i, v in enumerate(value))
        if origin is tuple and args:
            if len(args) != len(value):
                raise ValueError(f"{key} must be a list of {len(args)} entries; got {show(value)}")
            return tuple(
                _coerce(f"{key}[{i}]", v, a) for i, (v, a) in enumerate(zip(value, args, strict=True))
            )
        inner = args[0] if args else Any
        return tuple(_coerce(f"{key}[{i}]", v, inner) for i, v in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false; got {show(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key} must be an integer; got {show(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key} must be a number; got {show(value)}")
        try:
            return float(value)
        except OverflowError:
            raise ValueError(f"{key} must be a finite number; got {show(value)}") from None
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string; got {show(value)}")
        return value
    return value


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def config_from_dict(cls: type, data: Mapping[str, Any], *, source: str = "config") -> Any:
    """Build the config dataclass ``cls`` from plain data, checking keys, types and values.

    Every field (the defaults too) is checked before the dataclass is built: numbers finite
    (unless the field allows inf), counts within their :data:`FIELD_RULES` (or the field's own
    metadata, see :class:`Rule`), lists non-empty, strings non-empty, training stages
    ``[optimizer, steps > 0, lr > 0]``. Then the dataclass's ``__post_init__`` runs and, if it
    defines one, its ``validate()``; any ``ValueError``/``TypeError`` they raise becomes one line.

    Raises:
        ValueError: naming the key, the value and what was expected (a :class:`ConfigError` for a
            value out of range).
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{source}: unknown key(s) {unknown}; expected some of {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    values = {k: _coerce(k, v, hints[k]) for k, v in data.items()}
    for name, f in fields.items():
        value = values[name] if name in values else _default(f)
        if value is not dataclasses.MISSING:
            check_values(f, name, value)
    try:
        config = cls(**values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{source}: {one_line(exc)}") from exc
    validate = getattr(config, "validate", None)
    if callable(validate):
        try:
            validate()
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source}: {one_line(exc)}") from exc
    return config


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings; values are TOML (``3``, ``1e-3``, ``[2, 50]``, ``"tanh"``),
    and a bare word that is not TOML is taken as a string."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--set expects key=value; got {item!r}")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key:
            raise ValueError(f"--set expects key=value with a non-empty key; got {item!r}")
        try:
            doc = tomllib.loads(f"v = {raw}")
        except (ValueError, RecursionError):  # TOMLDecodeError, or an integer of > 4300 digits
            doc = {}
        out[key] = doc["v"] if set(doc) == {"v"} else raw
    return out
