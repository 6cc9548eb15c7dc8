"""What a sweep runs, and its plan: every point of the grid checked before anything is written.

A :class:`SweepSpec` names an experiment, a preset, the ``--set`` overrides and a
:class:`~rankscope.sweep.grid.Grid`. :func:`plan_sweep` validates it (the grid keys against the
experiment's config fields, the seed key, ``holds_fraction``) and resolves the config of every
point, so a bad key or value fails before the first run starts.

Example:
    >>> from rankscope.sweep import SweepSpec, parse_grid
    >>> spec = SweepSpec("staircase", "quick", parse_grid(["seed=0:2"]), {"nets": [[1, 6]]})
    >>> points, threads = plan_sweep(spec)
    >>> [p.name for p in points], threads["seed=0"]
    (['seed=0', 'seed=1'], 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rankscope.sweep.grid import Grid, SweepPoint, config_fields, grid_points, validate_grid

__all__ = ["SweepError", "SweepSpec"]


class SweepError(ValueError):
    """A sweep cannot start or continue; the message names the cause and the fix."""


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep runs: ``experiment`` at ``preset`` with ``overrides``, over ``grid``.

    ``seed_key`` names the grid key whose values are repetitions (the report aggregates over it);
    a check holds for a setting when it holds in at least ``holds_fraction`` of its seeds.
    """

    experiment: str
    preset: str
    grid: Grid
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed_key: str = "seed"
    holds_fraction: float = 0.8


def plan_sweep(spec: SweepSpec) -> tuple[list[SweepPoint], dict[str, int]]:
    """Validate ``spec`` and every point's config; return the points and each one's thread count.

    Raises:
        TypeError: ``spec.grid`` is not a :class:`Grid`.
        SweepError: the grid is empty.
        ValueError: a bad ``holds_fraction``, experiment, preset, ``--set`` key, grid key or
            ``seed_key``, or a grid point whose config does not resolve (named in the message).
    """
    from rankscope.experiments import get_experiment, resolve_config

    if not isinstance(spec.grid, Grid):
        raise TypeError(f"spec.grid must be a Grid (from parse_grid); got {type(spec.grid).__name__}")
    if not spec.grid.keys:
        raise SweepError("the grid is empty: give at least one --grid KEY=VALUES, e.g. --grid seed=0:8")
    hf = spec.holds_fraction
    if isinstance(hf, bool) or not isinstance(hf, (int, float)) or not 0 < hf <= 1:
        raise ValueError(f"holds_fraction must be a number in (0, 1]; got {hf!r}")
    exp = get_experiment(spec.experiment)
    resolve_config(exp, spec.preset, spec.overrides)  # names a bad preset or --set key first
    fields = config_fields(exp.Config)
    validate_grid(spec.grid, fields, experiment=spec.experiment, overrides=spec.overrides)
    if spec.seed_key not in fields:
        raise ValueError(
            f"seed_key {spec.seed_key!r} is not a field of the {spec.experiment!r} config; "
            f"valid keys: {sorted(fields)}"
        )
    points = grid_points(spec.grid)
    threads: dict[str, int] = {}
    for p in points:
        try:
            cfg = resolve_config(exp, spec.preset, {**spec.overrides, **p.settings})
        except ValueError as exc:
            raise ValueError(f"grid point {p.name}: {exc}") from exc
        threads[p.name] = int(getattr(cfg, "threads", 1) or 1)
    return points, threads
