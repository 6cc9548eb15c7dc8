"""The :class:`RunDir`: one run's directory, read and written through the store's rules.

Each file's format lives beside it: ``_create`` (``config.toml``), ``_metrics``, ``_arrays``
(arrays and figures), ``_summary`` and ``_checkpoints``; ``RunDir`` records every file it writes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from rankscope.store import _arrays, _checkpoints, _metrics, _summary
from rankscope.store._arrays import ARRAYS_FILE, FIGURES_DIR
from rankscope.store._atomic import StoreError, atomic_write_bytes, atomic_write_text
from rankscope.store._create import Mode, carry_out, plan_create, read_config
from rankscope.store._manifest import MARKER_FILE, Manifest, check_relpath
from rankscope.store._metrics import METRICS_FILE
from rankscope.store._summary import SUMMARY_FILE

__all__ = ["CHECKPOINTS_DIR", "REPORT_FILE", "RunDir"]

REPORT_FILE = "report.html"
CHECKPOINTS_DIR = "checkpoints"


class RunDir:
    """One run's directory: config, metrics, arrays, summary, figures and checkpoints.

    ``RunDir(path)`` opens a directory for reading (nothing is checked until a file is read);
    :meth:`create` makes (or resumes, or overwrites) one for writing. Readers raise
    :class:`StoreError` naming the file when it is missing or malformed. Every file written through
    a ``RunDir`` is recorded in the directory's manifest (see :mod:`rankscope.store._manifest`).
    """

    def __init__(self, path: str | Path) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or Path; got {type(path).__name__}")
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"run directory {self.path} exists and is not a directory")
        self._manifest = Manifest(self.path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    # ---- creation

    @classmethod
    def check_create(
        cls,
        path: str | Path,
        *,
        experiment: str,
        preset: str,
        config: dict[str, Any],
        overwrite: bool = False,
        resume: bool = False,
    ) -> Mode:
        """Make every check :meth:`create` makes, write nothing; return ``"new"``, ``"resume"`` or
        ``"overwrite"`` (what :meth:`create` would do)."""
        return plan_create(
            Path(path),
            experiment=experiment,
            preset=preset,
            config=config,
            overwrite=overwrite,
            resume=resume,
        ).mode

    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        experiment: str,
        preset: str,
        config: dict[str, Any],
        overwrite: bool = False,
        resume: bool = False,
    ) -> RunDir:
        """Create a run directory (or resume or overwrite one) and write its marker and ``config.toml``.

        * A missing or empty directory is created and ``config.toml`` written (``resume`` on a
          missing directory raises: there is nothing to continue).
        * A non-empty directory without the ``.rankscope-run.json`` marker is not a run directory:
          it is refused whatever the flags, and nothing in it is touched.
        * An existing run needs ``resume`` or ``overwrite``: ``overwrite`` deletes the files the
          manifest lists (only those, and folders rankscope made that are left empty) and starts
          fresh; ``resume`` requires its ``config.toml`` to name the same ``experiment`` and hold
          the same ``[config]``, else raises listing the differing keys.

        Every check is made before anything is written (:meth:`check_create` makes them alone).
        ``config`` is stored under ``[config]``; TOML has no null, so keys whose value is ``None``
        are omitted (read them back as "absent means None"). Tuples come back as lists.
        """
        plan = plan_create(
            Path(path),
            experiment=experiment,
            preset=preset,
            config=config,
            overwrite=overwrite,
            resume=resume,
        )
        run = cls(path)
        run._manifest = carry_out(plan)
        return run

    def _require_dir(self) -> None:
        if not self.path.is_dir():
            raise StoreError(f"run directory {self.path} does not exist; create it with RunDir.create(...)")

    # ---- the manifest

    def has_marker(self) -> bool:
        """Whether the directory carries rankscope's marker (it was made by :meth:`create`)."""
        return (self.path / MARKER_FILE).is_file()

    def owned_files(self) -> list[str]:
        """The relative paths rankscope recorded writing here (``[]`` without a marker)."""
        doc = self._manifest.read()
        return list(doc["files"]) if doc else []

    def _subdir(self, name: str) -> Path:
        """``self.path/name``, created (and recorded as rankscope's) if it does not exist."""
        self._require_dir()
        directory = self.path / name
        try:
            directory.mkdir()
        except FileExistsError:
            if not directory.is_dir():
                raise StoreError(f"{directory} exists and is not a directory; move it away") from None
            return directory
        self._manifest.record_dir(name)
        return directory

    def _target(self, name: str) -> Path:
        """Record ``name`` (relative) in the manifest and return its path; its folder must exist."""
        rel = check_relpath(name)
        self._require_dir()
        self._manifest.record(rel)
        return self.path / rel

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write a file rankscope owns, ``name`` relative to the run directory, atomically."""
        target = self._target(name)
        atomic_write_bytes(target, data)
        return target

    def write_text(self, name: str, text: str) -> Path:
        """:meth:`write_bytes` for UTF-8 text (``report.html``, a sweep's ``error.json``, ...)."""
        target = self._target(name)
        atomic_write_text(target, text)
        return target

    def remove_owned(self, name: str) -> bool:
        """Delete ``name`` if the manifest lists it (a file rankscope wrote); return whether it did."""
        rel = check_relpath(name)
        if not self._manifest.owns(rel):
            return False
        target = self.path / rel
        if target.is_file() and not target.is_symlink():
            target.unlink()
        self._manifest.forget([rel])
        return True

    def read_config(self) -> dict[str, Any]:
        """The parsed ``config.toml``: ``{"run": {...}, "config": {...}}``."""
        return read_config(self.path)

    # ---- metrics

    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append ``record`` as one JSON line (via :func:`to_jsonable`), flushed and fsynced.

        A partial last line left by a killed writer is cut off first, so it never merges with
        this record.
        """
        line = _metrics.encode_record(record)
        _metrics.append_line(self._target(METRICS_FILE), line)

    def read_metrics(self) -> list[dict[str, Any]]:
        """All complete records of ``metrics.jsonl`` (``[]`` if there is none yet).

        A last line without its newline is a write cut short by a kill and is dropped; a
        malformed line anywhere else raises :class:`StoreError` naming its line number.
        """
        return _metrics.read_records(self.path / METRICS_FILE)

    def truncate_metrics_after(self, step: int) -> None:
        """Atomically drop the records whose ``"step"`` exceeds ``step`` (and any partial line).

        Call it on resume with the step of the loaded checkpoint, so that records written after
        that checkpoint are recorded again rather than duplicated; with no checkpoint, pass -1.
        Records without a ``"step"`` key are kept.
        """
        _metrics.check_step(step)
        if not (self.path / METRICS_FILE).exists():
            return
        self.write_text(METRICS_FILE, _metrics.records_through(self.read_metrics(), step))

    # ---- arrays

    def write_arrays(self, **arrays: Any) -> None:
        """Merge ``arrays`` into ``arrays.npz`` atomically (existing keys kept unless given).

        Values are converted with ``np.asarray`` (tensors via ``.detach().cpu()``); object arrays
        are refused because they cannot be read back without pickle.
        """
        self._require_dir()
        target = self.path / ARRAYS_FILE
        new = {name: _arrays.storable_array(name, value, target) for name, value in arrays.items()}
        self.write_bytes(ARRAYS_FILE, _arrays.npz_bytes({**self.read_arrays(), **new}))

    def read_arrays(self) -> dict[str, np.ndarray]:
        """All arrays of ``arrays.npz`` (``{}`` if there is none yet)."""
        return _arrays.read_npz(self.path / ARRAYS_FILE)

    # ---- summary

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Write ``summary.json`` atomically after checking its ``checks``.

        Marks the run complete (:meth:`is_complete`), so write it last.
        """
        self._require_dir()
        self.write_text(SUMMARY_FILE, _summary.summary_text(summary))

    def read_summary(self) -> dict[str, Any]:
        """The parsed ``summary.json``; missing means the run did not finish."""
        return _summary.read_summary(self.path)

    def is_complete(self) -> bool:
        """Whether the run finished, i.e. ``summary.json`` exists."""
        return (self.path / SUMMARY_FILE).is_file()

    # ---- figures

    @property
    def figures_dir(self) -> Path:
        """``figures/`` inside the run directory, created on first use."""
        return self._subdir(FIGURES_DIR)

    def save_figure(self, fig: _arrays.Figure, name: str) -> Path:
        """Save a matplotlib figure atomically as ``figures/{name}.png`` (dpi 120); return its path.

        ``name`` is a plain file stem (letters, digits, ``_ . -``); a ``.png`` suffix is optional.
        """
        stem, png = _arrays.figure_png(fig, name)
        self.figures_dir  # noqa: B018 - creates (and records) the folder
        return self.write_bytes(f"{FIGURES_DIR}/{stem}.png", png)

    # ---- checkpoints

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / CHECKPOINTS_DIR

    def save_checkpoint(self, state: dict[str, Any], step: int) -> Path:
        """Save ``state`` as ``checkpoints/step-{step:08d}.pt`` and point ``latest.json`` at it.

        ``state`` may hold only what ``torch.load(weights_only=True)`` reads back: tensors
        (state_dicts, ``torch.get_rng_state()``), int/float/bool/str/bytes/None and dicts, lists
        and tuples of them; anything else raises :class:`StoreError` naming where it sits. After
        the new file and ``latest.json`` (which records the sha256 of every kept checkpoint) are
        written, only it and the newest older checkpoint are kept (checkpoints of later steps,
        left from an abandoned history, are deleted too).
        """
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise ValueError(f"step must be an int >= 0; got {step!r}")
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict; got {type(state).__name__}")
        self._require_dir()
        _checkpoints.check_state(state, "state")
        directory = self._subdir(CHECKPOINTS_DIR)
        return _checkpoints.save_checkpoint(
            directory,
            state,
            int(step),
            record=lambda name: self._manifest.record(f"{CHECKPOINTS_DIR}/{name}"),
            forget=lambda names: self._manifest.forget(f"{CHECKPOINTS_DIR}/{n}" for n in names),
        )

    def load_checkpoint(self) -> tuple[int, dict[str, Any]] | None:
        """``(step, state)`` of the newest checkpoint that verifies, or ``None`` if there is none.

        Each kept checkpoint's sha256 (recorded in ``latest.json``) is verified and the file read
        with ``torch.load(weights_only=True, map_location="cpu")``. When the newest is missing,
        corrupt or unreadable, the newest older one that verifies is returned instead, with a
        :class:`~rankscope.store.CheckpointFallbackWarning` naming the bad file and the step it
        falls back to; callers must use the returned step (truncate the metrics after it). When
        none verifies, or ``latest.json`` is malformed, :class:`StoreError` is raised.
        """
        return _checkpoints.load_checkpoint(self.checkpoints_dir)

    def checkpoint_step(self) -> int | None:
        """The step of the newest checkpoint as ``latest.json`` records it (not verified), or ``None``."""
        return _checkpoints.latest_step(self.checkpoints_dir)
