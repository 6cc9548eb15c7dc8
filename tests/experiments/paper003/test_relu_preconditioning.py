"""Experiment ``relu-preconditioning`` (paper 003): CG iterations against n, with preconditioners."""

import json

import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper003.relu_preconditioning import growth_check, slope_check

TINY = {"ns_1d": [16, 32], "ns_2d": [48, 96], "ns_time": [1000, 4000], "leaf_size": 16}


def test_tiny_run_writes_the_run_directory(tmp_path):
    run_experiment("relu-preconditioning", "quick", tmp_path / "r", TINY)
    for f in ("config.toml", "metrics.jsonl", "summary.json", "report.html"):
        assert (tmp_path / "r" / f).is_file(), f
    assert list((tmp_path / "r" / "figures").glob("*.png"))
    names = [c["name"] for c in json.loads((tmp_path / "r" / "summary.json").read_text())["checks"]]
    assert "preconditioned CG iterations grow with n (2D A)" in names
    assert "1D structured direct solver cost is linear in n" in names


def test_growth_check_holds_and_fails():
    assert growth_check({"jacobi": [10, 20], "basis": [5, 7]}, [10, 20])[0]
    ok, text = growth_check({"jacobi": [10, 20], "basis": [14, 14]}, [10, 20])
    assert not ok and "basis: 14 -> 14" in text


def test_slope_check_holds_and_fails():
    ns = [1000, 2000, 4000, 8000]
    ok, slope = slope_check(ns, [1e-6 * n for n in ns])
    assert ok and slope == pytest.approx(1.0)
    ok, slope = slope_check(ns, [1e-9 * n**2 for n in ns])
    assert not ok and slope == pytest.approx(2.0)
