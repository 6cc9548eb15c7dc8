"""Checkpoints of a run directory: verified by sha256, the newest two kept, a fallback when one is bad.

``checkpoints/`` holds ``step-XXXXXXXX.pt`` files and ``latest.json``::

    {"step": 40, "file": "step-00000040.pt", "sha256": "...",
     "kept": [{"step": 40, "file": "step-00000040.pt", "sha256": "..."},
              {"step": 20, "file": "step-00000020.pt", "sha256": "..."}]}

so every kept checkpoint has its recorded digest. :func:`load_checkpoint` tries them newest first:
a missing, corrupt or unreadable one is skipped with a :class:`CheckpointFallbackWarning` naming
it and the step it falls back to; only when none verifies does it raise :class:`StoreError`.
A ``latest.json`` of an earlier version (no ``kept``) names one file and still loads.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import warnings
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rankscope.store._atomic import StoreError, atomic_write_bytes, atomic_write_text, sha256

__all__ = ["CheckpointFallbackWarning", "check_state", "latest_step", "load_checkpoint", "save_checkpoint"]

LATEST_FILE = "latest.json"
KEEP_CHECKPOINTS = 2
CKPT_RE = re.compile(r"^step-(\d{8,})\.pt$")
_ADVICE = "the checkpoint is unusable; pass --overwrite to start the run afresh"
_LEAVES: tuple[type, ...] = (int, float, bool, str, bytes, type(None))
_CONTAINERS: tuple[type, ...] = (dict, OrderedDict, list, tuple)


class CheckpointFallbackWarning(RuntimeWarning):
    """The newest checkpoint was unusable; an older verified one was loaded instead."""


def check_state(obj: Any, where: str) -> None:
    """Raise StoreError unless ``torch.load(weights_only=True)`` can read ``obj`` back."""
    import torch

    if isinstance(obj, torch.Tensor):
        if type(obj) not in (torch.Tensor, torch.nn.Parameter):
            raise StoreError(
                f"checkpoint {where} is a {type(obj).__name__} (a tensor subclass); "
                "store a plain tensor (x.detach().clone())"
            )
        return
    if type(obj) in _LEAVES or isinstance(obj, (torch.Size, torch.dtype, torch.device)):
        return
    if type(obj) in _CONTAINERS:
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for key, value in items:
            if isinstance(obj, dict) and type(key) not in (str, int):
                raise StoreError(
                    f"checkpoint {where} has key {key!r} of type "
                    f"{type(key).__name__}; expected str or int keys"
                )
            check_state(value, f"{where}[{key!r}]")
        return
    raise StoreError(
        f"checkpoint {where} is a {type(obj).__name__} ({obj!r:.60}); checkpoints are loaded with "
        "torch.load(weights_only=True) and may hold only tensors, int/float/bool/str/bytes/None "
        "and dicts/lists/tuples of them. Convert numpy values with torch.as_tensor or .item()/"
        ".tolist()."
    )


def checkpoint_files(directory: Path) -> list[tuple[int, Path]]:
    """``(step, path)`` of every ``step-XXXXXXXX.pt`` in ``directory``, by step."""
    if not directory.is_dir():
        return []
    found = []
    for file in directory.iterdir():
        match = CKPT_RE.match(file.name)
        if match:
            found.append((int(match.group(1)), file))
    return sorted(found)


def _entry_ok(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    step, file, digest = entry.get("step"), entry.get("file"), entry.get("sha256")
    if isinstance(step, bool) or not isinstance(step, int) or not isinstance(digest, str):
        return False
    match = CKPT_RE.match(file) if isinstance(file, str) else None
    return match is not None and int(match.group(1)) == step


def _read_pointer(path: Path) -> dict[str, Any]:
    try:
        pointer = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path} is not valid JSON ({exc}); {_ADVICE}") from exc
    kept = pointer.get("kept", []) if isinstance(pointer, dict) else None
    if not _entry_ok(pointer) or not isinstance(kept, list) or not all(_entry_ok(e) for e in kept):
        raise StoreError(
            f"{path} must hold {{'step': int, 'file': 'step-XXXXXXXX.pt', 'sha256': str, 'kept': "
            f"[entries like it]}} with each step matching its file; got {pointer!r:.200}; {_ADVICE}"
        )
    out: dict[str, Any] = pointer
    return out


def save_checkpoint(
    directory: Path,
    state: dict[str, Any],
    step: int,
    record: Callable[[str], None],
    forget: Callable[[list[str]], None],
) -> Path:
    """Write ``step-{step:08d}.pt`` and ``latest.json``; keep it and the newest older one.

    ``record(name)`` is called before each file is first written and ``forget(names)`` after
    checkpoints are deleted (the run directory's manifest). Checkpoints of later steps, left from
    an abandoned history, are deleted too.
    """
    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    digest = sha256(data)
    target = directory / f"step-{int(step):08d}.pt"
    known: dict[str, str] = {}
    with contextlib.suppress(StoreError, OSError):
        old = _read_pointer(directory / LATEST_FILE)
        known = {e["file"]: e["sha256"] for e in [old, *old.get("kept", [])]}
    record(target.name)
    atomic_write_bytes(target, data)
    files = checkpoint_files(directory)
    older = [s for s, _ in files if s < step]
    keep = {int(step), *older[len(older) - (KEEP_CHECKPOINTS - 1) :]}
    kept = []
    for s, file in sorted(files, reverse=True):
        if s in keep:
            file_digest = digest if s == step else known.get(file.name) or sha256(file.read_bytes())
            kept.append({"step": s, "file": file.name, "sha256": file_digest})
    pointer = {"step": int(step), "file": target.name, "sha256": digest, "kept": kept}
    record(LATEST_FILE)
    atomic_write_text(directory / LATEST_FILE, json.dumps(pointer, indent=2) + "\n")
    deleted = []
    for s, file in files:
        if s not in keep:
            with contextlib.suppress(FileNotFoundError):
                file.unlink()
            deleted.append(file.name)
    if deleted:
        forget(deleted)
    return target


def _load_one(directory: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """The verified state of one checkpoint entry; raises StoreError saying what is wrong."""
    import torch

    path = directory / entry["file"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        why = "is missing" if isinstance(exc, FileNotFoundError) else f"cannot be read ({exc})"
        raise StoreError(f"checkpoint {path} named by {LATEST_FILE} {why}") from None
    digest = sha256(data)
    if digest != entry["sha256"]:
        raise StoreError(
            f"checkpoint {path} is corrupt: its sha256 {digest[:12]}... does not match "
            f"{entry['sha256'][:12]}... recorded in {LATEST_FILE}"
        )
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file
        raise StoreError(f"checkpoint {path} cannot be read: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if not isinstance(state, dict):
        raise StoreError(f"checkpoint {path} holds a {type(state).__name__}, expected a dict")
    return state


def load_checkpoint(directory: Path) -> tuple[int, dict[str, Any]] | None:
    """``(step, state)`` of the newest checkpoint that verifies, or ``None`` if there is none.

    Each candidate's sha256 is checked and it is read with ``torch.load(weights_only=True,
    map_location="cpu")``. Falling back past a bad one warns (:class:`CheckpointFallbackWarning`);
    when none verifies, or ``latest.json`` is malformed, :class:`StoreError` is raised.
    """
    pointer_path = directory / LATEST_FILE
    if not pointer_path.exists():
        return None
    pointer = _read_pointer(pointer_path)
    head = {k: pointer[k] for k in ("step", "file", "sha256")}
    older = [e for e in pointer.get("kept", []) if e["step"] < head["step"]]
    candidates = [head, *sorted(older, key=lambda e: -e["step"])]
    problems: list[str] = []
    for entry in candidates:
        try:
            state = _load_one(directory, entry)
        except StoreError as exc:
            problems.append(str(exc))
            continue
        if problems:
            warnings.warn(
                CheckpointFallbackWarning(
                    "; ".join(problems) + f"; falling back to the older checkpoint {entry['file']} at "
                    f"step {entry['step']}"
                ),
                stacklevel=3,
            )
        return int(entry["step"]), state
    raise StoreError(f"no checkpoint in {directory} verifies: " + "; ".join(problems) + f"; {_ADVICE}")


def latest_step(directory: Path) -> int | None:
    """The step ``latest.json`` names (not loaded or verified), or ``None``."""
    try:
        return int(_read_pointer(directory / LATEST_FILE)["step"])
    except (OSError, StoreError):
        return None
