"""``staircase`` (paper 000 Ex. 2.6 (i), Fig. 2): a tiny run, a killed run resumed, and the claims."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper000.staircase import StaircaseExperiment, staircase_checks
from rankscope.store import RunDir

TINY = {
    "nets": [[2, 10], [1, 8]],
    "stages": [["adam", 60, 0.01]],
    "every": 5,
    "checkpoint_every": 20,
    "train_points": 100,
    "quadrature_points": 100,
}


def test_tiny_run_writes_the_run_directory(tmp_path):
    report = run_experiment("staircase", "quick", tmp_path / "r", TINY)
    run = tmp_path / "r"
    assert report == run / "report.html"
    for f in [
        "config.toml",
        "metrics.jsonl",
        "arrays.npz",
        "summary.json",
        "figures/staircase.png",
    ]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert {c["name"] for c in summary["checks"]} == {
        "eps-rank starts far below full",
        "eps-rank rises in steps",
        "loss falls fastest where the eps-rank grows",
    }
    records = RunDir(run).read_metrics()
    assert [r["iter"] for r in records if r["net"] == "L2_n10"] == list(range(0, 61, 5))
    arrays = np.load(run / "arrays.npz")
    assert arrays["L1_n8/spectrum"].shape == (13, 8)


def test_killed_run_resumes_without_losing_or_duplicating_records(tmp_path):
    ref = tmp_path / "ref"
    run_experiment("staircase", "quick", ref, TINY)

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if label == "L1_n8" and done == 47:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("staircase", "quick", tmp_path / "k", TINY, progress=killer)
    partial = RunDir(tmp_path / "k").read_metrics()
    assert partial[-1]["net"] == "L1_n8" and partial[-1]["iter"] == 45
    run_experiment("staircase", "quick", tmp_path / "k", TINY, resume=True)
    a = RunDir(ref).read_metrics()
    b = RunDir(tmp_path / "k").read_metrics()
    assert [(r["net"], r["iter"]) for r in a] == [(r["net"], r["iter"]) for r in b]
    assert [r["loss"] for r in a] == [r["loss"] for r in b]
    assert [r["spectrum"] for r in a] == [r["spectrum"] for r in b]


def test_checks_are_computed_from_the_series_and_can_fail():
    cfg = resolve_config(StaircaseExperiment(), "quick", {"nets": [[2, 50]]})
    it = np.arange(0, 1000, 10)
    flat = {
        "L2_n50": {
            "iter": it,
            "loss": np.full(len(it), 0.5),
            "eps_rank": np.full(len(it), 30),
            "spectrum": np.zeros((len(it), 50)),
        }
    }
    checks, _ = staircase_checks(cfg, flat)
    assert [c.holds for c in checks] == [False, False, False]
    rank = np.concatenate([np.full(30, 2), np.full(30, 10), np.full(40, 30)])
    loss = np.concatenate([np.full(30, 1.0), np.full(30, 0.1), np.full(40, 0.001)])
    loss[29] = loss[28] = 0.5
    stair = {"L2_n50": {**flat["L2_n50"], "eps_rank": rank, "loss": loss}}
    checks, _ = staircase_checks(cfg, stair)
    assert [c.holds for c in checks] == [True, True, True]
