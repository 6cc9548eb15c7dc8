"""Experiment ``relu-solver`` (paper 003): structured solvers against dense Cholesky."""

import json

import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper003.relu_solver import speed_check

TINY = {"ns_1d": [64, 128], "ns_2d": [96, 192], "leaf_size": 32, "ns_fit": [128, 256], "fit_leaf_size": 32}


def test_tiny_run_writes_the_run_directory(tmp_path):
    run_experiment("relu-solver", "quick", tmp_path / "r", TINY)
    for f in ("config.toml", "metrics.jsonl", "summary.json", "report.html"):
        assert (tmp_path / "r" / f).is_file(), f
    assert list((tmp_path / "r" / "figures").glob("*.png"))
    checks = {c["name"]: c for c in json.loads((tmp_path / "r" / "summary.json").read_text())["checks"]}
    assert checks["2D HSS-PCG reaches backward error 1e-10"]["holds"]
    assert checks["2D least squares (exact A, HODLR) fits within 1% of dense's function error"]["holds"]
    assert checks["2D least squares (exact A, HODLR) reaches backward error 1e-10"]["holds"]
    assert (
        "crossover n"
        in checks["2D least squares (exact A, HODLR) faster than dense at the largest n"]["ours"]
    )
    speed = checks["1D structured solver faster than dense Cholesky at n = 128"]  # title(cfg), quote(cfg)
    assert "target speed-up >= 5x" in speed["paper"]


def test_speed_check_holds_and_fails():
    assert speed_check(2.5, 0.4, 5.0) == (True, pytest.approx(6.25))
    ok, ratio = speed_check(2.5, 1.0, 5.0)
    assert not ok and ratio == pytest.approx(2.5)
