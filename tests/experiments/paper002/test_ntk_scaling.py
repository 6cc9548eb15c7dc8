"""``ntk-scaling`` (paper 002 Sec. 4.1, Fig. 2): Thm 3.2's scaling, the claims, a tiny run and resume."""

import json

import numpy as np
import pytest
import torch

from rankscope.analysis import loglog_slope
from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper002.ntk_scaling import NtkScalingExperiment, scaling_checks
from rankscope.matrices.ntk import residual_ntk
from rankscope.nets import normal_mlp
from rankscope.problems.multiscale import multiscale_bvp
from rankscope.store import RunDir

SCALING_TINY = {
    "scale_inverse": [10, 20, 40],
    "width": 6,
    "deep_depth": 2,
    "collocation_points": 24,
    "train_steps": 12,
    "every": 4,
    "checkpoint_every": 5,
}


def test_k_uu_of_a_one_layer_network_scales_as_eps_minus_2_for_small_eps():
    # Thm 3.2 independent of the experiment code: the (1/scale) a'(x/scale) u' term of eq. (16) dominates
    net = normal_mlp(10, 1, seed=0)
    x = torch.linspace(-3, 3, 40)[:, None]
    norms = [residual_ntk(net, multiscale_bvp(1 / e).operator, x).frobenius("uu") for e in (200, 400, 800)]
    assert loglog_slope([1 / 200, 1 / 400, 1 / 800], norms) == pytest.approx(-2.0, abs=0.15)


def test_scaling_checks_hold_and_fail():
    cfg = resolve_config(NtkScalingExperiment(), "quick")
    scale = np.array([0.1, 0.05, 0.025])
    good = {"init/L1": {"frob_uu": 5 * scale**-2, "rho_bb": np.full(3, 4.0)}}
    assert all(c.holds for c in scaling_checks(cfg, scale, good))
    bad = {"init/L1": {"frob_uu": 5 * scale**-1, "rho_bb": 4.0 * scale**-1}}
    checks = scaling_checks(cfg, scale, bad)
    assert [c.holds for c in checks] == [False, False]
    assert "slope -1.000" in checks[0].ours


def test_scaling_tiny_run_and_resume(tmp_path):
    run_experiment("ntk-scaling", "quick", tmp_path / "r", SCALING_TINY)
    run = tmp_path / "r"
    assert (run / "figures/ntk_scaling.png").is_file()
    summary = json.loads((run / "summary.json").read_text())
    assert len(summary["checks"]) == 8  # 4 (phase, depth) x (slope, flat K_bb)
    a = np.load(run / "arrays.npz")
    assert a["init/L1/top_uu"].shape == (3, 3) and a["trained/L2/frob_uu"].shape == (3,)
    assert np.all(np.diff(a["init/L1/top_uu"], axis=1) <= 0)
    assert set(summary["measures"]["slope_frob_uu"]) == {
        "init/L1",
        "init/L2",
        "trained/L1",
        "trained/L2",
        "normal/L2",
    }

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if label == "L2/20" and done == 7:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("ntk-scaling", "quick", tmp_path / "k", SCALING_TINY, progress=killer)
    run_experiment("ntk-scaling", "quick", tmp_path / "k", SCALING_TINY, resume=True)
    ra, rb = RunDir(run).read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [(r["run"], r["iter"], r["loss"]) for r in ra] == [(r["run"], r["iter"], r["loss"]) for r in rb]
    np.testing.assert_array_equal(
        a["trained/L2/frob_uu"], np.load(tmp_path / "k" / "arrays.npz")["trained/L2/frob_uu"]
    )
