"""The experiments' catalogue: what each reproduces, its paper section and its presets, as data.

``catalog.toml`` (beside this module) holds, under each experiment's name, the one-line
``summary``, the ``paper`` section, the ``presets`` that are plain values, and the reproduction
notes: ``diagnoses`` (claim -> what was tried and the cause), ``paper_inconsistent`` and
``not_reproduced`` (preset -> claims). The experiment class keeps what is code: its name,
``Config``, ``run``, claims and any preset computed in Python (a class attribute wins over the
catalogue). :func:`complete` fills a class from it when the class is
registered (:func:`rankscope.experiments.base.register`). TOML has arrays where the configs have
tuples; they are read back as tuples, so ``exp.presets`` is what a Python literal would have been.

Example:
    >>> entry("staircase")["paper"]
    'paper 000, Example 2.6 (i), Fig. 2'
"""

from __future__ import annotations

import functools
import sys
from importlib.resources import files
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["complete", "entry"]

FIELDS = ("summary", "paper", "presets")  # every experiment has them, here or on its class
OPTIONAL = ("diagnoses", "paper_inconsistent", "not_reproduced")


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


@functools.cache
def _catalog() -> dict[str, dict[str, Any]]:
    text = files("rankscope.experiments").joinpath("catalog.toml").read_text(encoding="utf-8")
    return {name: _tuples(e) for name, e in tomllib.loads(text).items()}


def entry(name: str) -> dict[str, Any]:
    """The catalogue's entry of experiment ``name`` (``{}`` when it has none)."""
    return dict(_catalog().get(name, {}))


def complete(cls: type) -> None:
    """Set ``summary``, ``paper`` and ``presets`` on ``cls`` from the catalogue where it lacks them.

    Raises ``ValueError`` naming the experiment and the fields when neither gives one.
    """
    name = cls.__dict__.get("name")
    found = entry(str(name))
    missing = []
    for key in FIELDS:
        if key in cls.__dict__:
            continue
        if key in found:
            setattr(cls, key, found[key])
        else:
            missing.append(key)
    for key in OPTIONAL:
        if key not in cls.__dict__ and key in found:
            value = found[key]
            setattr(
                cls, key, {k: frozenset(v) for k, v in value.items()} if key == "not_reproduced" else value
            )
    if missing:
        raise ValueError(
            f"experiment {name!r} has no {missing} on its class or in rankscope/experiments/catalog.toml"
        )
