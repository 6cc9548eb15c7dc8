"""Run every point of a sweep grid as an ordinary run directory, on a process pool or a Ray cluster.

A sweep root holds one run directory per grid point (named by its settings, see
:func:`rankscope.sweep.grid.grid_points`) and ``sweep.json``::

    {"format": "rankscope-sweep/1", "experiment", "preset", "overrides" (the --set values),
     "grid": {key: [values]}, "seed_key", "holds_fraction", "backend", "created", "updated",
     "counts": {status: n},
     "points": [{"index", "name", "dir", "settings", "status", "attempts", "error", "seconds",
                 "host"}]}

``status`` is ``pending`` (never started), ``running`` (handed to a worker; on Ray: submitted to
the cluster), ``done`` (``summary.json`` written), ``failed`` (the run raised or its worker died: the
error is in the point's ``error.json`` and in ``sweep.json``) or ``incomplete`` (started, then the
sweep was stopped). ``sweep.json`` is rewritten atomically after every change, but the run
directories are the truth: on ``resume`` a point is done exactly when its ``summary.json`` exists,
every other point is run again with ``run_experiment(..., resume=True)`` (continuing from its last
checkpoint), and a sweep killed at any moment loses no finished run and re-runs none.

Backends (chosen by an argument, habit 5):

* :class:`LocalPool` — a ``spawn`` process pool of ``jobs`` workers (default: ``os.cpu_count()``);
  workers die with the sweep process (Linux ``PR_SET_PDEATHSIG``), so a killed sweep leaves no
  orphan writing into its directories. As with any ``spawn`` pool, a script that calls
  :func:`run_sweep` must do so under ``if __name__ == "__main__":``.
* :class:`RayCluster` — each point is a Ray task declaring ``cpus`` CPUs (default: the config's
  ``threads``) and ``gpus`` GPUs. Ray is an optional extra (``pip install 'rankscope[ray]'``). The
  sweep root must be on a file system every node sees, and rankscope installed on every node.

Example:
    >>> from rankscope.sweep import LocalPool, SweepSpec, parse_grid, run_sweep
    >>> spec = SweepSpec("staircase", "quick", parse_grid(["seed=0:2"]),
    ...                  {"nets": [[1, 6]], "stages": [["adam", 30, 0.01]]})
    >>> result = run_sweep(spec, "runs/sweep", backend=LocalPool(jobs=2))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rankscope.store import atomic_write_text
from rankscope.sweep.grid import Grid, SweepPoint, config_fields, grid_points, validate_grid

__all__ = [
    "LocalPool",
    "PointStatus",
    "RayCluster",
    "SweepError",
    "SweepResult",
    "SweepSpec",
    "probe_ray",
    "read_sweep",
    "run_point",
    "run_sweep",
    "spec_from_sweep",
]

SWEEP_FILE = "sweep.json"
ERROR_FILE = "error.json"
LOCK_FILE = ".sweep.lock"
FORMAT = "rankscope-sweep/1"
STATUSES = ("pending", "running", "done", "failed", "incomplete")
_DIED = (
    "the worker process died (killed, out of memory, or crashed; a script that calls run_sweep must "
    "guard it with `if __name__ == '__main__':`, as multiprocessing requires)"
)
RAY_INSTALL = "pip install 'rankscope[ray]' (or pip install 'ray>=2.9,<3')"


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


@dataclass(frozen=True)
class LocalPool:
    """Run points on a local process pool of ``jobs`` workers (``None``: ``os.cpu_count()``)."""

    jobs: int | None = None


@dataclass(frozen=True)
class RayCluster:
    """Run points as Ray tasks.

    ``address``: ``None`` or ``"local"`` — this process's Ray connection if it has one, else a new
    local Ray instance; ``"auto"`` — ``RAY_ADDRESS`` if set, else the running local cluster;
    ``"HOST:PORT"`` (the head's GCS address) or ``"ray://HOST:PORT"`` (Ray client, needs
    ``ray[client]``). An explicit address is probed in a subprocess first, so an unreachable or
    wrong one fails within ``connect_timeout`` seconds instead of hanging; if this process is
    already connected to Ray (``ray.init`` was called), that connection is used and left open.
    ``cpus``/``gpus``: the resources each run declares (``cpus=None``: the config's ``threads``,
    else 1). The GPU request only reserves a device; experiments choose their device themselves.
    """

    address: str | None = None
    cpus: float | None = None
    gpus: float = 0.0
    connect_timeout: float = 20.0


@dataclass(frozen=True)
class PointStatus:
    """One point's state as ``sweep.json`` records it."""

    index: int
    name: str
    settings: Mapping[str, Any]
    status: str
    attempts: int = 0
    error: str | None = None
    seconds: float | None = None
    host: str | None = None


@dataclass(frozen=True)
class SweepResult:
    """The sweep root and every point's final status."""

    root: Path
    points: tuple[PointStatus, ...]

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.points)

    @property
    def failed(self) -> tuple[PointStatus, ...]:
        return tuple(p for p in self.points if p.status == "failed")

    @property
    def complete(self) -> bool:
        """Whether every point is done."""
        return all(p.status == "done" for p in self.points)


# --------------------------------------------------------------------------- planning


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _plan(spec: SweepSpec) -> tuple[list[SweepPoint], dict[str, int]]:
    """Validate ``spec`` and every point's config; return the points and each one's thread count."""
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


def read_sweep(root: str | Path) -> dict[str, Any]:
    """The parsed ``sweep.json`` of a sweep root; raises ``SweepError`` if missing or malformed."""
    path = Path(root) / SWEEP_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{path} is missing: {Path(root)} is not a sweep root") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path} is not valid JSON: {exc}") from exc
    if (
        not isinstance(state, dict)
        or state.get("format") != FORMAT
        or not isinstance(state.get("points"), list)
    ):
        raise SweepError(f"{path} is not a rankscope sweep file (expected format {FORMAT!r})")
    return state


def spec_from_sweep(root: str | Path) -> SweepSpec:
    """The :class:`SweepSpec` recorded in a sweep root's ``sweep.json`` (to resume it as it was)."""
    state = read_sweep(root)
    return SweepSpec(
        experiment=state["experiment"],
        preset=state["preset"],
        grid=Grid.from_dict(state["grid"]),
        overrides=state.get("overrides", {}),
        seed_key=state.get("seed_key", "seed"),
        holds_fraction=float(state.get("holds_fraction", 0.8)),
    )


def _check_same_sweep(state: dict[str, Any], spec: SweepSpec, root: Path) -> None:
    given = {
        "experiment": spec.experiment,
        "preset": spec.preset,
        "overrides": _plain(spec.overrides),
        "grid": spec.grid.as_dict(),
    }
    diffs = [f"{k} (was {state.get(k)!r}, now {v!r})" for k, v in given.items() if state.get(k) != v]
    if diffs:
        raise SweepError(
            f"cannot resume the sweep in {root} with different settings: "
            + "; ".join(diffs)
            + ". Resume with the recorded settings (or leave out --grid/--set/--preset to reuse "
            "them), or choose another --out"
        )


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the sweep root (released by the OS if the process dies)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(root / LOCK_FILE, "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SweepError(
                f"another sweep is running in {root} (it holds {root / LOCK_FILE}); wait for it "
                "to finish or stop it first"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- one point


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
                record = {"error": message, "traceback": traceback.format_exc(), "host": host, "time": _now()}
                run.write_text(ERROR_FILE, json.dumps(record, indent=2) + "\n")
        return {"name": task["name"], "status": "failed", "error": message, "seconds": seconds, "host": host}
    return {
        "name": task["name"],
        "status": "done",
        "error": None,
        "seconds": time.perf_counter() - t0,
        "host": host,
    }


# --------------------------------------------------------------------------- the sweep


class _State:
    """The parent's view of ``sweep.json``; every change is written atomically."""

    def __init__(self, root: Path, doc: dict[str, Any], on_update: Callable[..., None] | None) -> None:
        self.root, self.doc, self.on_update = root, doc, on_update
        self.by_name = {p["name"]: p for p in doc["points"]}

    def save(self) -> None:
        counts = {s: 0 for s in STATUSES}
        for p in self.doc["points"]:
            counts[p["status"]] += 1
        self.doc["counts"] = counts
        self.doc["updated"] = _now()
        atomic_write_text(self.root / SWEEP_FILE, json.dumps(self.doc, indent=2) + "\n")

    def status(self, p: dict[str, Any]) -> PointStatus:
        return PointStatus(
            index=p["index"],
            name=p["name"],
            settings=p["settings"],
            status=p["status"],
            attempts=p.get("attempts", 0),
            error=p.get("error"),
            seconds=p.get("seconds"),
            host=p.get("host"),
        )

    def set(self, name: str, **changes: Any) -> None:
        p = self.by_name[name]
        p.update(changes)
        self.save()
        if self.on_update is not None:
            self.on_update(self.status(p), dict(self.doc["counts"]))


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
    points, threads = _plan(spec)
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
        _jobs(backend)  # a bad jobs value fails before anything is written
    ray_session = None
    if isinstance(backend, RayCluster):  # connect first: a bad address writes nothing
        ray_session = _RaySession.connect(backend, max(threads.values()))
    try:
        root.mkdir(parents=True, exist_ok=True)
        with _locked(root):
            state, todo = _start_state(spec, root, points, threads, backend, has_state, on_update)
            if todo:
                try:
                    if ray_session is not None:
                        ray_session.execute(todo, state)
                    else:
                        assert isinstance(backend, LocalPool)
                        _execute_pool(todo, backend, state)
                except BaseException:
                    for point in state.doc["points"]:
                        if point["status"] == "running":
                            point["status"] = "incomplete"
                    state.save()
                    raise
            return SweepResult(root, tuple(state.status(p) for p in state.doc["points"]))
    finally:
        if ray_session is not None:
            ray_session.close()


def _start_state(
    spec: SweepSpec,
    root: Path,
    points: list[SweepPoint],
    threads: dict[str, int],
    backend: LocalPool | RayCluster,
    has_state: bool,
    on_update: Callable[[PointStatus, Mapping[str, int]], None] | None,
) -> tuple[_State, list[dict[str, Any]]]:
    """Write the initial ``sweep.json`` (statuses read from the run directories); return the
    state and the tasks of the points still to run."""
    old: dict[str, dict[str, Any]] = {}
    created = _now()
    if has_state:
        stored = read_sweep(root)
        _check_same_sweep(stored, spec, root)
        old = {p["name"]: p for p in stored["points"]}
        created = stored.get("created", created)
    doc = {
        "format": FORMAT,
        "experiment": spec.experiment,
        "preset": spec.preset,
        "overrides": _plain(spec.overrides),
        "grid": spec.grid.as_dict(),
        "seed_key": spec.seed_key,
        "holds_fraction": float(spec.holds_fraction),
        "backend": _describe(backend),
        "created": created,
        "updated": created,
        "counts": {},
        "points": [],
    }
    todo = []
    for p in points:
        prev = old.get(p.name, {})
        run_dir = root / p.name
        done = (run_dir / "summary.json").is_file()
        if done:
            status = "done"
            _ensure_report(run_dir)
        elif prev.get("status") == "failed":
            status = "failed"
        elif run_dir.exists():
            status = "incomplete"
        else:
            status = "pending"
        doc["points"].append(
            {
                "index": p.index,
                "name": p.name,
                "dir": p.name,
                "settings": _plain(p.settings),
                "status": status,
                "attempts": int(prev.get("attempts", 0)),
                "error": prev.get("error") if status == "failed" else None,
                "seconds": prev.get("seconds"),
                "host": prev.get("host"),
            }
        )
        if not done:
            todo.append(
                {
                    "name": p.name,
                    "dir": str(run_dir.resolve()),
                    "experiment": spec.experiment,
                    "preset": spec.preset,
                    "overrides": {**_plain(spec.overrides), **_plain(p.settings)},
                    "cpus": threads[p.name],
                }
            )
    state = _State(root, doc, on_update)
    state.save()
    return state, todo


def _describe(backend: LocalPool | RayCluster) -> dict[str, Any]:
    if isinstance(backend, RayCluster):
        return {"kind": "ray", "address": backend.address, "cpus": backend.cpus, "gpus": backend.gpus}
    return {"kind": "pool", "jobs": _jobs(backend)}


def _ensure_report(run_dir: Path) -> None:
    """A run killed between ``summary.json`` and ``report.html`` gets its report (best effort)."""
    if (run_dir / "report.html").is_file():
        return
    from rankscope.report import build_report

    with contextlib.suppress(Exception):
        build_report(run_dir)


def _jobs(backend: LocalPool) -> int:
    jobs = backend.jobs if backend.jobs is not None else (os.cpu_count() or 1)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer; got {backend.jobs!r}")
    return jobs


# --------------------------------------------------------------------------- local pool


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


def _execute_pool(todo: list[dict[str, Any]], backend: LocalPool, state: _State) -> None:
    jobs = min(_jobs(backend), len(todo))
    queue = list(reversed(todo))
    running: dict[Future[dict[str, Any]], dict[str, Any]] = {}
    pool = _new_pool(jobs)
    try:
        while queue or running:
            while queue and len(running) < jobs:
                task = queue.pop()
                running[pool.submit(run_point, task)] = task
                attempts = state.by_name[task["name"]]["attempts"] + 1
                state.set(task["name"], status="running", attempts=attempts, error=None)
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
                _record(state, task["name"], outcome)
            if broken:  # every future of a broken pool fails; start a fresh pool for the rest
                for fut, task in running.items():
                    fut.cancel()
                    _record(state, task["name"], {"status": "failed", "error": "the worker pool broke"})
                running.clear()
                _stop_pool(pool)
                pool = _new_pool(jobs)
    finally:
        _stop_pool(pool)


def _record(state: _State, name: str, outcome: Mapping[str, Any]) -> None:
    error = outcome.get("error")
    if error is not None and len(error) > 2000:
        error = error[:2000] + " ..."
    state.set(
        name,
        status=outcome["status"],
        error=error,
        seconds=outcome.get("seconds"),
        host=outcome.get("host"),
    )


# --------------------------------------------------------------------------- Ray


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SweepError(f"--ray needs Ray, an optional extra of rankscope: {RAY_INSTALL}") from None
    return ray


_PROBE = (
    "import json, sys\n"
    "import ray\n"
    "ray.init(address=sys.argv[1], log_to_driver=False, logging_level='ERROR')\n"
    "print('RANKSCOPE-PROBE ' + json.dumps(ray.cluster_resources()), flush=True)\n"
    "ray.shutdown()\n"
)


def _host_port(address: str) -> tuple[str, int]:
    bare = address.removeprefix("ray://")
    host, sep, port = bare.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SweepError(
            f"Ray address {address!r} is malformed; expected HOST:PORT (the head's GCS address, e.g. "
            "10.0.0.5:6379), ray://HOST:PORT (Ray client), auto (RAY_ADDRESS or the running local "
            "cluster) or local (a new local Ray instance)"
        )
    return host.strip("[]"), int(port)


def probe_ray(address: str, timeout: float) -> dict[str, float]:
    """Connect to the Ray cluster at ``address`` in a subprocess; return its resources or raise.

    ``ray.init`` retries an unreachable or non-Ray address for minutes, so the probe runs in a
    child process killed after ``timeout`` seconds; a ``HOST:PORT`` that refuses TCP connections
    is reported at once.
    """
    if address != "auto":
        host, port = _host_port(address)
        try:
            with socket.create_connection((host, port), timeout=timeout):
                pass
        except OSError as exc:
            raise SweepError(
                f"cannot reach the Ray cluster at {address!r}: {exc}. Check the address (`ray start "
                "--head` prints it; `ray status` on the head shows the cluster) and the firewall"
            ) from None
    cmd = [sys.executable, "-c", _PROBE, address]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SweepError(
            f"could not connect to a Ray cluster at {address!r} within {timeout:g} s (something "
            "answers there, but not a Ray head); check the address, or raise --connect-timeout"
        ) from None
    for line in proc.stdout.splitlines():
        if line.startswith("RANKSCOPE-PROBE "):
            return {k: float(v) for k, v in json.loads(line.removeprefix("RANKSCOPE-PROBE ")).items()}
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    reason = lines[-1] if lines else f"exit status {proc.returncode}"
    if "ray[client]" in proc.stderr:
        reason += " (ray:// addresses need the Ray client: pip install 'ray[client]>=2.9,<3')"
    raise SweepError(f"could not connect to a Ray cluster at {address!r}: {reason}")


class _RaySession:
    """A Ray connection checked against the sweep's resource requests; runs the tasks."""

    def __init__(self, ray: Any, owned: bool, backend: RayCluster, gpus: float) -> None:
        self.ray, self.owned, self.backend, self.gpus = ray, owned, backend, gpus

    @classmethod
    def connect(cls, backend: RayCluster, threads: int) -> _RaySession:
        """Connect (see :class:`RayCluster`) and check that one run's CPUs and GPUs fit the cluster."""
        for name, value in (("cpus", backend.cpus), ("gpus", backend.gpus)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
            ):
                raise ValueError(f"{name} per run must be a number >= 0; got {value!r}")
        ray, owned = _connect_ray(backend)
        session = cls(ray, owned, backend, float(backend.gpus or 0))
        try:
            resources = ray.cluster_resources()
            have_gpu, have_cpu = resources.get("GPU", 0.0), resources.get("CPU", 0.0)
            if session.gpus > have_gpu:
                raise SweepError(
                    f"each run asks for {session.gpus:g} GPU(s) but the Ray cluster has {have_gpu:g}; "
                    "lower --gpus or add GPU nodes"
                )
            cpus = float(backend.cpus if backend.cpus is not None else threads)
            if cpus > have_cpu:
                raise SweepError(
                    f"a run asks for {cpus:g} CPU(s) but the Ray cluster has {have_cpu:g}; lower --cpus "
                    "(or the config's threads)"
                )
        except BaseException:
            session.close()
            raise
        return session

    def close(self) -> None:
        if self.owned:
            self.ray.shutdown()
            self.owned = False

    def execute(self, todo: list[dict[str, Any]], state: _State) -> None:
        ray = self.ray
        remote = ray.remote(run_point)
        refs: dict[Any, dict[str, Any]] = {}
        try:
            for task in todo:
                cpus = float(self.backend.cpus if self.backend.cpus is not None else task["cpus"])
                ref = remote.options(num_cpus=cpus, num_gpus=self.gpus, max_retries=0).remote(task)
                refs[ref] = task
                attempts = state.by_name[task["name"]]["attempts"] + 1
                state.set(task["name"], status="running", attempts=attempts, error=None)
            while refs:
                ready, _ = ray.wait(list(refs), num_returns=1)
                for ref in ready:
                    task = refs.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except Exception as exc:  # a crashed worker or a lost node
                        outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                    _record(state, task["name"], outcome)
        finally:
            for ref in refs:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)


def _connect_ray(backend: RayCluster) -> tuple[Any, bool]:
    """Return ``(ray, owned)``; ``owned`` says whether this sweep must shut the connection down."""
    address = backend.address
    if address not in (None, "", "local", "auto"):
        _host_port(address)  # a malformed address fails before Ray is even imported
    ray = _import_ray()
    timeout = backend.connect_timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"connect_timeout must be a positive number of seconds; got {timeout!r}")
    if address in (None, "", "local"):
        if ray.is_initialized():
            return ray, False
        ray.init(log_to_driver=False, include_dashboard=False)
        return ray, True
    if address == "auto" and os.environ.get("RAY_ADDRESS"):
        address = os.environ["RAY_ADDRESS"]
    probe_ray(address, float(timeout))
    if ray.is_initialized():
        return ray, False
    ray.init(address=address, log_to_driver=False)
    return ray, True
