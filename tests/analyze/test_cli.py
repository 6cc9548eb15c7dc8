import json

import numpy as np
import torch
from typer.testing import CliRunner

from rankscope.cli import app

MODEL_PY = """
from torch import nn

def make_net(width=8):
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 64, width))
"""


def test_analyze_from_files_then_report(tmp_path):
    (tmp_path / "m.py").write_text(MODEL_PY)
    ns = {}
    exec(MODEL_PY, ns)
    net = ns["make_net"](width=5)
    torch.save(net.state_dict(), tmp_path / "w.pt")
    np.savez(tmp_path / "x.npz", x=np.random.default_rng(0).random((16, 1, 8, 8)).astype(np.float32))
    np.save(tmp_path / "y.npy", np.arange(16) % 5)
    out = tmp_path / "run"
    args = [
        "analyze",
        f"{tmp_path / 'm.py'}:make_net",
        "--model-kwargs",
        "width = 5",
        "--checkpoint",
        str(tmp_path / "w.pt"),
        "--inputs",
        str(tmp_path / "x.npz"),
        "--labels",
        str(tmp_path / "y.npy"),
        "--ntk-points",
        "4",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["measures"]["weights"]["3.weight"]["matrix"] == [5, 128]
    result = CliRunner().invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output


def test_a_checkpoint_that_does_not_fit_is_one_line_and_writes_nothing(tmp_path):
    (tmp_path / "m.py").write_text(MODEL_PY)
    ns = {}
    exec(MODEL_PY, ns)
    torch.save(ns["make_net"](width=3).state_dict(), tmp_path / "w.pt")
    np.save(tmp_path / "x.npy", np.zeros((4, 1, 8, 8), dtype=np.float32))
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            f"{tmp_path / 'm.py'}:make_net",
            "--checkpoint",
            str(tmp_path / "w.pt"),
            "--inputs",
            str(tmp_path / "x.npy"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: checkpoint:") and "shape mismatches" in lines[0]
    assert not out.exists()


def test_version_and_show():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("rankscope ")
    result = CliRunner().invoke(app, ["show", "staircase"])
    assert result.exit_code == 0 and "stages" in result.output and "paper 000" in result.output
    result = CliRunner().invoke(app, ["show", "nope"])
    assert result.exit_code == 2 and "unknown" in result.output
