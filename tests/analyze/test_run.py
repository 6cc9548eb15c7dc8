import json

import pytest
import torch
from torch import nn

from rankscope.analyze.run import DIAGNOSTICS, analyze
from rankscope.store import StoreError


def test_analyze_writes_an_ordinary_run_directory_with_every_diagnostic(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 64, 3))
    x, y = torch.rand(20, 1, 8, 8), torch.randint(0, 3, (20,))
    report = analyze(
        net, x, tmp_path / "run", labels=y, ntk_points=8, ntk_k=4, command="rankscope analyze ..."
    )
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert set(summary["measures"]) == set(DIAGNOSTICS)
    assert summary["not_applicable"] == {}
    assert set(summary["seconds"]) == set(DIAGNOSTICS) and all(s >= 0 for s in summary["seconds"].values())
    assert (tmp_path / "run" / "figures" / "overview.png").is_file()
    page = report.read_text()
    assert "rankscope analyze ..." in page and "data:image/png" in page


def test_without_labels_the_label_diagnostic_says_why(tmp_path):
    analyze(nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)), torch.rand(10, 2), tmp_path / "r")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["not_applicable"] == {"labels": "no --labels given"}


def test_a_user_directory_is_never_overwritten(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(StoreError):
        analyze(nn.Linear(2, 1), torch.rand(4, 2), mine, overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep"


def test_analyze_leaves_the_model_and_the_rng_as_they_were(tmp_path):
    net = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.5), nn.Linear(4, 1)).train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.rand(8, 2)
    state = torch.get_rng_state()
    analyze(net, x, tmp_path / "r", ntk_points=4, ntk_k=2)
    assert net.training and all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert torch.equal(state, torch.get_rng_state())
