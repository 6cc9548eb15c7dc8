"""The README's Python snippets run as written, in order, in one fresh interpreter (a user pastes them)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_readme_has_python_snippets():
    assert len(python_blocks(README.read_text(encoding="utf-8"))) >= 4


@pytest.mark.slow
def test_readme_snippets_run_as_written(tmp_path):
    script = "\n\n".join(python_blocks(README.read_text(encoding="utf-8")))
    (tmp_path / "readme.py").write_text(script)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "readme.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
