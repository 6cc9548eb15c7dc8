"""The local backend: the points of a sweep on a ``spawn`` process pool of ``jobs`` workers.

Workers die with the sweep process (Linux ``PR_SET_PDEATHSIG``), so a killed sweep leaves no
orphan writing into its directories, and ignore Ctrl-C (the parent stops them). A worker that
dies breaks the whole pool: its point and the points still running are recorded as failed and a
fresh pool runs the rest. As with any ``spawn`` pool, a script that calls
:func:`rankscope.sweep.run_sweep` must do so under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from rankscope.sweep.state import SweepState

__all__ = ["LocalPool"]

_DIED = (
    "the worker process died (killed, out of memory, or crashed; a script that calls run_sweep must "
    "guard it with `if __name__ == '__main__':`, as multiprocessing requires)"
)

Worker = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class LocalPool:
    """Run points on a local process pool of ``jobs`` workers (``None``: ``os.cpu_count()``)."""

    jobs: int | None = None


def pool_jobs(backend: LocalPool) -> int:
    """The number of workers of ``backend``; raises ``ValueError`` unless it is a positive int."""
    jobs = backend.jobs if backend.jobs is not None else (os.cpu_count() or 1)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer; got {backend.jobs!r}")
    return jobs


def _init_worker(parent: int) -> None:
    """Pool worker set-up: die with the sweep process (Linux), leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down now, terminating workers still running a point."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


def execute_pool(todo: list[dict[str, Any]], backend: LocalPool, state: SweepState, worker: Worker) -> None:
    """Run ``worker(task)`` for every task of ``todo`` on the pool, recording each outcome in ``state``.

    ``worker`` must be importable by name (it is pickled to the ``spawn`` workers); at most
    ``jobs`` tasks run at once, in the order of ``todo``.
    """
    jobs = min(pool_jobs(backend), len(todo))
    queue = list(reversed(todo))
    running: dict[Future[dict[str, Any]], dict[str, Any]] = {}
    pool = _new_pool(jobs)
    try:
        while queue or running:
            while queue and len(running) < jobs:
                task = queue.pop()
                running[pool.submit(worker, task)] = task
                state.start(task["name"])
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                task = running.pop(fut)
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    broken = True
                    outcome = {"status": "failed", "error": _DIED}
                except Exception as exc:
                    outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                state.record(task["name"], outcome)
            if broken:  # every future of a broken pool fails; start a fresh pool for the rest
                for fut, task in running.items():
                    fut.cancel()
                    state.record(task["name"], {"status": "failed", "error": "the worker pool broke"})
                running.clear()
                _stop_pool(pool)
                pool = _new_pool(jobs)
    finally:
        _stop_pool(pool)
