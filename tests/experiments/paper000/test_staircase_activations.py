"""``staircase-activations`` (paper 000 Ex. 2.6 (iii), Fig. 4): a tiny run and the claims."""

import json

import numpy as np

from rankscope.experiments import run_experiment
from rankscope.experiments.paper000.staircase_activations import activations_checks
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


def test_staircase_activations_runs_one_network_per_activation(tmp_path):
    acts = ["relu", "cos"]
    run_experiment(
        "staircase-activations", "quick", tmp_path / "r", {**TINY, **TINY_NET, "activations": acts}
    )
    run = tmp_path / "r"
    assert (run / "figures/staircase_activations.png").is_file()
    assert _check_names(run) == ["staircase under every activation"]
    records = RunDir(run).read_metrics()
    assert list(dict.fromkeys(r["net"] for r in records)) == acts
    assert [r["step"] for r in records] == sorted(r["step"] for r in records)
    assert set(_summary(run)["measures"]) == set(acts)


def test_activations_checks_need_every_activation(stair, series):
    data = {a: series(stair) for a in ("relu", "elu", "cos", "tanh")}
    assert activations_checks(data)[0][0].holds
    data["cos"] = series(np.full(100, 6))
    check = activations_checks(data)[0][0]
    assert not check.holds and "3/4" in check.ours
