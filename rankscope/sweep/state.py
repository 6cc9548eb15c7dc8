"""A sweep's state: ``sweep.json`` at the sweep root, its points' statuses, and the root's lock.

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
directories are the truth: when a sweep starts or resumes (:func:`start_state`), a point is done
exactly when its ``summary.json`` exists. One sweep at a time holds the root's lock
(:func:`locked`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rankscope.store import atomic_write_text, plain
from rankscope.sweep.grid import Grid, SweepPoint
from rankscope.sweep.plan import SweepError, SweepSpec

__all__ = ["PointStatus", "SweepResult", "read_root_file", "read_sweep", "spec_from_sweep"]

SWEEP_FILE = "sweep.json"
LOCK_FILE = ".sweep.lock"
FORMAT = "rankscope-sweep/1"
STATUSES = ("pending", "running", "done", "failed", "incomplete")
_MAX_ERROR = 2000  # characters of an error message kept in sweep.json


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


def now() -> str:
    """The current UTC time, ISO 8601 to the second (``sweep.json``'s timestamps)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def read_root_file(
    root: str | Path, name: str, fmt: str, listed: str, what: tuple[str, str]
) -> dict[str, Any]:
    """The parsed JSON file ``root/name`` of a sweep or reproduction root, checked to be a dict of
    format ``fmt`` whose ``listed`` entry is a list; ``SweepError`` naming the file if not.
    ``what``: the words for the root and the file (``("sweep", "sweep")``)."""
    path = Path(root) / name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{path} is missing: {Path(root)} is not a {what[0]} root") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != fmt or not isinstance(doc.get(listed), list):
        raise SweepError(f"{path} is not a rankscope {what[1]} file (expected format {fmt!r})")
    return doc


def read_sweep(root: str | Path) -> dict[str, Any]:
    """The parsed ``sweep.json`` of a sweep root; raises ``SweepError`` if missing or malformed."""
    return read_root_file(root, SWEEP_FILE, FORMAT, "points", ("sweep", "sweep"))


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
        "overrides": plain(spec.overrides),
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
def locked(root: Path) -> Iterator[None]:
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


class SweepState:
    """The parent's view of ``sweep.json``; every change is written atomically."""

    def __init__(self, root: Path, doc: dict[str, Any], on_update: Callable[..., None] | None) -> None:
        self.root, self.doc, self.on_update = root, doc, on_update
        self.by_name = {p["name"]: p for p in doc["points"]}

    def save(self) -> None:
        counts = {s: 0 for s in STATUSES}
        for p in self.doc["points"]:
            counts[p["status"]] += 1
        self.doc["counts"] = counts
        self.doc["updated"] = now()
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

    def start(self, name: str) -> None:
        """Point ``name`` was handed to a worker: one more attempt, status ``running``."""
        self.set(name, status="running", attempts=self.by_name[name]["attempts"] + 1, error=None)

    def record(self, name: str, outcome: Mapping[str, Any]) -> None:
        """Record a worker's ``outcome`` (``status``, ``error``, ``seconds``, ``host``) for ``name``."""
        error = outcome.get("error")
        if error is not None and len(error) > _MAX_ERROR:
            error = error[:_MAX_ERROR] + " ..."
        self.set(
            name,
            status=outcome["status"],
            error=error,
            seconds=outcome.get("seconds"),
            host=outcome.get("host"),
        )

    def mark_interrupted(self) -> None:
        """The sweep stopped: points still ``running`` become ``incomplete``."""
        for point in self.doc["points"]:
            if point["status"] == "running":
                point["status"] = "incomplete"
        self.save()

    def result(self) -> SweepResult:
        return SweepResult(self.root, tuple(self.status(p) for p in self.doc["points"]))


def start_state(
    spec: SweepSpec,
    root: Path,
    points: list[SweepPoint],
    threads: dict[str, int],
    backend: dict[str, Any],
    has_state: bool,
    on_update: Callable[[PointStatus, Mapping[str, int]], None] | None,
) -> tuple[SweepState, list[dict[str, Any]]]:
    """Write the initial ``sweep.json`` (statuses read from the run directories); return the
    state and the tasks of the points still to run. ``backend`` is recorded as it is."""
    old: dict[str, dict[str, Any]] = {}
    created = now()
    if has_state:
        stored = read_sweep(root)
        _check_same_sweep(stored, spec, root)
        old = {p["name"]: p for p in stored["points"]}
        created = stored.get("created", created)
    doc = {
        "format": FORMAT,
        "experiment": spec.experiment,
        "preset": spec.preset,
        "overrides": plain(spec.overrides),
        "grid": spec.grid.as_dict(),
        "seed_key": spec.seed_key,
        "holds_fraction": float(spec.holds_fraction),
        "backend": backend,
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
                "settings": plain(p.settings),
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
                    "overrides": {**plain(spec.overrides), **plain(p.settings)},
                    "cpus": threads[p.name],
                }
            )
    state = SweepState(root, doc, on_update)
    state.save()
    return state, todo


def _ensure_report(run_dir: Path) -> None:
    """A run killed between ``summary.json`` and ``report.html`` gets its report (best effort)."""
    if (run_dir / "report.html").is_file():
        return
    from rankscope.report import build_report

    with contextlib.suppress(Exception):
        build_report(run_dir)
