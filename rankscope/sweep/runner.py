"""Run every point of a sweep grid as an ordinary run directory, on a process pool or a Ray cluster.

:func:`run_sweep` plans the sweep (:mod:`rankscope.sweep.plan`: every point's config resolved
first), records it in ``sweep.json`` (:mod:`rankscope.sweep.state`) and hands the points still to
run to a backend, chosen by an argument (habit 5): :class:`~rankscope.sweep.pool.LocalPool`, a
``spawn`` process pool of ``jobs`` workers (default: ``os.cpu_count()``), or
:class:`~rankscope.sweep.ray_backend.RayCluster`, one Ray task per point. Each point runs in
:func:`run_point`. The run directories are the truth: on ``resume`` a point is done exactly when its
``summary.json`` exists, every other point is run again with ``run_experiment(..., resume=True)``
(continuing from its last checkpoint), and a sweep killed at any moment loses no finished run and
re-runs none.

Example:
    >>> from rankscope.sweep import LocalPool, SweepSpec, parse_grid, run_sweep
    >>> spec = SweepSpec("staircase", "quick", parse_grid(["seed=0:2"]),
    ...                  {"nets": [[1, 6]], "stages": [["adam", 30, 0.01]]})
    >>> result = run_sweep(spec, "runs/sweep", backend=LocalPool(jobs=2))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rankscope.sweep.plan import SweepError, SweepSpec, plan_sweep
from rankscope.sweep.pool import LocalPool, execute_pool, pool_jobs
from rankscope.sweep.ray_backend import RayCluster, RaySession
from rankscope.sweep.state import (
    LOCK_FILE,
    SWEEP_FILE,
    PointStatus,
    SweepResult,
    SweepState,
    locked,
    now,
    start_state,
)

__all__ = ["run_point", "run_sweep"]

ERROR_FILE = "error.json"


def run_point(task: Mapping[str, Any]) -> dict[str, Any]:
    """Run one grid point into its run directory; the worker entry point of both backends.

    ``task``: ``{"name", "dir", "experiment", "preset", "overrides"}``. Calls
    ``run_experiment(..., resume=True)`` when the directory exists (a killed run continues from its
    checkpoint), else starts it. A failure does not raise: it is returned as ``{"status":
    "failed", "error"}`` and, when the run directory exists (it carries rankscope's marker), written
    to its ``error.json`` (type, message, traceback, host), which is recorded in the directory's
    manifest; the next attempt deletes it, and nothing else.
    """
    from rankscope.experiments import run_experiment
    from rankscope.store import RunDir

    path = Path(task["dir"])
    host = socket.gethostname()
    t0 = time.perf_counter()
    try:
        if path.is_dir():
            RunDir(path).remove_owned(ERROR_FILE)  # only an error.json an earlier attempt wrote
        resume = path.exists()
        run_experiment(task["experiment"], task["preset"], path, task["overrides"], resume=resume)
    except Exception as exc:
        seconds = time.perf_counter() - t0
        message = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError, ValueError):
            run = RunDir(path)
            if run.has_marker():
                record = {"error": message, "traceback": traceback.format_exc(), "host": host, "time": now()}
                run.write_text(ERROR_FILE, json.dumps(record, indent=2) + "\n")
        return {"name": task["name"], "status": "failed", "error": message, "seconds": seconds, "host": host}
    return {
        "name": task["name"],
        "status": "done",
        "error": None,
        "seconds": time.perf_counter() - t0,
        "host": host,
    }


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    *,
    backend: LocalPool | RayCluster | None = None,
    resume: bool = False,
    on_update: Callable[[PointStatus, Mapping[str, int]], None] | None = None,
) -> SweepResult:
    """Run every point of ``spec`` under the sweep root ``out``; return every point's status.

    Every point's config is resolved before anything runs, so a bad key or value fails at once.
    A fresh sweep needs ``out`` missing or empty; ``resume=True`` continues the sweep recorded in
    ``out/sweep.json`` (which must have the same experiment, preset, ``--set`` values and grid),
    running only the points whose run directory has no ``summary.json``. A failed point does not
    stop the others. ``on_update(point, counts)`` is called after every change of status.
    ``KeyboardInterrupt`` stops the workers, marks the unfinished points ``incomplete`` and is
    re-raised.

    Raises:
        SweepError: ``out`` holds something else, a sweep runs there already, resume settings
            differ, or Ray is missing or unreachable. ``ValueError`` for a bad spec.
    """
    backend = LocalPool() if backend is None else backend
    if not isinstance(backend, (LocalPool, RayCluster)):
        raise TypeError(f"backend must be a LocalPool or a RayCluster; got {type(backend).__name__}")
    points, threads = plan_sweep(spec)
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise SweepError(f"sweep root {root} exists and is not a directory")
    has_state = (root / SWEEP_FILE).is_file()
    if has_state and not resume:
        raise SweepError(
            f"{root} already holds a sweep ({SWEEP_FILE}); pass --resume to finish it, or choose "
            "another --out"
        )
    if not has_state and root.is_dir() and any(p.name != LOCK_FILE for p in root.iterdir()):
        raise SweepError(f"sweep root {root} is not empty and holds no {SWEEP_FILE}; choose another --out")
    if isinstance(backend, LocalPool):
        pool_jobs(backend)  # a bad jobs value fails before anything is written
    ray_session = None
    if isinstance(backend, RayCluster):  # connect first: a bad address writes nothing
        ray_session = RaySession.connect(backend, max(threads.values()))
    try:
        root.mkdir(parents=True, exist_ok=True)
        with locked(root):
            state, todo = start_state(spec, root, points, threads, _describe(backend), has_state, on_update)
            if todo:
                try:
                    if ray_session is not None:
                        ray_session.execute(todo, state, run_point)
                    else:
                        assert isinstance(backend, LocalPool)
                        _execute_pool(todo, backend, state)
                except BaseException:
                    state.mark_interrupted()
                    raise
            return state.result()
    finally:
        if ray_session is not None:
            ray_session.close()


def _execute_pool(todo: list[dict[str, Any]], backend: LocalPool, state: SweepState) -> None:
    """Run ``todo`` on the local pool, each task in :func:`run_point`."""
    execute_pool(todo, backend, state, run_point)


def _describe(backend: LocalPool | RayCluster) -> dict[str, Any]:
    """The backend as ``sweep.json`` records it."""
    if isinstance(backend, RayCluster):
        return {"kind": "ray", "address": backend.address, "cpus": backend.cpus, "gpus": backend.gpus}
    return {"kind": "pool", "jobs": pool_jobs(backend)}
