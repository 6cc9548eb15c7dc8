"""The fixture the store tests share: a freshly created run directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from rankscope.store import RunDir


@pytest.fixture
def run(tmp_path: Path) -> RunDir:
    return RunDir.create(tmp_path / "run", experiment="demo", preset="quick", config={"width": 8, "lr": 1e-3})
