"""Experiments: typed configs with named presets, a registry, and reproduction checks.

Each experiment is a class with a frozen-dataclass ``Config``, a ``presets`` mapping (``quick`` for CI,
``paper`` for the paper's sizes) of overrides on the config defaults, and
``run(config, run_dir, progress) -> summary``; it composes library parts (problem, model, sampler,
builder, measure) rather than re-implementing them.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from rankscope.experiments.checks import Check

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "REGISTRY",
    "Check",
    "Experiment",
    "Progress",
    "config_from_dict",
    "get_experiment",
    "parse_overrides",
    "register",
    "resolve_config",
]

#: ``progress(label, done, total)`` — reports training progress; the CLI draws a bar with it.
Progress = Callable[[str, int, int], None]


def no_progress(label: str, done: int, total: int) -> None:
    """A ``Progress`` that ignores everything."""


class Experiment:
    """Base class of the experiments. Subclasses set the class variables and ``run``."""

    name: ClassVar[str]
    summary: ClassVar[str]  # one line: what it reproduces
    paper: ClassVar[str]  # file and figure/example
    Config: ClassVar[type]
    presets: ClassVar[Mapping[str, Mapping[str, Any]]]

    def run(self, config: Any, run_dir: Any, progress: Progress = no_progress) -> dict[str, Any]:
        raise NotImplementedError

    def figures(self, run_dir: Any) -> None:
        """Draw the figures from what the run directory holds (``rankscope report`` calls this)."""


REGISTRY: dict[str, Experiment] = {}


def register(cls: type[Experiment]) -> type[Experiment]:
    """Class decorator adding an experiment to ``REGISTRY`` under ``cls.name``."""
    if cls.name in REGISTRY:
        raise ValueError(f"experiment {cls.name!r} is registered twice")
    if "quick" not in cls.presets or "paper" not in cls.presets:
        raise ValueError(f"experiment {cls.name!r} must define 'quick' and 'paper' presets")
    REGISTRY[cls.name] = cls()
    return cls


def get_experiment(name: str) -> Experiment:
    """The registered experiment ``name``; an unknown name raises listing the known ones."""
    if name not in REGISTRY:
        raise ValueError(
            f"experiment {name!r} is unknown; expected one of {sorted(REGISTRY)} (see `rankscope list`)"
        )
    return REGISTRY[name]


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
        raise ValueError(f"{key}: {value!r} does not match {tp}")
    if origin in (tuple, list, Sequence) or tp in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{key} must be a list; got {value!r}")
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(key, v, args[0]) for v in value)
        if origin is tuple and args:
            if len(args) != len(value):
                raise ValueError(f"{key} must have {len(args)} entries; got {value!r}")
            return tuple(_coerce(key, v, a) for v, a in zip(value, args, strict=True))
        inner = args[0] if args else Any
        return tuple(_coerce(key, v, inner) for v in value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false; got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key} must be an integer; got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key} must be a number; got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string; got {value!r}")
        return value
    return value


def config_from_dict(cls: type, data: Mapping[str, Any], *, source: str = "config") -> Any:
    """Build the config dataclass ``cls`` from plain data, checking keys and types."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{source}: unknown key(s) {unknown}; expected some of {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    values = {k: _coerce(k, v, hints[k]) for k, v in data.items()}
    try:
        return cls(**values)
    except TypeError as exc:
        raise ValueError(f"{source}: {exc}") from exc


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
            out[key] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = raw
    return out


def resolve_config(exp: Experiment, preset: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """Defaults, then the preset's overrides, then the user's; type-checked."""
    if preset not in exp.presets:
        raise ValueError(
            f"preset {preset!r} is unknown for experiment {exp.name!r}; expected one of {sorted(exp.presets)}"
        )
    base = dataclasses.asdict(exp.Config())
    base.update(exp.presets[preset])
    if overrides:
        fields = {f.name for f in dataclasses.fields(exp.Config)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(
                f"--set: unknown key(s) {unknown} for experiment {exp.name!r}; "
                f"expected some of {sorted(fields)}"
            )
        base.update(overrides)
    return config_from_dict(exp.Config, base, source=f"{exp.name} config")
