"""What ``rankscope show EXPERIMENT`` prints: every config key with its type, default and presets.

>>> from rankscope.experiments import get_experiment
>>> rows = config_rows(get_experiment("staircase"))
>>> rows[0].key, rows[0].type
('seed', 'int')
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from rankscope.experiments.base import Experiment
from rankscope.experiments.config_rules import show

__all__ = ["ConfigRow", "config_rows"]


@dataclass(frozen=True)
class ConfigRow:
    """One config key: its type, default, the value each preset sets (``None``: the default), choices."""

    key: str
    type: str
    default: str
    presets: dict[str, str | None]
    choices: tuple[str, ...] | None


def _type_name(tp: Any) -> str:
    text = str(tp) if not isinstance(tp, type) else tp.__name__
    return text.replace("typing.", "")


def config_rows(exp: Experiment[Any]) -> list[ConfigRow]:
    """The rows of :func:`rankscope show` for ``exp``, in the config's field order."""
    hints = typing.get_type_hints(exp.Config)
    defaults = exp.Config()
    rows = []
    for f in dataclasses.fields(exp.Config):
        presets = {p: (show(over[f.name]) if f.name in over else None) for p, over in exp.presets.items()}
        choices = f.metadata.get("choices")
        rows.append(
            ConfigRow(
                f.name,
                _type_name(hints.get(f.name, f.type)),
                show(getattr(defaults, f.name)),
                presets,
                tuple(choices) if choices else None,
            )
        )
    return rows
