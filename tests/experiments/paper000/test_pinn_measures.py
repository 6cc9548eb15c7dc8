"""rankscope.experiments.paper000._pinn_measures: steps to a loss level and the per-run measures."""

import math
from types import SimpleNamespace

import numpy as np

from rankscope.experiments.paper000._pinn_measures import pinn_measures, steps_to_reach


def test_steps_to_reach():
    steps = np.array([0, 10, 20, 30])
    assert steps_to_reach(steps, np.array([5.0, 2.0, 0.5, 0.1]), 1.0) == 20.0
    assert steps_to_reach(steps, np.array([5.0, 2.0, 1.5, 1.1]), 1.0) == math.inf


def test_pinn_measures_by_hand():
    it = np.arange(0, 100, 10)
    run = {
        "iter": it,
        "loss": np.linspace(10.0, 0.5, 10),
        "eps_rank": np.arange(10),
        "error": np.full(10, 0.1),
    }
    cfg = SimpleNamespace(stages=(("adam", 90, 1e-3),), loss_level=0.1, early_fraction=0.1)
    m = pinn_measures(cfg, {"udi": run, "xavier": run}, f_norm2=20.0)
    assert m["loss_level"] == 2.0 and m["udi"]["initial_eps_rank"] == 0 and m["udi"]["final_eps_rank"] == 9
    assert m["udi"]["steps_to_level"] == 80.0  # first record with loss <= 2
    assert m["xavier"]["max_eps_rank"] == 9 and m["udi"]["final_rel_l2_error"] == 0.1
