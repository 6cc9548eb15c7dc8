"""Atomic whole-file writes (rankscope.store._atomic): a failed write leaves the old content."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rankscope.store import _atomic, atomic_write_bytes, atomic_write_text


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_replaces_content(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert _leftovers(tmp_path) == []


def test_atomic_write_failure_in_replace_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"previous")

    def boom(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(_atomic.os, "replace", boom)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(target, b"next")
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_atomic_write_failure_mid_write_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"previous")

    def boom(fd):
        raise OSError("fsync failed")

    monkeypatch.setattr(_atomic.os, "fsync", boom)
    with pytest.raises(OSError, match="fsync failed"):
        atomic_write_bytes(target, b"next" * 1000)
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_atomic_write_keeps_file_mode(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "a")
    os.chmod(target, 0o640)
    atomic_write_text(target, "b")
    assert target.stat().st_mode & 0o777 == 0o640


def test_atomic_write_rejects_str_as_bytes(tmp_path):
    with pytest.raises(TypeError, match="must be bytes"):
        atomic_write_bytes(tmp_path / "f", "text")  # type: ignore[arg-type]
