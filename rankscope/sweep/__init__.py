"""Sweeps: many runs of one experiment over seeds and settings, aggregated into one report.

``rankscope sweep NAME --grid seed=0:8 --grid nets=[[2,50]]|[[4,50]] --out DIR`` runs every point
of the grid as an ordinary run directory under ``DIR`` — on a local process pool (``--jobs``) or a
Ray cluster (``--ray``) — records ``DIR/sweep.json``, and ``rankscope report DIR`` aggregates the
runs across seeds. Modules: :mod:`~rankscope.sweep.grid` (the grid syntax),
:mod:`~rankscope.sweep.plan` (the spec, checked before anything runs), :mod:`~rankscope.sweep.state`
(``sweep.json`` and resumption), :mod:`~rankscope.sweep.pool` and
:mod:`~rankscope.sweep.ray_backend` (the backends), :mod:`~rankscope.sweep.runner` (running a
sweep and one point), :mod:`~rankscope.sweep.stats` and :mod:`~rankscope.sweep.aggregate` (the
statistics across seeds) and :mod:`~rankscope.sweep.report` (the report).
"""

from rankscope.sweep import stats
from rankscope.sweep.aggregate import SettingAggregate, SweepAggregate, aggregate_sweep, is_sweep_dir
from rankscope.sweep.grid import Grid, SweepPoint, grid_points, parse_grid, parse_grid_values, validate_grid
from rankscope.sweep.plan import SweepError, SweepSpec
from rankscope.sweep.pool import LocalPool
from rankscope.sweep.ray_backend import RayCluster, probe_ray
from rankscope.sweep.report import build_sweep_report
from rankscope.sweep.runner import run_point, run_sweep
from rankscope.sweep.state import PointStatus, SweepResult, read_sweep, spec_from_sweep
from rankscope.sweep.stats import *  # noqa: F403 - its whole __all__ is re-exported below

__all__ = [
    "Grid",
    "LocalPool",
    "PointStatus",
    "RayCluster",
    "SettingAggregate",
    "SweepAggregate",
    "SweepError",
    "SweepPoint",
    "SweepResult",
    "SweepSpec",
    "aggregate_sweep",
    "build_sweep_report",
    "grid_points",
    "is_sweep_dir",
    "parse_grid",
    "parse_grid_values",
    "probe_ray",
    "read_sweep",
    "run_point",
    "run_sweep",
    "spec_from_sweep",
    "validate_grid",
]
__all__ += stats.__all__
