"""Experiments: typed configs with named presets, a registry, and reproduction checks.

Each experiment is a class with a frozen-dataclass ``Config``, a ``presets`` mapping (``quick`` for CI,
``paper`` for the paper's sizes) of overrides on the config defaults, and
``run(config, run_dir, progress) -> summary``; it composes library parts (problem, model, sampler,
builder, measure) rather than re-implementing them.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from rankscope._checks import one_line
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "FIELD_RULES",
    "REGISTRY",
    "Check",
    "Claim",
    "ConfigError",
    "Experiment",
    "ExperimentConfig",
    "Progress",
    "Result",
    "Rule",
    "choice",
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


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """The fields every experiment's config has; experiment configs subclass it.

    ``seed`` seeds torch's global generator before ``run`` (the runner restores the caller's state
    afterwards) and is the base of every per-network seed; ``threads`` is the CPU thread budget the
    runner sets for torch and the BLAS/OpenMP pools during the run, restored afterwards.
    """

    seed: int = 0
    threads: int = 1


class Experiment:
    """Base class of the experiments: a typed config, presets, ``run`` and a claim table.

    ``run(config, run_dir, progress)`` trains or computes, appends records to the run directory and
    returns a :class:`~rankscope.experiments.claims.Result` (measures and arrays). The runner writes
    the arrays, evaluates ``claims`` (a table of :class:`~rankscope.experiments.claims.Claim`) on the
    measures, draws ``figures`` and writes ``summary.json``.
    """

    name: ClassVar[str]
    summary: ClassVar[str]  # one line: what it reproduces
    paper: ClassVar[str]  # file and figure/example
    Config: ClassVar[type]
    presets: ClassVar[Mapping[str, Mapping[str, Any]]]
    claims: ClassVar[Sequence[Claim]] = ()

    def run(self, config: Any, run_dir: Any, progress: Progress = no_progress) -> Result | dict[str, Any]:
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


#: The largest count a config accepts (torch and numpy index with 32-bit integers in places).
MAX_COUNT = 2**31 - 1
#: The largest seed (numpy's legacy seeding takes 32-bit seeds).
MAX_SEED = 2**32 - 1
#: The most CPU threads a run may ask for.
MAX_THREADS = 1024


def _show(value: Any) -> str:
    """``repr(value)``, shortened to one readable piece."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(_listed(value))
    return text if len(text) <= 80 else text[:77] + "..."


def _listed(value: Any) -> Any:
    """Tuples as lists, as the user wrote them in TOML."""
    if isinstance(value, (list, tuple)):
        return [_listed(v) for v in value]
    return value


class ConfigError(ValueError):
    """A config value is invalid: the message names the key, the value and what was expected.

    A config dataclass's ``validate(self)`` may raise it: ``raise ConfigError("nets", self.nets,
    "a list of [depth, width] pairs")``.
    """

    def __init__(self, key: str, value: Any, expected: str) -> None:
        super().__init__(f"{key} must be {expected}; got {_show(value)}")
        self.key, self.value, self.expected = key, value, expected


@dataclasses.dataclass(frozen=True)
class Rule:
    """What the numbers of a config field (each element's, for a list) may be.

    ``low``/``high`` bound them (``None``: unbounded; ``*_open``: the bound itself excluded);
    ``allow_inf`` admits +-inf (NaN never); ``allow_empty`` admits an empty list. A field states its
    own rule with dataclass metadata, ``field(default=..., metadata={"min": 0, "max": 1,
    "min_open": True, "max_open": False, "allow_inf": True, "allow_empty": True})`` (each key
    optional, the rest taken from the rule by name below).
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    allow_inf: bool = False
    allow_empty: bool = False

    def admits(self, v: float) -> bool:
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            return False
        return not (self.high is not None and (v > self.high or (self.high_open and v == self.high)))

    def describe(self, kind: str) -> str:
        def num(x: float) -> str:
            return str(int(x)) if float(x).is_integer() else f"{x:g}"

        if self.low is not None and self.high is not None:  # a bounded number is finite: say no more
            lo, hi = "(" if self.low_open else "[", ")" if self.high_open else "]"
            prefix = "" if kind.startswith("a finite") else f"{kind} "
            return f"{prefix}in {lo}{num(self.low)}, {num(self.high)}{hi}"
        if self.low is not None:
            return f"{kind} {'>' if self.low_open else '>='} {num(self.low)}"
        if self.high is not None:
            return f"{kind} {'<' if self.high_open else '<='} {num(self.high)}"
        return kind


_COUNT = Rule(1, MAX_COUNT)
_POSITIVE = Rule(0.0, low_open=True)
_SEED = Rule(0, MAX_SEED)
#: Rules by field name, for every experiment; a field's own metadata overrides them. Other ints are
#: counts (``_COUNT``: 1 .. MAX_COUNT); other floats need only be finite, except the names
#: :func:`_rule_for` recognises (rates, tolerances, ratios, levels: > 0; fractions: (0, 1]).
FIELD_RULES: dict[str, Rule] = {
    "threads": Rule(1, MAX_THREADS),
    "seed": _SEED,
    "seeds": _SEED,
    "phase1_steps": Rule(0, MAX_COUNT),
    "targets": Rule(0, MAX_COUNT),
    "kernel_at": Rule(0.0, 1.0),
    "test_fraction": Rule(0.0, 1.0, low_open=True, high_open=True),
    "udi_radius_fraction": _POSITIVE,
    "max_accuracy_drop": Rule(0.0, 1.0),
    "lam": Rule(0.0),
}
_POSITIVE_NAMES = frozenset(
    {"eps", "lr", "cutoff", "radius", "resolvable", "much", "little", "resolution", "weight_scale"}
    | {"udi_gamma", "layer_delta", "target_speedup"}
)
_META_KEYS = {
    "min": "low",
    "max": "high",
    "min_open": "low_open",
    "max_open": "high_open",
    "allow_inf": "allow_inf",
    "allow_empty": "allow_empty",
}


def _rule_for(f: dataclasses.Field, is_int: bool) -> Rule:
    """The rule of field ``f`` for its int (``is_int``) or float numbers."""
    name = f.name
    if name in FIELD_RULES:
        rule = FIELD_RULES[name]
    elif is_int:
        rule = _COUNT
    elif (
        name in _POSITIVE_NAMES
        or name.endswith("_lr")
        or "tol" in name
        or name.endswith(("_ratio", "_level"))
    ):
        rule = _POSITIVE
    elif name.endswith("_fraction"):
        rule = Rule(0.0, 1.0, low_open=True)
    else:
        rule = Rule()
    meta = {_META_KEYS[k]: v for k, v in f.metadata.items() if k in _META_KEYS}
    return dataclasses.replace(rule, **meta) if meta else rule


def _check_values(f: dataclasses.Field, where: str, value: Any) -> None:
    """Raise ConfigError unless every number, string and list in ``value`` suits field ``f``."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        rule = _rule_for(f, True)
        if not rule.admits(value):
            raise ConfigError(where, value, rule.describe("an integer"))
    elif isinstance(value, float):
        rule = _rule_for(f, False)
        kind = "a number (or inf)" if rule.allow_inf else "a finite number"
        if math.isnan(value) or (math.isinf(value) and not rule.allow_inf) or not rule.admits(value):
            raise ConfigError(where, value, rule.describe(kind))
    elif isinstance(value, str):
        if not value:
            raise ConfigError(where, value, "a non-empty string")
        choices = f.metadata.get("choices")
        if choices is not None and value not in choices:
            raise ConfigError(where, value, f"one of {list(choices)}")
    elif isinstance(value, (list, tuple)):
        if not value and not _rule_for(f, False).allow_empty:
            raise ConfigError(where, value, "a non-empty list")
        stages = f.name == "stages" or f.name.endswith("_stages")
        for i, item in enumerate(value):
            if stages and isinstance(item, (list, tuple)) and len(item) == 3:
                _check_stage(f"{where}[{i}]", item)
            else:
                _check_values(f, f"{where}[{i}]", item)


def choice(default: Any, choices: Iterable[str]) -> Any:
    """A config field whose string (or each string of a list) must be one of ``choices``.

    ``activation: str = choice("tanh", ACTIVATIONS)``; ``problems: tuple[str, ...] =
    choice(PROBLEMS, PROBLEMS)``. Checked with the other values before anything is written; the
    error names the key, the value and the choices.
    """
    return dataclasses.field(default=default, metadata={"choices": tuple(choices)})


def _check_stage(where: str, stage: Sequence[Any]) -> None:
    """A training stage ``[optimizer, steps, lr]`` (see :class:`rankscope.train.Stage`)."""
    from rankscope.train.loop import OPTIMIZERS

    optimizer, steps, lr = stage
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"{where}[0] (optimizer)", optimizer, f"one of {list(OPTIMIZERS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not _COUNT.admits(steps):
        raise ConfigError(f"{where}[1] (steps)", steps, _COUNT.describe("an integer"))
    if not isinstance(lr, float) or not math.isfinite(lr) or not _POSITIVE.admits(lr):
        raise ConfigError(f"{where}[2] (lr)", lr, _POSITIVE.describe("a finite number"))


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
        raise ValueError(f"{key} must match {tp}; got {_show(value)}")
    if origin in (tuple, list, Sequence) or tp in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{key} must be a list; got {_show(value)}")
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(f"{key}[{i}]", v, args[0]) for i, v in enumerate(value))
        if origin is tuple and args:
            if len(args) != len(value):
                raise ValueError(f"{key} must be a list of {len(args)} entries; got {_show(value)}")
            return tuple(
                _coerce(f"{key}[{i}]", v, a) for i, (v, a) in enumerate(zip(value, args, strict=True))
            )
        inner = args[0] if args else Any
        return tuple(_coerce(f"{key}[{i}]", v, inner) for i, v in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false; got {_show(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key} must be an integer; got {_show(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key} must be a number; got {_show(value)}")
        try:
            return float(value)
        except OverflowError:
            raise ValueError(f"{key} must be a finite number; got {_show(value)}") from None
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string; got {_show(value)}")
        return value
    return value


def _default(f: dataclasses.Field) -> Any:
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
            _check_values(f, name, value)
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


def resolve_config(exp: Experiment, preset: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """Defaults, then the preset's overrides, then the user's; checked by :func:`config_from_dict`."""
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
