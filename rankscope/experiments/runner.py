"""Run an experiment into a run directory, check one without running it, and rebuild a run's report.

Everything the user gives is checked before the run directory is touched: the experiment, the
preset, every ``--set`` value (:func:`rankscope.experiments.base.config_from_dict`, ``threads``
included) and what the directory holds (:meth:`rankscope.store.RunDir.check_create`). The run then
executes inside :func:`thread_limits` (the config's ``threads`` for torch's intra-op pool and for
the BLAS/OpenMP pools), and ``summary.json`` records where it ran (:mod:`rankscope.provenance`).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
from threadpoolctl import threadpool_limits

from rankscope.devices import resolve_device
from rankscope.experiments.base import (
    REGISTRY,
    Experiment,
    ExperimentConfig,
    Progress,
    config_from_dict,
    get_experiment,
    no_progress,
    resolve_config,
)
from rankscope.experiments.claims import Result, evaluate_claims
from rankscope.nets.modes import preserved_rng
from rankscope.report import build_report
from rankscope.report.history import history_figures
from rankscope.store import RunDir, StoreError, plain

__all__ = ["default_device", "dry_run", "rebuild_report", "run_experiment", "thread_limits"]


@contextlib.contextmanager
def thread_limits(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads and BLAS/OpenMP threads, then restore.

    Experiments never call ``torch.set_num_threads`` themselves: the runner (and through it every
    sweep worker) wraps ``exp.run`` in this, and the previous torch thread count is restored even
    when the block raises. BLAS pools are limited with ``threadpoolctl.threadpool_limits``.

    Example:
        >>> import torch
        >>> before = torch.get_num_threads()
        >>> with thread_limits(1):
        ...     torch.get_num_threads()
        1
        >>> torch.get_num_threads() == before
        True
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1; got {threads!r}")
    import torch

    previous = torch.get_num_threads()
    with threadpool_limits(limits=threads):
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


@contextlib.contextmanager
def default_device(device: torch.device) -> Iterator[None]:
    """Make ``device`` torch's default device for the block (nothing is entered for the CPU).

    The CPU is torch's default already, and entering ``torch.device`` as a context installs a
    function mode that every torch call passes through, so the CPU path stays untouched.
    """
    if device.type == "cpu":
        yield
        return
    with device:
        yield


def _prepare(
    name: str,
    preset: str,
    out: str | Path | None,
    overrides: Mapping[str, Any] | None,
    *,
    resume: bool,
    overwrite: bool,
) -> tuple[Experiment[Any], ExperimentConfig, Path, dict[str, Any], str]:
    """Resolve and check everything; write nothing.

    Returns (experiment, config, out, plain config, what ``RunDir.create`` will do).
    """

    exp = get_experiment(name)
    cfg = resolve_config(exp, preset, overrides)
    path = Path(out) if out is not None else Path("runs") / f"{name}-{preset}"
    config = plain(dataclasses.asdict(cfg))
    mode = RunDir.check_create(
        path, experiment=name, preset=preset, config=config, overwrite=overwrite, resume=resume
    )
    return exp, cfg, path, config, mode


def dry_run(
    name: str,
    preset: str = "quick",
    out: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    resume: bool = False,
    overwrite: bool = False,
) -> str:
    """Check a run as :func:`run_experiment` would, write nothing, and return its config as TOML.

    The TOML holds ``[run]`` (experiment, preset, out, and what would happen to ``out``: ``new``,
    ``resume`` or ``overwrite``) and ``[config]``, the fully resolved configuration.
    """
    import tomli_w

    exp, _, path, config, mode = _prepare(name, preset, out, overrides, resume=resume, overwrite=overwrite)
    run = {"experiment": exp.name, "preset": preset, "out": str(path), "action": mode}
    return tomli_w.dumps({"run": run, "config": config})


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

    The run directory holds ``config.toml``, ``metrics.jsonl``, ``arrays.npz``, ``summary.json``
    (with ``provenance``), ``figures/`` and ``report.html``; ``resume=True`` continues from the last
    checkpoint. Nothing is written unless every check passes (see the module docstring).
    """
    from rankscope.provenance import collect_provenance

    exp, cfg, path, config, _ = _prepare(name, preset, out, overrides, resume=resume, overwrite=overwrite)
    run = RunDir.create(
        path, experiment=name, preset=preset, config=config, overwrite=overwrite, resume=resume
    )
    # experiments seed torch's global generator for their training; the caller's RNG state is
    # restored afterwards, so running an experiment changes no process-wide state
    device = resolve_device(cfg.device, argument="device")
    with thread_limits(cfg.threads), preserved_rng(), default_device(device):
        torch.manual_seed(cfg.seed)
        summary = _conclude(exp, cfg, run, exp.run(cfg, run, progress))
        provenance = collect_provenance()
    summary = {
        "experiment": name,
        "preset": preset,
        **summary,
        "device": str(device),
        "provenance": provenance,
    }
    run.write_summary(summary)
    return build_report(run.path)


def _conclude(exp: Experiment[Any], cfg: ExperimentConfig, run: RunDir, result: Result) -> dict[str, Any]:
    """Write the result's arrays, evaluate the claim table, draw the figures; the summary's body."""
    if result.skipped is not None:
        return {"skipped": result.skipped, "checks": [], "measures": result.measures}
    if result.arrays:
        run.write_arrays(**result.arrays)
    checks = evaluate_claims(exp.claims, result.measures, cfg)
    exp.figures(run)
    return {"checks": [c.as_dict() for c in checks], "measures": result.measures}


def rebuild_report(run_dir: str | Path) -> Path:
    """Redraw the figures and rebuild ``report.html`` of any run directory rankscope wrote.

    An experiment's run gets its figures redrawn by the experiment (for a run that did not finish,
    figures that cannot be drawn from the partial data are skipped with a note, under an
    "incomplete" banner). Any other run directory (``rankscope analyze``, a ``Monitor`` with
    ``sink=RunDir(...)``) keeps the figures it has, gets the Monitor history drawn from its
    ``metrics.jsonl`` when it holds one, and its report rebuilt.
    """
    run = RunDir(run_dir)
    if not run.path.is_dir():
        raise StoreError(f"run directory {run.path} does not exist")
    full = run.read_config()
    run_table = full.get("run")
    if not isinstance(run_table, dict) or not isinstance(run_table.get("experiment"), str):
        raise StoreError(
            f"{run.path / 'config.toml'} has no [run] experiment; it was not written by rankscope"
        )
    if run_table["experiment"] not in REGISTRY:
        history_figures(run)
        return build_report(run.path)
    exp = get_experiment(run_table["experiment"])
    cfg = config_from_dict(exp.Config, full.get("config", {}), source=str(run.path / "config.toml"))
    notes: list[str] = []
    with thread_limits(cfg.threads):
        if run.is_complete():
            exp.figures(run)
        else:
            try:
                exp.figures(run)
            except Exception as exc:  # partial data: skip the figures, keep the report
                notes.append(
                    f"figures were not drawn from the partial data ({type(exc).__name__}: "
                    f"{' '.join(str(exc).split())[:200]})"
                )
    return build_report(run.path, notes=notes)
