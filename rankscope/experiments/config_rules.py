"""The rules a config value must meet: ranges by field name, choices, and the error naming them.

:data:`FIELD_RULES` gives the range of each well-known field name (``threads``, ``seed``, ...); other
ints are counts and other floats need only be finite, except the names :func:`_rule_for` knows
(rates, tolerances, ratios: > 0; fractions: (0, 1]). A field may state its own rule in dataclass
metadata, and :func:`choice` makes a string field (or each string of a list field) one of a fixed set.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "FIELD_RULES",
    "MAX_COUNT",
    "MAX_SEED",
    "MAX_THREADS",
    "ConfigError",
    "Rule",
    "check_values",
    "choice",
    "show",
]


#: The largest count a config accepts (torch and numpy index with 32-bit integers in places).
MAX_COUNT = 2**31 - 1
#: The largest seed (numpy's legacy seeding takes 32-bit seeds).
MAX_SEED = 2**32 - 1
#: The most CPU threads a run may ask for.
MAX_THREADS = 1024


def show(value: Any) -> str:
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
        super().__init__(f"{key} must be {expected}; got {show(value)}")
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


def _rule_for(f: dataclasses.Field[Any], is_int: bool) -> Rule:
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


def check_values(f: dataclasses.Field[Any], where: str, value: Any) -> None:
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
                check_stage(f"{where}[{i}]", item)
            else:
                check_values(f, f"{where}[{i}]", item)


def choice(default: Any, choices: Iterable[str]) -> Any:
    """A config field whose string (or each string of a list) must be one of ``choices``.

    ``activation: str = choice("tanh", ACTIVATIONS)``; ``problems: tuple[str, ...] =
    choice(PROBLEMS, PROBLEMS)``. Checked with the other values before anything is written; the
    error names the key, the value and the choices.
    """
    return dataclasses.field(default=default, metadata={"choices": tuple(choices)})


def check_stage(where: str, stage: Sequence[Any]) -> None:
    """A training stage ``[optimizer, steps, lr]`` (see :class:`rankscope.train.Stage`)."""
    from rankscope.train.loop import OPTIMIZERS

    optimizer, steps, lr = stage
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"{where}[0] (optimizer)", optimizer, f"one of {list(OPTIMIZERS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not _COUNT.admits(steps):
        raise ConfigError(f"{where}[1] (steps)", steps, _COUNT.describe("an integer"))
    if not isinstance(lr, float) or not math.isfinite(lr) or not _POSITIVE.admits(lr):
        raise ConfigError(f"{where}[2] (lr)", lr, _POSITIVE.describe("a finite number"))
