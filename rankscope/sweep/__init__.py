"""Sweeps: many runs of one experiment over seeds and settings, aggregated into one report.

``rankscope sweep NAME --grid seed=0:8 --grid nets=[[2,50]]|[[4,50]] --out DIR`` runs every point
of the grid as an ordinary run directory under ``DIR`` — on a local process pool (``--jobs``) or a
Ray cluster (``--ray``) — records ``DIR/sweep.json``, and ``rankscope report DIR`` aggregates the
runs across seeds. See :mod:`rankscope.sweep.grid` for the grid syntax,
:mod:`rankscope.sweep.runner` for the backends and resumption, :mod:`rankscope.sweep.aggregate` for
the statistics and the report.
"""

from rankscope.sweep.aggregate import (
    Band,
    CheckStats,
    MeasureStats,
    SettingAggregate,
    SweepAggregate,
    aggregate_sweep,
    build_sweep_report,
    check_stats,
    flatten_measures,
    is_sweep_dir,
    measure_stats,
    series_bands,
    series_of,
)
from rankscope.sweep.grid import Grid, SweepPoint, grid_points, parse_grid, parse_grid_values, validate_grid
from rankscope.sweep.runner import (
    LocalPool,
    PointStatus,
    RayCluster,
    SweepError,
    SweepResult,
    SweepSpec,
    probe_ray,
    read_sweep,
    run_point,
    run_sweep,
    spec_from_sweep,
)

__all__ = [
    "Band",
    "CheckStats",
    "Grid",
    "LocalPool",
    "MeasureStats",
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
    "check_stats",
    "flatten_measures",
    "grid_points",
    "is_sweep_dir",
    "measure_stats",
    "parse_grid",
    "parse_grid_values",
    "probe_ray",
    "read_sweep",
    "run_point",
    "run_sweep",
    "series_bands",
    "series_of",
    "spec_from_sweep",
    "validate_grid",
]
