"""Read a reproduction root into a :class:`~rankscope.sweep.ledger.Ledger` and write ``ledger.json``.

A reproduction root (``rankscope reproduce --out ROOT``) holds::

    reproduce.json     the marker: names, preset, seeds, per-experiment overrides, the command
    <experiment>/      one sweep root per experiment (``sweep.json`` and a run directory per seed)
    ledger.json        the ledger (:func:`write_ledger`)
    report.html        the dashboard (:func:`rankscope.sweep.dashboard.build_dashboard`)

:func:`claim_ledger` reads one experiment's sweep root: each point's resolved config (from its
``config.toml``, or resolved from the sweep's settings when the run never started), its checks and
measures (``summary.json``), its wall time and error (``sweep.json``), and hands them to
:func:`rankscope.sweep.verdict.experiment_ledger`. :func:`build_ledger` does so for every experiment
the marker names; an experiment whose sweep never started gets rows all the same, every seed
missing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rankscope.provenance import collect_provenance
from rankscope.store import RunDir, StoreError, atomic_write_text, plain
from rankscope.sweep.ledger import ExperimentLedger, Ledger
from rankscope.sweep.plan import SweepError
from rankscope.sweep.state import SWEEP_FILE, now, read_root_file, read_sweep
from rankscope.sweep.verdict import NOT_RUN, UNFINISHED, SeedRun, experiment_ledger

__all__ = [
    "LEDGER_FILE",
    "REPRODUCE_FILE",
    "build_ledger",
    "claim_ledger",
    "is_reproduce_dir",
    "read_ledger",
    "read_marker",
    "write_ledger",
    "write_marker",
]

LEDGER_FILE = "ledger.json"
REPRODUCE_FILE = "reproduce.json"
MARKER_FORMAT = "rankscope-reproduce/1"


def is_reproduce_dir(path: str | Path) -> bool:
    """Whether ``path`` is a reproduction root (it holds a ``reproduce.json`` rankscope wrote)."""
    try:
        read_marker(path)
    except (SweepError, OSError):
        return False
    return True


def read_marker(root: str | Path) -> dict[str, Any]:
    """The parsed ``reproduce.json`` of a reproduction root; ``SweepError`` if missing or foreign."""
    return read_root_file(root, REPRODUCE_FILE, MARKER_FORMAT, "names", ("reproduction", "reproduce"))


def write_marker(
    root: Path,
    *,
    names: Sequence[str],
    preset: str,
    seeds: int,
    overrides: Mapping[str, Mapping[str, Any]],
    command: str,
    created: str | None = None,
) -> None:
    """Write ``root/reproduce.json`` atomically (``root`` must exist)."""
    doc = {
        "format": MARKER_FORMAT,
        "names": list(names),
        "preset": preset,
        "seeds": seeds,
        "overrides": {k: plain(dict(v)) for k, v in overrides.items() if v},
        "command": command,
        "created": created or now(),
    }
    atomic_write_text(root / REPRODUCE_FILE, json.dumps(doc, indent=2) + "\n")


def _config(exp: Any, run_dir: Path, preset: str, settings: Mapping[str, Any]) -> Any:
    """The run's resolved config: its ``config.toml`` or, without one, resolved from ``settings``."""
    from rankscope.experiments import config_from_dict, resolve_config

    try:
        if (run_dir / "config.toml").is_file():
            stored = RunDir(run_dir).read_config().get("config", {})
            return config_from_dict(exp.Config, stored, source=str(run_dir / "config.toml"))
        return resolve_config(exp, preset, settings)
    except ValueError:  # StoreError and ConfigError too: every claim is then taken to apply
        return None


def _seed_run(exp: Any, root: Path, state: Mapping[str, Any], point: Mapping[str, Any]) -> SeedRun:
    run_dir = root / str(point["dir"])
    settings = {**state.get("overrides", {}), **point["settings"]}
    seed = point["settings"].get(state.get("seed_key", "seed"))
    config = _config(exp, run_dir, str(state["preset"]), settings)
    if (run_dir / "summary.json").is_file():
        try:
            summary = RunDir(run_dir).read_summary()
        except StoreError as exc:
            return SeedRun(seed, config, None, error=str(exc))
        skipped = summary.get("skipped")
        seconds = point.get("seconds")
        return SeedRun(
            seed,
            config,
            list(summary.get("checks", [])),
            measures=summary.get("measures") or {},
            seconds=float(seconds) if isinstance(seconds, (int, float)) else None,
            error=f"skipped: {skipped}" if skipped else None,
        )
    status = point.get("status")
    error = point.get("error") or (UNFINISHED if status in ("running", "incomplete") else NOT_RUN)
    return SeedRun(seed, config, None, error=str(error))


def claim_ledger(root: str | Path) -> ExperimentLedger:
    """The ledger of one experiment's sweep root over seeds (one row per claim; see
    :func:`rankscope.sweep.verdict.claim_rows`)."""
    from rankscope.experiments import get_experiment

    root = Path(root)
    state = read_sweep(root)
    exp = get_experiment(str(state["experiment"]))
    runs = [_seed_run(exp, root, state, p) for p in state["points"]]
    points = state["points"]
    failed = sum(p.get("status") == "failed" and r.checks is None for p, r in zip(points, runs, strict=True))
    return experiment_ledger(exp, runs, failed=failed)


def _not_started(name: str, preset: str, seeds: int, overrides: Mapping[str, Any]) -> ExperimentLedger:
    from rankscope.experiments import get_experiment, resolve_config

    exp = get_experiment(name)
    runs = []
    for seed in range(seeds):
        try:
            config = resolve_config(exp, preset, {**overrides, "seed": seed})
        except ValueError:
            config = None
        runs.append(SeedRun(seed, config, None, error=NOT_RUN))
    return experiment_ledger(exp, runs, failed=0)


def _provenance(root: Path, names: Sequence[str]) -> dict[str, Any]:
    """Where the runs ran: the provenance of the first finished run, else of this process."""
    for name in names:
        for summary in sorted((root / name).glob("*/summary.json")):
            try:
                provenance = RunDir(summary.parent).read_summary().get("provenance")
            except StoreError:
                continue
            if isinstance(provenance, dict):
                return provenance
    return collect_provenance()


def build_ledger(root: str | Path) -> Ledger:
    """The ledger of a reproduction root: every experiment its ``reproduce.json`` names."""
    root = Path(root)
    marker = read_marker(root)
    names = [str(n) for n in marker["names"]]
    preset, seeds = str(marker["preset"]), int(marker["seeds"])
    overrides = marker.get("overrides", {})
    experiments = []
    for name in names:
        if (root / name / SWEEP_FILE).is_file():
            experiments.append(claim_ledger(root / name))
        else:
            experiments.append(_not_started(name, preset, seeds, overrides.get(name, {})))
    return Ledger(
        experiments=tuple(experiments),
        preset=preset,
        seeds=seeds,
        command=str(marker.get("command", "")),
        date=now(),
        provenance=_provenance(root, names),
    )


def write_ledger(root: str | Path, ledger: Ledger | None = None) -> Path:
    """Write ``root/ledger.json`` atomically (``ledger`` defaults to :func:`build_ledger` of
    ``root``); return its path."""
    root = Path(root)
    ledger = build_ledger(root) if ledger is None else ledger
    target = root / LEDGER_FILE
    atomic_write_text(target, ledger.to_json())
    return target


def read_ledger(root: str | Path) -> Ledger:
    """The ledger stored in ``root/ledger.json``; ``SweepError`` naming the fix when it is missing."""
    path = Path(root) / LEDGER_FILE
    try:
        return Ledger.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(
            f"{path} is missing; `rankscope report {Path(root)}` rebuilds it from the runs"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise SweepError(f"{path} is not a readable ledger: {exc}") from exc
