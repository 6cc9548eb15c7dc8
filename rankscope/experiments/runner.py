"""Run an experiment into a run directory, and rebuild a run's report."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from rankscope.experiments.base import (
    Progress,
    config_from_dict,
    get_experiment,
    no_progress,
    resolve_config,
)

__all__ = ["rebuild_report", "run_experiment"]


def _plain(obj: Any) -> Any:
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def run_experiment(
    name: str,
    preset: str = "quick",
    out: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: Progress = no_progress,
) -> Path:
    """Run experiment ``name`` with ``preset`` (+ ``overrides``) into ``out``; return the report path.

    The run directory holds ``config.toml``, ``metrics.jsonl``, ``arrays.npz``, ``summary.json``,
    ``figures/`` and ``report.html``; ``resume=True`` continues from the last checkpoint.
    """
    from rankscope.report import build_report
    from rankscope.store import RunDir

    exp = get_experiment(name)
    cfg = resolve_config(exp, preset, overrides)
    out = Path(out) if out is not None else Path("runs") / f"{name}-{preset}"
    config = _plain(dataclasses.asdict(cfg))
    run = RunDir.create(
        out, experiment=name, preset=preset, config=config, overwrite=overwrite, resume=resume
    )
    threads = int(getattr(cfg, "threads", 1))
    with threadpool_limits(limits=threads):  # BLAS threads oversubscribe small machines badly
        summary = exp.run(cfg, run, progress)
    summary = {"experiment": name, "preset": preset, **summary}
    run.write_summary(summary)
    return build_report(run.path)


def rebuild_report(run_dir: str | Path) -> Path:
    """Redraw the figures and rebuild ``report.html`` of a finished run directory."""
    from rankscope.report import build_report
    from rankscope.store import RunDir

    run = RunDir(run_dir)
    full = run.read_config()
    exp = get_experiment(full["run"]["experiment"])
    config_from_dict(exp.Config, full.get("config", {}), source=str(run.path / "config.toml"))
    with threadpool_limits(limits=1):
        exp.figures(run)
    return build_report(run.path)
