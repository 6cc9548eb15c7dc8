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

``rankscope reproduce`` (:func:`~rankscope.sweep.reproduce.reproduce`) runs a sweep over seeds for
every experiment and writes the reproduction ledger: :mod:`~rankscope.sweep.ledger` (its data),
:mod:`~rankscope.sweep.verdict` (each claim's verdict over seeds),
:mod:`~rankscope.sweep.ledger_store` (reading the runs, ``ledger.json``),
:mod:`~rankscope.sweep.dashboard` (``report.html``) and :mod:`~rankscope.sweep.ledger_docs` (the
docs and README tables).
"""

from rankscope.sweep import stats
from rankscope.sweep.aggregate import SettingAggregate, SweepAggregate, aggregate_sweep, is_sweep_dir
from rankscope.sweep.dashboard import build_dashboard
from rankscope.sweep.grid import Grid, SweepPoint, grid_points, parse_grid, parse_grid_values, validate_grid
from rankscope.sweep.ledger import ExperimentLedger, Ledger, LedgerRow, SeedOutcome
from rankscope.sweep.ledger_store import (
    build_ledger,
    claim_ledger,
    is_reproduce_dir,
    read_ledger,
    write_ledger,
)
from rankscope.sweep.plan import SweepError, SweepSpec
from rankscope.sweep.pool import LocalPool
from rankscope.sweep.ray_backend import RayCluster, probe_ray
from rankscope.sweep.report import build_sweep_report
from rankscope.sweep.reproduce import ReproduceResult, reproduce
from rankscope.sweep.runner import run_point, run_sweep
from rankscope.sweep.state import PointStatus, SweepResult, read_sweep, spec_from_sweep
from rankscope.sweep.stats import *  # noqa: F403 - its whole __all__ is re-exported below
from rankscope.sweep.verdict import Z_ROBUST, SeedRun, claim_rows, verdict_of

__all__ = [
    "Z_ROBUST",
    "ExperimentLedger",
    "Grid",
    "Ledger",
    "LedgerRow",
    "LocalPool",
    "PointStatus",
    "RayCluster",
    "ReproduceResult",
    "SeedOutcome",
    "SeedRun",
    "SettingAggregate",
    "SweepAggregate",
    "SweepError",
    "SweepPoint",
    "SweepResult",
    "SweepSpec",
    "aggregate_sweep",
    "build_dashboard",
    "build_ledger",
    "build_sweep_report",
    "claim_ledger",
    "claim_rows",
    "grid_points",
    "is_reproduce_dir",
    "is_sweep_dir",
    "parse_grid",
    "parse_grid_values",
    "probe_ray",
    "read_ledger",
    "read_sweep",
    "reproduce",
    "run_point",
    "run_sweep",
    "spec_from_sweep",
    "validate_grid",
    "verdict_of",
    "write_ledger",
]
__all__ += stats.__all__
