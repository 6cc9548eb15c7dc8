"""The run directory: the embedded store every experiment writes and every report reads back.

A run directory holds (DESIGN.md, "The run directory")::

    config.toml       [run] experiment, preset, rankscope_version, created;
                      [config] the fully resolved configuration
    metrics.jsonl     one JSON object per line, appended and fsynced as training goes
    arrays.npz        spectra and other arrays behind the figures (no pickled objects)
    summary.json      final measures and "checks": [{name, paper, ours, holds}, ...]
    figures/*.png     figures for people
    report.html       the self-contained report (see :mod:`rankscope.report`)
    checkpoints/      step-XXXXXXXX.pt (newest two) and latest.json {"step", "file", "sha256"}

Every whole-file write goes through :func:`atomic_write_bytes` (temporary file in the same
directory, fsync, ``os.replace``), so a killed run leaves either the old or the new version of a
file, never a torn one. ``metrics.jsonl`` is the one file that is appended to; a line cut short
by a kill is recognised by its missing newline and dropped on read (and cut off before the next
append).

Example:
    >>> import tempfile
    >>> run = RunDir.create(tempfile.mkdtemp() + "/run", experiment="demo", preset="quick",
    ...                     config={"width": 8})
    >>> run.append_metrics({"step": 0, "loss": 1.0})
    >>> run.read_metrics()
    [{'step': 0, 'loss': 1.0}]
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import enum
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path, PurePath
from typing import Any

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "RunDir",
    "StoreError",
    "atomic_write_bytes",
    "atomic_write_text",
    "to_jsonable",
]

CONFIG_FILE = "config.toml"
METRICS_FILE = "metrics.jsonl"
ARRAYS_FILE = "arrays.npz"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"
FIGURES_DIR = "figures"
CHECKPOINTS_DIR = "checkpoints"
LATEST_FILE = "latest.json"
KEEP_CHECKPOINTS = 2
FIGURE_DPI = 120

# Everything ``RunDir.create(..., overwrite=True)`` may delete; nothing else is ever touched.
_OWNED_FILES = (CONFIG_FILE, METRICS_FILE, ARRAYS_FILE, SUMMARY_FILE, REPORT_FILE)
_OWNED_DIRS = (FIGURES_DIR, CHECKPOINTS_DIR)
_CHECK_KEYS = ("name", "paper", "ours", "holds")
_RESERVED_ARRAY_NAMES = frozenset({"file", "allow_pickle"})
_CKPT_RE = re.compile(r"^step-(\d{8,})\.pt$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class StoreError(ValueError):
    """A run directory is malformed, corrupt or misused; the message names the file and the fix."""


def rankscope_version() -> str:
    """The installed rankscope version, or ``"0+unknown"`` when the package is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rankscope")
    except PackageNotFoundError:
        return "0+unknown"


# --------------------------------------------------------------------------- atomic writes


def _default_mode() -> int:
    """``0o666`` minus the process umask: the mode ``open(path, "w")`` would give a new file."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no read-only query exists elsewhere; restore at once
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(directory: Path) -> None:
    """Persist a rename in ``directory``; best effort (not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically: readers see the old file or the new, never a mix.

    Writes a temporary file in the same directory, flushes and fsyncs it, then ``os.replace``-s it
    over ``path`` and fsyncs the directory (best effort). On any failure the temporary file is
    removed and ``path`` keeps its previous content. The parent directory must exist. A new file
    gets the mode ``open()`` would give it; an existing file keeps its mode.
    """
    path = Path(path)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data for {path} must be bytes; got {type(data).__name__}")
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = _default_mode()
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: str | Path, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text (newlines written as given)."""
    if not isinstance(text, str):
        raise TypeError(f"text for {path} must be a str; got {type(text).__name__}")
    atomic_write_bytes(path, text.encode("utf-8"))


# --------------------------------------------------------------------------- plain data


def _plain(obj: Any, where: str, *, nonfinite_to_none: bool) -> Any:
    """Recursively turn ``obj`` into dicts, lists, str, int, float, bool and None."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, enum.Enum):
        return _plain(obj.value, where, nonfinite_to_none=nonfinite_to_none)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if nonfinite_to_none and not math.isfinite(obj):
            return None
        return float(obj)
    if isinstance(obj, np.generic):
        if np.iscomplexobj(obj):
            raise TypeError(f"{where} is complex ({obj!r}); store its real and imaginary parts")
        return _plain(obj.item(), where, nonfinite_to_none=nonfinite_to_none)
    if isinstance(obj, np.ndarray):
        if obj.dtype == object or np.iscomplexobj(obj):
            raise TypeError(f"{where} is an array of dtype {obj.dtype}; expected real or bool")
        return _plain(obj.tolist(), where, nonfinite_to_none=nonfinite_to_none)
    if type(obj).__module__.startswith("torch") and hasattr(obj, "detach"):
        return _plain(obj.detach().cpu().tolist(), where, nonfinite_to_none=nonfinite_to_none)
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if isinstance(key, enum.Enum):
                key = key.value
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, (str, int, np.integer)):
                raise TypeError(
                    f"{where} has key {key!r} of type {type(key).__name__}; expected str or int keys"
                )
            out[str(key)] = _plain(value, f"{where}[{key!r}]", nonfinite_to_none=nonfinite_to_none)
        return out
    if isinstance(obj, (list, tuple)):
        return [_plain(v, f"{where}[{i}]", nonfinite_to_none=nonfinite_to_none) for i, v in enumerate(obj)]
    if isinstance(obj, (set, frozenset)):
        items = [_plain(v, f"{where}{{}}", nonfinite_to_none=nonfinite_to_none) for v in obj]
        try:
            return sorted(items)
        except TypeError:
            return items
    raise TypeError(
        f"{where} of type {type(obj).__name__} ({obj!r:.60}) cannot be stored as "
        "plain data; expected numbers, str, bool, None, arrays, Paths, dataclasses, "
        "or lists/dicts of them"
    )


def to_jsonable(obj: Any) -> Any:
    """Return ``obj`` as strict-JSON-safe plain data (dict, list, str, int, float, bool, None).

    Converts numpy scalars and arrays, torch tensors, ``Path`` (to str), dataclasses (to dicts of
    their fields), ``Enum`` (to its value), dates (ISO 8601), tuples and sets (to lists) and int
    dict keys (to str). **Non-finite floats (NaN, +-Inf) become ``None``** (JSON has no NaN;
    ``np.asarray(values, dtype=float)`` turns them back into NaN). Anything else, including
    complex numbers, raises ``TypeError`` naming where in ``obj`` it sits.

    Example:
        >>> to_jsonable({"r": np.int64(3), "s": np.array([1.0, np.nan])})
        {'r': 3, 's': [1.0, None]}
    """
    return _plain(obj, "value", nonfinite_to_none=True)


def _dumps_json(obj: Any, where: str, *, indent: int | None = None) -> str:
    plain = _plain(obj, where, nonfinite_to_none=True)
    return json.dumps(plain, indent=indent, allow_nan=False, ensure_ascii=True)


def _tomlable(config: Any) -> dict:
    """Plain data for TOML: NaN/Inf kept (TOML has them), None-valued dict keys dropped."""
    plain = _plain(config, "config", nonfinite_to_none=False)
    if not isinstance(plain, dict):
        raise TypeError(f"config must be a dict (or dataclass); got {type(config).__name__}")

    def drop_none(value: Any, where: str) -> Any:
        if isinstance(value, dict):
            return {k: drop_none(v, f"{where}.{k}") for k, v in value.items() if v is not None}
        if isinstance(value, list):
            if any(v is None for v in value):
                raise TypeError(
                    f"{where} contains None; TOML has no null, so lists of a config cannot hold None"
                )
            return [drop_none(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    return drop_none(plain, "config")


def _config_diff(stored: Any, given: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two plain configs (NaN equals NaN)."""
    if isinstance(stored, dict) and isinstance(given, dict):
        diffs = []
        for key in sorted(set(stored) | set(given)):
            name = f"{prefix}.{key}" if prefix else key
            if key not in stored:
                diffs.append(f"{name} (new: {given[key]!r})")
            elif key not in given:
                diffs.append(f"{name} (was {stored[key]!r}, now absent)")
            else:
                diffs.extend(_config_diff(stored[key], given[key], name))
        return diffs
    same = stored == given or (
        isinstance(stored, float) and isinstance(given, float) and math.isnan(stored) and math.isnan(given)
    )
    if isinstance(stored, list) and isinstance(given, list) and len(stored) == len(given):
        same = not any(_config_diff(s, g, "x") for s, g in zip(stored, given, strict=True))
    return [] if same else [f"{prefix or '<config>'} (was {stored!r}, now {given!r})"]


# --------------------------------------------------------------------------- checkpoint state

_CKPT_LEAVES: tuple[type, ...] = (int, float, bool, str, bytes, type(None))
_CKPT_CONTAINERS: tuple[type, ...] = (dict, OrderedDict, list, tuple)


def _check_checkpoint_state(obj: Any, where: str) -> None:
    """Raise StoreError unless ``torch.load(weights_only=True)`` can read ``obj`` back."""
    import torch

    if isinstance(obj, torch.Tensor):
        if type(obj) not in (torch.Tensor, torch.nn.Parameter):
            raise StoreError(
                f"checkpoint {where} is a {type(obj).__name__} (a tensor subclass); "
                "store a plain tensor (x.detach().clone())"
            )
        return
    if type(obj) in _CKPT_LEAVES or isinstance(obj, (torch.Size, torch.dtype, torch.device)):
        return
    if type(obj) in _CKPT_CONTAINERS:
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for key, value in items:
            if isinstance(obj, dict) and type(key) not in (str, int):
                raise StoreError(
                    f"checkpoint {where} has key {key!r} of type "
                    f"{type(key).__name__}; expected str or int keys"
                )
            _check_checkpoint_state(value, f"{where}[{key!r}]")
        return
    raise StoreError(
        f"checkpoint {where} is a {type(obj).__name__} ({obj!r:.60}); checkpoints are loaded with "
        "torch.load(weights_only=True) and may hold only tensors, int/float/bool/str/bytes/None "
        "and dicts/lists/tuples of them. Convert numpy values with torch.as_tensor or .item()/"
        ".tolist()."
    )


def _torch_bfloat16() -> Any:
    import torch

    return torch.bfloat16


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- the run directory


class RunDir:
    """One run's directory: config, metrics, arrays, summary, figures and checkpoints.

    ``RunDir(path)`` opens a directory for reading (nothing is checked until a file is read);
    :meth:`create` makes (or resumes, or overwrites) one for writing. Readers raise
    :class:`StoreError` naming the file when it is missing or malformed.
    """

    def __init__(self, path: str | Path) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or Path; got {type(path).__name__}")
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"run directory {self.path} exists and is not a directory")

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    # ---- creation

    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        experiment: str,
        preset: str,
        config: dict,
        overwrite: bool = False,
        resume: bool = False,
    ) -> RunDir:
        """Create a run directory (or resume or overwrite one) and write its ``config.toml``.

        * A missing or empty directory is created and ``config.toml`` written, whatever the flags.
        * An existing non-empty directory needs ``resume`` or ``overwrite``:
          ``overwrite`` deletes the files rankscope writes (and only those) and starts fresh;
          ``resume`` requires its ``config.toml`` to name the same ``experiment`` and hold the same
          ``[config]``, else raises listing the differing keys. ``config.toml`` is left as it was.

        ``config`` is stored under ``[config]``; TOML has no null, so keys whose value is ``None``
        are omitted (read them back as "absent means None"). Tuples come back as lists.
        """
        for arg, value in (("experiment", experiment), ("preset", preset)):
            if not isinstance(value, str):
                raise TypeError(f"{arg} must be a str; got {type(value).__name__} {value!r}")
            if not value:
                raise ValueError(f"{arg} must be a non-empty str; got {value!r}")
        if overwrite and resume:
            raise StoreError(
                "overwrite and resume are mutually exclusive; pass only one of "
                "--overwrite (start fresh) or --resume (continue the run)"
            )
        try:
            plain_config = _tomlable(config)
        except TypeError as exc:
            raise StoreError(f"cannot store config for {path}: {exc}") from exc
        run = cls(path)
        existing = [p.name for p in run.path.iterdir()] if run.path.is_dir() else []
        if existing:
            if resume:
                run._check_resume(experiment, plain_config)
                return run
            if not overwrite:
                shown = ", ".join(sorted(existing)[:5]) + (", ..." if len(existing) > 5 else "")
                raise StoreError(
                    f"run directory {run.path} already exists and is not empty ({shown}); pass "
                    "--resume to continue that run or --overwrite to delete its results and start "
                    "fresh (or choose another --out)"
                )
            run._clear()
        run.path.mkdir(parents=True, exist_ok=True)
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
            text = tomli_w.dumps(document)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"cannot store config for {path} as TOML: {exc}") from exc
        atomic_write_text(run.path / CONFIG_FILE, text)
        return run

    def _check_resume(self, experiment: str, plain_config: dict) -> None:
        cfg_path = self.path / CONFIG_FILE
        if not cfg_path.is_file():
            raise StoreError(
                f"cannot resume {self.path}: it is not empty but has no {CONFIG_FILE}, so it is "
                "not a rankscope run directory; choose another --out or pass --overwrite"
            )
        stored = self.read_config()
        stored_experiment = stored.get("run", {}).get("experiment")
        if stored_experiment != experiment:
            raise StoreError(
                f"cannot resume {self.path}: {cfg_path} is a run of experiment "
                f"{stored_experiment!r}, not {experiment!r}; pass --overwrite to replace it"
            )
        diffs = _config_diff(stored.get("config", {}), plain_config)
        if diffs:
            raise StoreError(
                f"cannot resume {self.path} with a different config; these keys differ from "
                f"{cfg_path}: " + "; ".join(diffs) + ". Resume with the stored config, or pass "
                "--overwrite to start a fresh run"
            )

    def _clear(self) -> None:
        for name in _OWNED_FILES:
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()
        for name in _OWNED_DIRS:
            target = self.path / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()

    def _require_dir(self) -> None:
        if not self.path.is_dir():
            raise StoreError(f"run directory {self.path} does not exist; create it with RunDir.create(...)")

    # ---- config

    def read_config(self) -> dict:
        """The parsed ``config.toml``: ``{"run": {...}, "config": {...}}``."""
        cfg_path = self.path / CONFIG_FILE
        try:
            raw = cfg_path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"{cfg_path} is missing; {self.path} is not a rankscope run directory") from None
        try:
            return tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise StoreError(f"{cfg_path} is not valid TOML: {exc}") from exc

    # ---- metrics

    def append_metrics(self, record: dict) -> None:
        """Append ``record`` as one JSON line (via :func:`to_jsonable`), flushed and fsynced.

        A partial last line left by a killed writer is cut off first, so it never merges with
        this record.
        """
        if not isinstance(record, dict):
            raise TypeError(f"record must be a dict; got {type(record).__name__}")
        self._require_dir()
        line = _dumps_json(record, "metrics record").encode("ascii") + b"\n"
        with open(self.path / METRICS_FILE, "a+b") as fh:
            _cut_partial_line(fh)
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def read_metrics(self) -> list[dict]:
        """All complete records of ``metrics.jsonl`` (``[]`` if there is none yet).

        A last line without its newline is a write cut short by a kill and is dropped; a
        malformed line anywhere else raises :class:`StoreError` naming its line number.
        """
        met_path = self.path / METRICS_FILE
        try:
            raw = met_path.read_bytes()
        except FileNotFoundError:
            return []
        lines = raw.split(b"\n")
        lines.pop()  # b"" after a final newline, or an unterminated (partial) last line
        records = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise StoreError(
                    f"{met_path} line {number} is not valid JSON ({exc}): {line[:80]!r}"
                ) from exc
            if not isinstance(record, dict):
                raise StoreError(
                    f"{met_path} line {number} is a JSON {type(record).__name__}, expected an object"
                )
            records.append(record)
        return records

    def truncate_metrics_after(self, step: int) -> None:
        """Atomically drop the records whose ``"step"`` exceeds ``step`` (and any partial line).

        Call it on resume with the step of the loaded checkpoint, so that records written after
        that checkpoint are recorded again rather than duplicated; with no checkpoint, pass -1.
        Records without a ``"step"`` key are kept.
        """
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
            raise TypeError(f"step must be an int; got {type(step).__name__} {step!r}")
        met_path = self.path / METRICS_FILE
        if not met_path.exists():
            return
        kept = [
            r
            for r in self.read_metrics()
            if not (isinstance(r.get("step"), (int, float)) and r["step"] > step)
        ]
        text = "".join(_dumps_json(r, "metrics record") + "\n" for r in kept)
        atomic_write_text(met_path, text)

    # ---- arrays

    def write_arrays(self, **arrays: Any) -> None:
        """Merge ``arrays`` into ``arrays.npz`` atomically (existing keys kept unless given).

        Values are converted with ``np.asarray`` (tensors via ``.detach().cpu()``); object arrays
        are refused because they cannot be read back without pickle.
        """
        self._require_dir()
        new = {}
        for name, value in arrays.items():
            if name in _RESERVED_ARRAY_NAMES:
                raise StoreError(
                    f"array name {name!r} is reserved by np.savez; choose another name "
                    f"(not one of {sorted(_RESERVED_ARRAY_NAMES)})"
                )
            if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
                value = value.detach().cpu()
                value = value.float() if value.dtype == _torch_bfloat16() else value
                value = value.numpy()
            arr = np.asarray(value)
            if arr.dtype == object:
                raise StoreError(
                    f"array {name!r} for {self.path / ARRAYS_FILE} has dtype object "
                    f"({type(value).__name__}); expected a numeric array"
                )
            new[name] = arr
        merged = self.read_arrays()
        merged.update(new)
        buffer = io.BytesIO()
        np.savez(buffer, **merged)  # type: ignore[arg-type]  # numpy's stub misreads **kwds
        atomic_write_bytes(self.path / ARRAYS_FILE, buffer.getvalue())

    def read_arrays(self) -> dict[str, np.ndarray]:
        """All arrays of ``arrays.npz`` (``{}`` if there is none yet)."""
        arr_path = self.path / ARRAYS_FILE
        if not arr_path.exists():
            return {}
        try:
            with np.load(arr_path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise StoreError(f"{arr_path} is corrupt or not an .npz file: {exc}") from exc

    # ---- summary

    def write_summary(self, summary: dict) -> None:
        """Write ``summary.json`` atomically after checking its ``checks`` (see :func:`_checks_of`).

        Marks the run complete (:meth:`is_complete`), so write it last.
        """
        self._require_dir()
        if not isinstance(summary, dict):
            raise TypeError(f"summary must be a dict; got {type(summary).__name__}")
        plain = _plain(summary, "summary", nonfinite_to_none=True)
        _validate_summary(plain, "summary")
        text = json.dumps(plain, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
        atomic_write_text(self.path / SUMMARY_FILE, text)

    def read_summary(self) -> dict:
        """The parsed ``summary.json``; missing means the run did not finish."""
        sum_path = self.path / SUMMARY_FILE
        try:
            text = sum_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StoreError(
                f"{sum_path} is missing: the run in {self.path} is incomplete (it was stopped "
                "before it finished); run it again with --resume to finish it"
            ) from None
        try:
            summary = json.loads(text)
        except ValueError as exc:
            raise StoreError(f"{sum_path} is not valid JSON: {exc}") from exc
        _validate_summary(summary, str(sum_path))
        return summary

    def is_complete(self) -> bool:
        """Whether the run finished, i.e. ``summary.json`` exists."""
        return (self.path / SUMMARY_FILE).is_file()

    # ---- figures

    @property
    def figures_dir(self) -> Path:
        """``figures/`` inside the run directory, created on first use."""
        self._require_dir()
        directory = self.path / FIGURES_DIR
        directory.mkdir(exist_ok=True)
        return directory

    def save_figure(self, fig: Any, name: str) -> Path:
        """Save a matplotlib figure atomically as ``figures/{name}.png`` (dpi 120); return its path.

        ``name`` is a plain file stem (letters, digits, ``_ . -``); a ``.png`` suffix is optional.
        """
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(
                f"figure name must be a plain file name (letters, digits, '_', '.', '-'); got {name!r}"
            )
        stem = name[:-4] if name.lower().endswith(".png") else name
        if not stem:
            raise ValueError(f"figure name must not be empty; got {name!r}")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
        target = self.figures_dir / f"{stem}.png"
        atomic_write_bytes(target, buffer.getvalue())
        return target

    # ---- checkpoints

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / CHECKPOINTS_DIR

    def save_checkpoint(self, state: dict, step: int) -> Path:
        """Save ``state`` as ``checkpoints/step-{step:08d}.pt`` and point ``latest.json`` at it.

        ``state`` may hold only what ``torch.load(weights_only=True)`` reads back: tensors
        (state_dicts, ``torch.get_rng_state()``), int/float/bool/str/bytes/None and dicts, lists
        and tuples of them; anything else raises :class:`StoreError` naming where it sits. After
        the new file and ``latest.json`` are written, only it and the newest older checkpoint are
        kept (checkpoints of later steps, left from an abandoned history, are deleted too).
        """
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise ValueError(f"step must be an int >= 0; got {step!r}")
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict; got {type(state).__name__}")
        self._require_dir()
        _check_checkpoint_state(state, "state")
        import torch

        buffer = io.BytesIO()
        torch.save(state, buffer)
        data = buffer.getvalue()
        directory = self.checkpoints_dir
        directory.mkdir(exist_ok=True)
        target = directory / f"step-{int(step):08d}.pt"
        atomic_write_bytes(target, data)
        pointer = {"step": int(step), "file": target.name, "sha256": _sha256(data)}
        atomic_write_text(directory / LATEST_FILE, json.dumps(pointer, indent=2) + "\n")
        older = sorted(s for s, _ in self._checkpoint_files() if s < step)
        keep = {int(step), *older[len(older) - (KEEP_CHECKPOINTS - 1) :]}
        for s, file in self._checkpoint_files():
            if s not in keep:
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()
        return target

    def _checkpoint_files(self) -> list[tuple[int, Path]]:
        if not self.checkpoints_dir.is_dir():
            return []
        found = []
        for file in self.checkpoints_dir.iterdir():
            match = _CKPT_RE.match(file.name)
            if match:
                found.append((int(match.group(1)), file))
        return sorted(found)

    def load_checkpoint(self) -> tuple[int, dict] | None:
        """``(step, state)`` of the checkpoint ``latest.json`` names, or ``None`` if there is none.

        The file's sha256 is verified and it is read with ``torch.load(weights_only=True,
        map_location="cpu")``. A missing, corrupt or mismatching file raises :class:`StoreError`
        naming it and suggesting ``--overwrite``.
        """
        pointer_path = self.checkpoints_dir / LATEST_FILE
        if not pointer_path.exists():
            return None
        advice = "the checkpoint is unusable; pass --overwrite to start the run afresh"
        try:
            pointer = json.loads(pointer_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise StoreError(f"{pointer_path} is not valid JSON ({exc}); {advice}") from exc
        if (
            not isinstance(pointer, dict)
            or not isinstance(pointer.get("step"), int)
            or not isinstance(pointer.get("file"), str)
            or not isinstance(pointer.get("sha256"), str)
            or (name_match := _CKPT_RE.match(pointer["file"])) is None
        ):
            raise StoreError(
                f"{pointer_path} must hold {{'step': int, 'file': "
                f"'step-XXXXXXXX.pt', 'sha256': str}}; got {pointer!r}; {advice}"
            )
        step = pointer["step"]
        ckpt_path = self.checkpoints_dir / pointer["file"]
        if int(name_match.group(1)) != step:
            raise StoreError(f"{pointer_path} says step {step} but names {ckpt_path.name}; {advice}")
        try:
            data = ckpt_path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"checkpoint {ckpt_path} named by {pointer_path} is missing; {advice}") from None
        digest = _sha256(data)
        if digest != pointer["sha256"]:
            raise StoreError(
                f"checkpoint {ckpt_path} is corrupt: its sha256 {digest[:12]}... "
                f"does not match {pointer['sha256'][:12]}... recorded in "
                f"{pointer_path.name}; {advice}"
            )
        import torch

        try:
            state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many types for a bad file
            raise StoreError(
                f"checkpoint {ckpt_path} cannot be read: {type(exc).__name__}: {str(exc)[:300]}; {advice}"
            ) from exc
        if not isinstance(state, dict):
            raise StoreError(
                f"checkpoint {ckpt_path} holds a {type(state).__name__}, expected a dict; {advice}"
            )
        return step, state


def _cut_partial_line(fh: Any) -> None:
    """Truncate an ``a+b`` file back to just after its last newline (drop a torn last line)."""
    end = fh.seek(0, os.SEEK_END)
    if end == 0:
        return
    fh.seek(end - 1)
    if fh.read(1) == b"\n":
        return
    position = end
    chunk = 4096
    while position > 0:
        start = max(0, position - chunk)
        fh.seek(start)
        block = fh.read(position - start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            fh.truncate(start + newline + 1)
            return
        position = start
    fh.truncate(0)


def _validate_summary(summary: Any, where: str) -> None:
    """A summary is a dict with ``checks``: a list of ``{name: str, paper, ours, holds: bool}``."""
    if not isinstance(summary, dict):
        raise StoreError(f"{where} must be a JSON object; got {type(summary).__name__}")
    if "checks" not in summary:
        raise StoreError(
            f"{where} must contain 'checks': a list of {{name, paper, ours, holds}} "
            "(an empty list if the experiment checks nothing)"
        )
    checks = summary["checks"]
    if not isinstance(checks, list):
        raise StoreError(f"{where} 'checks' must be a list; got {type(checks).__name__}")
    for i, check in enumerate(checks):
        if not isinstance(check, dict):
            raise StoreError(
                f"{where} checks[{i}] must be an object {{name, paper, ours, holds}}; got {check!r:.80}"
            )
        missing = [key for key in _CHECK_KEYS if key not in check]
        if missing:
            raise StoreError(
                f"{where} checks[{i}] ({check.get('name', '?')!r}) is missing "
                f"{missing}; each check needs {list(_CHECK_KEYS)}"
            )
        if not isinstance(check["name"], str) or not check["name"]:
            raise StoreError(f"{where} checks[{i}] 'name' must be a non-empty str; got {check['name']!r}")
        if not isinstance(check["holds"], bool):
            raise StoreError(
                f"{where} checks[{i}] ({check['name']!r}) 'holds' must be true or "
                f"false; got {check['holds']!r}"
            )
