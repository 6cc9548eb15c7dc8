"""``reproduce``: every paper claim of every experiment over seeds, one ledger and one dashboard.

:func:`reproduce` runs, for each experiment (all registered ones by default), a sweep over the grid
``seed=0:SEEDS`` into ``OUT/<experiment>/`` (:func:`rankscope.sweep.run_sweep`: one ordinary run
directory per seed, on a local pool or Ray), then writes ``OUT/ledger.json``
(:mod:`rankscope.sweep.ledger_store`: every claim with its verdict over the seeds, see
:mod:`rankscope.sweep.verdict`) and the dashboard ``OUT/report.html``
(:mod:`rankscope.sweep.dashboard`). ``OUT/reproduce.json`` marks the root, so ``rankscope report
OUT`` rebuilds both.

Nothing the user has is deleted or overwritten: a fresh reproduction needs ``OUT`` missing or empty;
``resume=True`` continues the one recorded in ``OUT/reproduce.json`` (same preset and seeds),
running only the seeds that are missing, incomplete or failed. Every experiment's plan (names,
preset, overrides) is checked before the first run starts.

Example:
    >>> from rankscope.sweep import LocalPool
    >>> result = reproduce(["staircase"], "quick", 2, "runs/repro", LocalPool(jobs=2))  # doctest: +SKIP
    >>> result.ledger.counts()["robust"]  # doctest: +SKIP
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rankscope.sweep.dashboard import build_dashboard
from rankscope.sweep.grid import parse_grid
from rankscope.sweep.ledger import Ledger
from rankscope.sweep.ledger_store import REPRODUCE_FILE, build_ledger, read_marker, write_ledger, write_marker
from rankscope.sweep.plan import SweepError, SweepSpec, plan_sweep
from rankscope.sweep.pool import LocalPool, pool_jobs
from rankscope.sweep.ray_backend import RayCluster
from rankscope.sweep.runner import run_sweep
from rankscope.sweep.state import LOCK_FILE, SWEEP_FILE, PointStatus, SweepResult

__all__ = ["ReproduceProgress", "ReproduceResult", "reproduce", "resume_command"]

#: ``progress(experiment, counts)``: called before an experiment's sweep starts (empty counts),
#: after every change of a point's status, and when the sweep ends; counts are ``{status: n}``.
ReproduceProgress = Callable[[str, Mapping[str, int]], None]

DEFAULT_PRESET = "quick"
DEFAULT_SEEDS = 5


@dataclass(frozen=True)
class ReproduceResult:
    """What :func:`reproduce` wrote: the root, the ledger (and its file), the dashboard, each sweep."""

    root: Path
    ledger: Ledger
    ledger_path: Path
    dashboard: Path
    sweeps: Mapping[str, SweepResult]

    @property
    def failed(self) -> tuple[tuple[str, PointStatus], ...]:
        """``(experiment, point)`` of every point that failed."""
        return tuple((name, p) for name, result in self.sweeps.items() for p in result.failed)


def _check_names(names: Sequence[str]) -> list[str]:
    from rankscope.experiments import REGISTRY

    if isinstance(names, str):
        raise TypeError(f"names must be a list of experiment names; got the string {names!r}")
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ValueError(
            f"unknown experiment(s) {unknown}; expected some of {sorted(REGISTRY)} (see `rankscope list`)"
        )
    return list(dict.fromkeys(names))


def _check_seeds(seeds: object) -> int:
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be an integer >= 1 (seeds 0..SEEDS-1 are run); got {seeds!r}")
    return seeds


def _looks_like_ours(root: Path) -> bool:
    """A root without its marker that holds only sweep roots named after experiments (and files
    rankscope writes there): a reproduction whose marker was lost, which ``--resume`` may finish."""
    from rankscope.experiments import REGISTRY

    own = {REPRODUCE_FILE, "ledger.json", "report.html", LOCK_FILE}
    for entry in root.iterdir():
        if entry.is_dir() and entry.name in REGISTRY and (entry / SWEEP_FILE).is_file():
            continue
        if entry.is_file() and entry.name in own:
            continue
        return False
    return True


def resume_command(root: str | Path) -> str:
    """The command that finishes the reproduction in ``root``."""
    return shlex.join(["rankscope", "reproduce", "--out", str(root), "--resume"])


def _command(names: Sequence[str], preset: str, seeds: int, root: Path) -> str:
    args = ["rankscope", "reproduce", *names, "--preset", preset, "--seeds", str(seeds), "--out", str(root)]
    return shlex.join(args)


def reproduce(
    names: Sequence[str] = (),
    preset: str | None = None,
    seeds: int | None = None,
    out: str | Path = "runs/repro",
    backend: LocalPool | RayCluster | None = None,
    resume: bool = False,
    progress: ReproduceProgress | None = None,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    command: str | None = None,
) -> ReproduceResult:
    """Run every claim of ``names`` (default: every registered experiment) over ``seeds`` seeds.

    Args:
        names: experiment names; empty means all (on ``resume``: those recorded).
        preset: the preset of every run (default ``quick``; on ``resume``: the recorded one).
        seeds: seeds ``0 .. seeds-1`` per experiment (default 5; on ``resume``: the recorded number).
        out: the reproduction root; ``OUT/<experiment>/`` is each experiment's sweep root.
        backend: a :class:`LocalPool` (default) or a :class:`RayCluster`.
        resume: finish the reproduction recorded in ``out``: only missing, incomplete or failed
            seeds run; experiments named here that it does not hold yet are added.
        progress: called as each experiment's points change status (:data:`ReproduceProgress`).
        overrides: ``{experiment: {config key: value}}`` fixed for every seed of that experiment
            (recorded; on ``resume`` the recorded ones are used unless given).
        command: the command line recorded in the ledger (default: one equivalent to this call).

    Returns:
        A :class:`ReproduceResult`; a failed point does not raise (its claims do not hold).

    Raises:
        ValueError: an unknown experiment (naming the known ones), ``seeds`` not an integer >= 1,
            a bad preset or override (:class:`SweepError` for a root that holds something else,
            a reproduction recorded with other settings, or Ray unreachable).
    """
    from rankscope.experiments import REGISTRY

    given = _check_names(names)
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise SweepError(f"--out {root} exists and is not a directory")
    marker: dict[str, Any] | None = None
    if (root / REPRODUCE_FILE).exists():
        marker = read_marker(root)
        if not resume:
            raise SweepError(
                f"{root} already holds a reproduction ({REPRODUCE_FILE}); pass --resume to finish it, "
                "or choose another --out"
            )
    elif root.is_dir() and any(root.iterdir()) and not (resume and _looks_like_ours(root)):
        raise SweepError(
            f"--out {root} is not empty and is not a reproduction root (no {REPRODUCE_FILE}); choose "
            "another --out (nothing there is touched)"
        )
    recorded = [str(n) for n in marker["names"]] if marker else []
    preset = preset if preset is not None else str(marker["preset"]) if marker else DEFAULT_PRESET
    seeds = _check_seeds(seeds if seeds is not None else int(marker["seeds"]) if marker else DEFAULT_SEEDS)
    if marker and (marker["preset"], marker["seeds"]) != (preset, seeds):
        raise SweepError(
            f"cannot resume the reproduction in {root} with preset {preset!r} and {seeds} seeds: it was "
            f"recorded with preset {marker['preset']!r} and {marker['seeds']} seeds; leave out --preset "
            "and --seeds to reuse them, or choose another --out"
        )
    run_names = given or recorded or list(REGISTRY)
    fixed = {k: dict(v) for k, v in (marker or {}).get("overrides", {}).items()}
    fixed.update({k: dict(v) for k, v in (overrides or {}).items()})
    _check_names(list(fixed))
    grid = parse_grid([f"seed=0:{seeds}"])
    specs = [SweepSpec(n, preset, grid, fixed.get(n, {})) for n in run_names]
    for spec in specs:  # every plan is checked before anything is written
        plan_sweep(spec)
    if isinstance(backend, LocalPool):
        pool_jobs(backend)

    root.mkdir(parents=True, exist_ok=True)
    write_marker(
        root,
        names=list(dict.fromkeys([*recorded, *run_names])),
        preset=preset,
        seeds=seeds,
        overrides=fixed,
        command=command or (str(marker["command"]) if marker else _command(given, preset, seeds, root)),
        created=str(marker["created"]) if marker and "created" in marker else None,
    )
    sweeps: dict[str, SweepResult] = {}
    for spec in specs:
        sub = root / spec.experiment
        name = spec.experiment

        def update(point: PointStatus, counts: Mapping[str, int], name: str = name) -> None:
            if progress is not None:
                progress(name, counts)

        if progress is not None:
            progress(name, {})
        result = run_sweep(
            spec, sub, backend=backend, resume=resume and (sub / SWEEP_FILE).is_file(), on_update=update
        )
        sweeps[name] = result
        if progress is not None:
            counts = {s: result.count(s) for s in ("pending", "running", "done", "failed", "incomplete")}
            progress(name, counts)
    ledger = build_ledger(root)
    ledger_path = write_ledger(root, ledger)
    return ReproduceResult(root, ledger, ledger_path, build_dashboard(root), sweeps)
