"""``resnet-vs-mlp`` (paper 000 Ex. 4.4, Figs. 9-10): a tiny run, a killed run resumed, the claims."""

import json
import math

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper000.resnet_vs_mlp import ResnetConfig, first_reach, resnet_checks
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


def test_resnet_vs_mlp_writes_both_figures(tmp_path):
    run_experiment("resnet-vs-mlp", "quick", tmp_path / "r", {**TINY, **TINY_NET})
    run = tmp_path / "r"
    for f in ["figures/resnet_vs_mlp.png", "figures/rank_per_layer.png"]:
        assert (run / f).is_file(), f
    assert _check_names(run) == [
        "ResNet starts with a higher eps-rank",
        "ResNet reaches a high eps-rank sooner",
        "residual blocks: deeper layers gain more eps-rank",
    ]
    arrays = np.load(run / "arrays.npz")
    assert arrays["mlp/eps_rank"].shape == arrays["resnet/eps_rank"].shape == (13, 2)


@pytest.mark.parametrize("kill_at", [("mlp", 33), ("resnet", 47)])
def test_killed_run_resumes_without_losing_or_duplicating_records(tmp_path, kill_at):
    cfg = {**TINY, **TINY_NET}
    ref = tmp_path / "ref"
    run_experiment("resnet-vs-mlp", "quick", ref, cfg)

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if (label, done) == kill_at:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("resnet-vs-mlp", "quick", tmp_path / "k", cfg, progress=killer)
    run_experiment("resnet-vs-mlp", "quick", tmp_path / "k", cfg, resume=True)
    a, b = RunDir(ref).read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [(r["net"], r["iter"], r["step"]) for r in a] == [(r["net"], r["iter"], r["step"]) for r in b]
    assert [r["loss"] for r in a] == [r["loss"] for r in b]
    assert [r["measures"] for r in a] == [r["measures"] for r in b]


def test_config_errors_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match=r"rank_fraction must be in \(0, 1\]; got 1.5"):
        run_experiment("resnet-vs-mlp", "quick", tmp_path / "a", {**TINY, "rank_fraction": 1.5})


def test_first_reach_by_hand():
    assert first_reach(np.array([0, 10, 20, 30]), np.array([1, 4, 3, 9]), 4) == 10.0
    assert math.isinf(first_reach(np.array([0, 10]), np.array([1, 2]), 3))


def test_resnet_checks_hold_and_fail(stair, series):
    cfg = ResnetConfig()  # n = 50, high rank = 40
    mlp = np.stack([np.full(100, 4), stair // 2 + 3, stair // 2 + 4, np.minimum(stair + 3, 25)], axis=1)
    res = np.stack([np.full(100, 4), stair // 2 + 4, stair + 5, np.minimum(stair + 15, 50)], axis=1)
    checks, measures = resnet_checks(cfg, {"mlp": series(mlp), "resnet": series(res)})
    assert [c.holds for c in checks] == [True, True, True]
    assert measures["resnet"]["first_step_eps_rank_ge_40"] == 600.0
    assert math.isinf(measures["mlp"]["first_step_full_rank"])
    checks, _ = resnet_checks(cfg, {"mlp": series(res), "resnet": series(mlp)})
    assert [c.holds for c in checks] == [False, False, False]
