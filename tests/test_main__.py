import subprocess
import sys

from rankscope import __version__


def test_python_dash_m_runs_the_command_line():
    out = subprocess.run(
        [sys.executable, "-m", "rankscope", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"rankscope {__version__}"
