"""Sweep grids: ``--grid KEY=VALUES`` strings parsed into the points of a Cartesian product.

Syntax of one ``--grid`` item (``KEY`` is a field name of the experiment's flat config, such as
``seed``, ``nets``, ``activation``, ``eps``; there are no dotted keys)::

    seed=0:8                     integers 0, 1, ..., 7 (half-open, like Python's range)
    seed=0:20:5                  0, 5, 10, 15 (start:stop:step; a negative step counts down)
    eps=1e-6,1e-8                a list of values separated by commas ...
    activation=tanh|relu         ... or by "|" (both separate values; use whichever reads better)
    nets=[[2,50]],[[4,50]]       list-valued keys: every value is a TOML value, and a separator
    nets=[[2,50]]|[[4,50]]       inside brackets, braces or quotes does not split, so these are
                                 two points, each training one network
    nets=[[2,50],[4,50]]         one point training two networks
    label="a,b"                  quote a string that contains a separator

In a shell, quote items that hold ``|``, brackets or quotes: ``--grid 'nets=[[2,50]]|[[4,50]]'``.
Each value is read as TOML (``3``, ``1e-3``, ``true``, ``[2, 50]``, ``"tanh"``); a bare word that
is not TOML is taken as a string, as ``--set`` does (:func:`rankscope.experiments.parse_overrides`).
The points are the Cartesian product of the keys in the order given, the first key varying slowest.

Example:
    >>> grid = parse_grid(["seed=0:2", "nets=[[1,6]]|[[1,8]]"])
    >>> [p.name for p in grid_points(grid)]
    ['seed=0__nets=1_6', 'seed=0__nets=1_8', 'seed=1__nets=1_6', 'seed=1__nets=1_8']
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rankscope._checks import split_top_level
from rankscope.store import plain

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "Grid",
    "SweepPoint",
    "config_fields",
    "grid_points",
    "parse_grid",
    "parse_grid_values",
    "validate_grid",
]

_RANGE_RE = re.compile(r"^\s*(-?\d+)\s*:\s*(-?\d+)\s*(?::\s*(-?\d+)\s*)?$")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9.+-]+")
_MAX_NAME = 120


@dataclass(frozen=True)
class Grid:
    """An ordered grid: ``keys[i]`` takes each of ``values[i]`` (a Cartesian product)."""

    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]

    @property
    def size(self) -> int:
        """The number of points, the product of the number of values of each key."""
        n = 1
        for vals in self.values:
            n *= len(vals)
        return n

    def as_dict(self) -> dict[str, list[Any]]:
        """``{key: [values]}`` in grid order (plain data for ``sweep.json``)."""
        return {k: [plain(v) for v in vals] for k, vals in zip(self.keys, self.values, strict=True)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[Any]]) -> Grid:
        """The inverse of :meth:`as_dict`."""
        return cls(tuple(data), tuple(tuple(_freeze(v) for v in vals) for vals in data.values()))


@dataclass(frozen=True)
class SweepPoint:
    """One point of a grid: its index, directory name and settings (``{key: value}``)."""

    index: int
    name: str
    settings: Mapping[str, Any]


def _freeze(value: object) -> object:
    """Lists to tuples, recursively, so that values are hashable and comparable."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_grid_values(key: str, raw: str) -> tuple[Any, ...]:
    """The values of one grid key from ``raw`` (a range ``a:b[:s]`` or a separated list).

    Raises ``ValueError`` naming ``key`` for an empty range or list, an empty item, a zero step or
    a repeated value.

    Example:
        >>> parse_grid_values("seed", "0:3"), parse_grid_values("nets", "[[2,50]]|[[4,50]]")
        ((0, 1, 2), (((2, 50),), ((4, 50),)))
    """
    match = _RANGE_RE.match(raw)
    if match:
        start, stop = int(match.group(1)), int(match.group(2))
        step = int(match.group(3)) if match.group(3) is not None else 1
        if step == 0:
            raise ValueError(f"--grid {key}={raw}: the step of a range start:stop:step must not be 0")
        values: tuple[Any, ...] = tuple(range(start, stop, step))
        if not values:
            raise ValueError(
                f"--grid {key}={raw} is an empty range: start:stop is half-open like Python's range, "
                f"so {start}:{stop} holds no value; e.g. {key}=0:8 gives 0, 1, ..., 7"
            )
        return values
    items = split_top_level(raw, ",|")
    if any(not item.strip() for item in items):
        raise ValueError(
            f"--grid {key}={raw!r} has an empty value; separate values with ',' or '|', e.g. "
            f"{key}=1,2,3 (quote strings that contain a separator)"
        )
    parsed = tuple(_freeze(_parse_value(item.strip())) for item in items)
    seen: set[str] = set()
    for v in parsed:
        token = json.dumps(plain(v), sort_keys=True, default=str)
        if token in seen:
            raise ValueError(f"--grid {key}={raw}: the value {plain(v)!r} is listed twice")
        seen.add(token)
    return parsed


def parse_grid(items: Sequence[str]) -> Grid:
    """Parse ``KEY=VALUES`` strings (one per ``--grid`` option) into a :class:`Grid`.

    Raises ``ValueError`` for no items (an empty grid), an item without ``=``, a malformed key, a
    key given twice, or an empty list of values (see :func:`parse_grid_values`).
    """
    if isinstance(items, str):
        raise TypeError(f"grid items must be a list of 'key=values' strings; got the string {items!r}")
    if not items:
        raise ValueError(
            "the grid is empty: give at least one --grid KEY=VALUES, e.g. --grid seed=0:8 "
            "(see `rankscope sweep --help` for the syntax)"
        )
    keys: list[str] = []
    values: list[tuple[Any, ...]] = []
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            raise ValueError(
                f"--grid expects KEY=VALUES such as seed=0:8 or nets=[[2,50]]|[[4,50]]; got {item!r}"
            )
        key, raw = item.split("=", 1)
        key = key.strip()
        if not _KEY_RE.match(key):
            raise ValueError(f"--grid {item!r}: the key {key!r} is not a config field name")
        if key in keys:
            raise ValueError(
                f"--grid key {key!r} is given twice; list all its values in one --grid {key}=..."
            )
        keys.append(key)
        values.append(parse_grid_values(key, raw.strip()))
    return Grid(tuple(keys), tuple(values))


def validate_grid(
    grid: Grid, fields: Sequence[str], *, experiment: str, overrides: Mapping[str, Any]
) -> None:
    """Check every grid key against the config ``fields`` and against the ``--set`` keys.

    Raises ``ValueError`` listing the valid keys for a key that is not a field (configs are flat,
    so a dotted key such as ``model.width`` never names a field), and for a key that is also
    fixed by ``--set``.
    """
    valid = sorted(fields)
    unknown = [k for k in grid.keys if k not in fields]
    if unknown:
        dotted = [k for k in unknown if "." in k]
        hint = (
            f" ({dotted} look like nested keys; rankscope configs are flat, so name the field itself)"
            if dotted
            else ""
        )
        raise ValueError(
            f"--grid key(s) {unknown} are not fields of the {experiment!r} config{hint}; valid keys: {valid}"
        )
    both = sorted(set(grid.keys) & set(overrides))
    if both:
        raise ValueError(
            f"key(s) {both} are given both in --grid and in --set; a key is either swept (--grid) "
            "or fixed (--set), not both"
        )


def _slug(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(plain(value), separators=(",", ":"))
    return _UNSAFE_RE.sub("_", text).strip("_") or "_"


def _digest(settings: Mapping[str, Any]) -> str:
    token = json.dumps(plain(dict(settings)), sort_keys=True, default=str)
    return hashlib.sha1(token.encode("utf-8")).hexdigest()[:8]


def grid_points(grid: Grid) -> list[SweepPoint]:
    """The points of ``grid`` in order, each with a unique, file-system-safe directory name.

    A name is ``key=value`` pairs joined by ``__`` (``seed=3__nets=2_50``); characters other than
    letters, digits and ``. + -`` become ``_``. Names that would collide, or exceed 120
    characters, get an 8-hex-digit hash of the exact settings appended.
    """
    combos = list(itertools.product(*grid.values))
    settings = [dict(zip(grid.keys, combo, strict=True)) for combo in combos]
    names = ["__".join(f"{k}={_slug(v)}" for k, v in s.items()) for s in settings]
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    for i, (n, s) in enumerate(zip(names, settings, strict=True)):
        if counts[n] > 1 or len(n) > _MAX_NAME:
            names[i] = f"{n[: _MAX_NAME - 9]}-{_digest(s)}"
    return [SweepPoint(i, n, s) for i, (n, s) in enumerate(zip(names, settings, strict=True))]


def config_fields(config_cls: type) -> list[str]:
    """The field names of a config dataclass (the valid grid keys)."""
    return [f.name for f in dataclasses.fields(config_cls)]
