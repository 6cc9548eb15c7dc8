"""The marker and manifest of a run directory: what rankscope wrote there, so it deletes nothing else.

Every run directory holds ``.rankscope-run.json``::

    {"format": "rankscope-run/1", "rankscope_version", "created",
     "dirs": ["figures", ...],     folders rankscope created (removed on overwrite only when empty)
     "files": ["config.toml", ...]}  every file rankscope wrote, as relative POSIX paths

The marker says "this is a rankscope run directory": ``--resume`` and ``--overwrite`` refuse a
non-empty directory without one. A file is recorded *before* it is first written (the marker is
rewritten atomically), so a run killed in the middle of any write still lists the file, and its
temporary ``.NAME.XXXXXXXX.tmp`` is recognised as rankscope's. :func:`clear_owned` deletes exactly
the listed files (never a directory, never through a symbolic link), their temporary files, and
then each listed folder that is left empty.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from rankscope.store._atomic import StoreError, atomic_write_text, rankscope_version, tmp_leftovers

__all__ = ["MARKER_FILE", "Manifest", "clear_owned", "new_marker", "read_marker", "unowned_entries"]

MARKER_FILE = ".rankscope-run.json"
MARKER_FORMAT = "rankscope-run/1"


def check_relpath(rel: str) -> str:
    """``rel`` as a normalised relative POSIX path inside the run directory, or raise StoreError."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        raise StoreError(f"run-directory file {rel!r} must be a relative path without '.' or '..' parts")
    return str(pure)


def new_marker(dirs: Iterable[str] = (), files: Iterable[str] = ()) -> dict[str, Any]:
    """A fresh marker document listing ``dirs`` and ``files``."""
    return {
        "format": MARKER_FORMAT,
        "rankscope_version": rankscope_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "dirs": sorted(set(dirs)),
        "files": sorted(set(files)),
    }


def read_marker(root: Path) -> dict[str, Any] | None:
    """The marker of ``root`` (``None`` if it has none); a malformed marker raises StoreError."""
    path = root / MARKER_FILE
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path} is not valid JSON ({exc}); nothing was deleted") from exc
    if (
        not isinstance(doc, dict)
        or doc.get("format") != MARKER_FORMAT
        or not isinstance(doc.get("files"), list)
        or not isinstance(doc.get("dirs"), list)
        or not all(isinstance(f, str) for f in doc["files"] + doc["dirs"])
    ):
        raise StoreError(
            f"{path} is not a rankscope run marker (expected format {MARKER_FORMAT!r} with lists "
            "'files' and 'dirs'); nothing was deleted"
        )
    return doc


def write_marker(root: Path, doc: dict[str, Any]) -> None:
    atomic_write_text(root / MARKER_FILE, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def _inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` if no folder on the way is a symbolic link (so nothing outside is reached)."""
    try:
        rel = check_relpath(rel)
    except StoreError:
        return None
    parts = rel.split("/")
    here = root
    for part in parts[:-1]:
        here = here / part
        if here.is_symlink() or not here.is_dir():
            return None
    return here / parts[-1]


def _rankscope_leftovers(root: Path, doc: dict[str, Any] | None) -> set[Path]:
    """Temporary files of the marker and of every listed file."""
    found = set(tmp_leftovers(root, MARKER_FILE))
    for rel in doc["files"] if doc else []:
        path = _inside(root, rel)
        if path is not None:
            found.update(tmp_leftovers(path.parent, path.name))
    return found


def unowned_entries(root: Path, doc: dict[str, Any] | None) -> list[str]:
    """Names in ``root`` other than the marker and rankscope's temporary files (sorted)."""
    skip = {p.name for p in _rankscope_leftovers(root, doc) if p.parent == root} | {MARKER_FILE}
    return sorted(p.name for p in root.iterdir() if p.name not in skip)


def clear_owned(root: Path, doc: dict[str, Any] | None) -> list[str]:
    """Delete the files ``doc`` lists, their and the marker's temporary files, then the listed folders
    left empty (deepest first). Return the folders kept (they still exist)."""
    for rel in doc["files"] if doc else []:
        path = _inside(root, rel)
        if path is not None and (path.is_symlink() or path.is_file()):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    for leftover in _rankscope_leftovers(root, doc):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    kept = []
    for rel in sorted(doc["dirs"] if doc else [], key=lambda d: d.count("/"), reverse=True):
        path = _inside(root, rel)
        if path is None or path.is_symlink() or not path.is_dir():
            continue
        try:
            os.rmdir(path)  # only succeeds when empty: a user's file keeps its folder
        except OSError:
            kept.append(rel)
    return sorted(kept)


class Manifest:
    """Records the files rankscope writes into one run directory (see the module docstring).

    Nothing is recorded in a directory without a marker: only :meth:`RunDir.create` makes one,
    so a folder that is not a run directory is never claimed.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: set[str] = set()

    def read(self) -> dict[str, Any] | None:
        return read_marker(self.root)

    def start(self, dirs: Iterable[str], files: Iterable[str]) -> None:
        """Write a fresh marker listing ``dirs`` and ``files``."""
        doc = new_marker(dirs, files)
        write_marker(self.root, doc)
        self._known = set(doc["files"])

    def record(self, rel: str) -> None:
        """Add the file ``rel`` to the manifest (call it before the file is first written)."""
        rel = check_relpath(rel)
        if rel in self._known:
            return
        doc = self.read()
        if doc is None:
            return
        if rel not in doc["files"]:
            doc["files"] = sorted({*doc["files"], rel})
            write_marker(self.root, doc)
        self._known.add(rel)

    def record_dir(self, rel: str) -> None:
        """Add the folder ``rel``, which rankscope has just created, to the manifest."""
        rel = check_relpath(rel)
        doc = self.read()
        if doc is not None and rel not in doc["dirs"]:
            doc["dirs"] = sorted({*doc["dirs"], rel})
            write_marker(self.root, doc)

    def forget(self, rels: Iterable[str]) -> None:
        """Drop ``rels`` (files rankscope deleted) from the manifest."""
        gone = {check_relpath(r) for r in rels}
        self._known -= gone
        doc = self.read()
        if doc is None or not gone & set(doc["files"]):
            return
        doc["files"] = sorted(set(doc["files"]) - gone)
        write_marker(self.root, doc)

    def owns(self, rel: str) -> bool:
        doc = self.read()
        return doc is not None and check_relpath(rel) in doc["files"]
