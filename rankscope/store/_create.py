"""Creating, resuming and overwriting a run directory: every check first, then the writes.

:func:`plan_create` makes every check :meth:`RunDir.create` makes and writes nothing (``rankscope
run --dry-run`` calls it through :meth:`RunDir.check_create`); :func:`carry_out` performs the plan.

* A missing directory, or one holding nothing but rankscope's marker and temporary files, becomes a
  fresh run (``resume`` on a *missing* directory is an error: there is nothing to continue).
* A non-empty directory without the marker is not a rankscope run directory: it is refused for
  ``resume`` and ``overwrite`` alike, and nothing in it is touched.
* ``overwrite`` deletes only what the manifest lists (see :mod:`rankscope.store._manifest`).
* ``resume`` requires the stored ``config.toml`` to name the same experiment and hold the same
  ``[config]``; a run killed before its ``config.toml`` was written starts afresh.
"""

from __future__ import annotations

import datetime as _dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rankscope.store._atomic import StoreError, atomic_write_text, rankscope_version
from rankscope.store._codec import config_diff, tomlable
from rankscope.store._manifest import MARKER_FILE, Manifest, clear_owned, read_marker, unowned_entries

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["CONFIG_FILE", "CreatePlan", "carry_out", "plan_create", "read_config"]

CONFIG_FILE = "config.toml"
Mode = Literal["new", "resume", "overwrite"]


@dataclass(frozen=True)
class CreatePlan:
    """What :meth:`RunDir.create` will do: ``mode``, and the config document it will write."""

    path: Path
    mode: Mode
    document: dict[str, Any]
    marker: dict[str, Any] | None


def _not_a_run_dir(path: Path, action: str, entries: list[str]) -> StoreError:
    shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
    return StoreError(
        f"cannot {action} {path}: it is not a rankscope run directory (it holds {shown} but no "
        f"{MARKER_FILE} marker); nothing was deleted. Choose another --out"
    )


def read_config(run_path: Path) -> dict[str, Any]:
    """The parsed ``config.toml`` of the run directory ``run_path``: ``{"run": ..., "config": ...}``."""
    cfg_path = run_path / CONFIG_FILE
    try:
        raw = cfg_path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise StoreError(f"{cfg_path} is missing; {run_path} is not a rankscope run directory") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"{cfg_path} is not valid TOML: {exc}") from exc


def _check_resume(path: Path, experiment: str, plain_config: dict[str, Any]) -> None:
    cfg_path = path / CONFIG_FILE
    try:
        stored = tomllib.loads(cfg_path.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot resume {path}: {cfg_path} is not valid TOML: {exc}") from exc
    run_table = stored.get("run")
    stored_experiment = run_table.get("experiment") if isinstance(run_table, dict) else None
    if stored_experiment != experiment:
        raise StoreError(
            f"cannot resume {path}: {cfg_path} is a run of experiment "
            f"{stored_experiment!r}, not {experiment!r}; pass --overwrite to replace it"
        )
    diffs = config_diff(stored.get("config", {}), plain_config)
    if diffs:
        raise StoreError(
            f"cannot resume {path} with a different config; these keys differ from "
            f"{cfg_path}: " + "; ".join(diffs) + ". Resume with the stored config, or pass "
            "--overwrite to start a fresh run"
        )


def plan_create(
    path: Path, *, experiment: str, preset: str, config: object, overwrite: bool, resume: bool
) -> CreatePlan:
    """Every check of :meth:`RunDir.create`, writing nothing; raises StoreError/TypeError/ValueError."""
    for arg, value in (("experiment", experiment), ("preset", preset)):
        if not isinstance(value, str):
            raise TypeError(f"{arg} must be a str; got {type(value).__name__} {value!r}")
        if not value:
            raise ValueError(f"{arg} must be a non-empty str; got {value!r}")
    if overwrite and resume:
        raise StoreError(
            "--overwrite and --resume are mutually exclusive; pass only one of "
            "--overwrite (start fresh) or --resume (continue the run)"
        )
    try:
        plain_config = tomlable(config)
    except TypeError as exc:
        raise StoreError(f"cannot store config for {path}: {exc}") from exc
    document = {
        "run": {
            "experiment": experiment,
            "preset": preset,
            "rankscope_version": rankscope_version(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        },
        "config": plain_config,
    }
    import tomli_w

    try:
        tomli_w.dumps(document)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store config for {path} as TOML: {exc}") from exc
    if path.exists() and not path.is_dir():
        raise StoreError(f"run directory {path} exists and is not a directory; choose another --out")
    if not path.exists():
        if resume:
            raise StoreError(
                f"cannot resume {path}: it does not exist; drop --resume to start a new run there"
            )
        return CreatePlan(path, "new", document, None)
    marker = read_marker(path)
    entries = unowned_entries(path, marker)
    if marker is None:
        if not entries:
            return CreatePlan(path, "new", document, None)
        if overwrite or resume:
            raise _not_a_run_dir(path, "overwrite" if overwrite else "resume", entries)
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise StoreError(
            f"{path} already exists, is not empty ({shown}) and is not a rankscope run directory "
            f"(no {MARKER_FILE}); choose another --out"
        )
    if resume and (path / CONFIG_FILE).is_file():
        _check_resume(path, experiment, plain_config)
        return CreatePlan(path, "resume", document, marker)
    if resume or overwrite or not entries:  # resume of a run killed before its config: start afresh
        return CreatePlan(path, "overwrite", document, marker)
    shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
    raise StoreError(
        f"run directory {path} already exists and is not empty ({shown}); pass --resume to "
        "continue that run or --overwrite to delete its results and start fresh (or choose "
        "another --out)"
    )


def carry_out(plan: CreatePlan) -> Manifest:
    """Perform ``plan``: clear what rankscope owns (overwrite), write the marker and ``config.toml``."""
    manifest = Manifest(plan.path)
    if plan.mode == "resume":
        return manifest
    kept_dirs: list[str] = []
    if plan.mode == "overwrite":
        kept_dirs = clear_owned(plan.path, plan.marker)
    plan.path.mkdir(parents=True, exist_ok=True)
    clear_owned(plan.path, None)  # the marker's own temporary files
    manifest.start(kept_dirs, [CONFIG_FILE])
    import tomli_w

    atomic_write_text(plan.path / CONFIG_FILE, tomli_w.dumps(plan.document))
    return manifest
