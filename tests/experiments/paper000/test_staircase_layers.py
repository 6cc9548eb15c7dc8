"""``staircase-layers`` (paper 000 Ex. 2.6 (ii), Fig. 3): a tiny run and the claims."""

import json

import numpy as np

from rankscope.experiments import run_experiment
from rankscope.experiments.paper000.staircase_layers import layers_checks
from rankscope.store import RunDir

TINY = {
    "stages": [["adam", 60, 0.01]],
    "every": 5,
    "checkpoint_every": 20,
    "train_points": 100,
    "quadrature_points": 100,
}
TINY_NET = {"depth": 2, "width": 8}


def _summary(run):
    return json.loads((run / "summary.json").read_text())


def _check_names(run):
    return [c["name"] for c in _summary(run)["checks"]]


def test_staircase_layers_records_every_layer_from_one_monitor(tmp_path):
    run_experiment("staircase-layers", "quick", tmp_path / "r", {**TINY, **TINY_NET, "keep_spectra": True})
    run = tmp_path / "r"
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/staircase_layers.png"]:
        assert (run / f).is_file(), f
    assert _check_names(run) == ["staircase in most hidden layers", "deeper layers have higher eps-rank"]
    records = RunDir(run).read_metrics()
    assert [r["iter"] for r in records] == list(range(0, 61, 5))
    assert all(list(r["measures"]["eps_rank"]) == ["layers.0", "layers.1"] for r in records)
    arrays = np.load(run / "arrays.npz")
    assert arrays["L2_n8/eps_rank"].shape == (13, 2)
    assert arrays["L2_n8/spectrum/layers.1"].shape == (13, 8)


def test_layers_checks_hold_and_fail(stair, series):
    ranks = np.stack([np.minimum(stair, 4) + 0, stair, stair + 3, stair + 6], axis=1)
    checks, measures = layers_checks({"L4_n50": series(ranks)})
    assert [c.holds for c in checks] == [True, True]
    assert measures["L4_n50"]["staircase"] == [False, True, True, True]
    reversed_depth = ranks[:, ::-1]
    checks, _ = layers_checks({"L4_n50": series(reversed_depth)})
    assert [c.holds for c in checks] == [True, False]
    flat = np.tile(np.arange(4), (100, 1)) + 5
    checks, _ = layers_checks({"L4_n50": series(flat)})
    assert [c.holds for c in checks] == [False, True]
