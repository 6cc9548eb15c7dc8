"""Atomic whole-file writes, the store's error type, and the names of rankscope's temporary files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

__all__ = [
    "StoreError",
    "atomic_write_bytes",
    "atomic_write_text",
    "rankscope_version",
    "sha256",
    "tmp_leftovers",
]

# tempfile.mkstemp's random part: 8 characters of this alphabet (CPython's _RandomNameSequence).
_TMP_MIDDLE = r"[a-z0-9_]{8}"


class StoreError(ValueError):
    """A run directory is malformed, corrupt or misused; the message names the file and the fix."""


def rankscope_version() -> str:
    """The installed rankscope version, or ``"0+unknown"`` when the package is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rankscope")
    except PackageNotFoundError:
        return "0+unknown"


def sha256(data: bytes) -> str:
    """The hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


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

    Writes a temporary file ``.NAME.XXXXXXXX.tmp`` in the same directory, flushes and fsyncs it,
    then ``os.replace``-s it over ``path`` and fsyncs the directory (best effort). On any failure
    the temporary file is removed and ``path`` keeps its previous content. The parent directory
    must exist. A new file gets the mode ``open()`` would give it; an existing file keeps its mode.
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


def tmp_leftovers(directory: Path, name: str) -> list[Path]:
    """The temporary files :func:`atomic_write_bytes` leaves for ``directory/name`` when killed.

    Only names of exactly that shape (``.NAME.`` + 8 random characters + ``.tmp``) match, so a
    user's ``.NAME.notes.tmp`` is not one of them.
    """
    pattern = re.compile(rf"^\.{re.escape(name)}\.{_TMP_MIDDLE}\.tmp$")
    try:
        entries = list(directory.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if pattern.match(p.name) and p.is_file() and not p.is_symlink())
