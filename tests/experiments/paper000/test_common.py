"""``paper000/_common.py``: the staircase criterion shared by the paper 000 experiments."""

import numpy as np

from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper000._common import staircase_verdict
from rankscope.experiments.paper000.staircase import StaircaseExperiment, staircase_checks

ITERS = np.arange(0, 1000, 10)


def test_staircase_verdict_merges_equal_plateaus_and_can_fail(stair):
    ok, st = staircase_verdict(stair)
    assert ok and st.levels == (2.0, 10.0, 30.0) and st.steps == 2
    # a one-record dip inside the top stair splits it; the two halves are the same stair
    dipped = stair.copy()
    dipped[70] = 29
    ok, st = staircase_verdict(dipped)
    assert ok and st.levels == (2.0, 10.0, 30.0) and st.monotone_fraction == 1.0
    assert not staircase_verdict(np.full(100, 7))[0]  # flat
    assert not staircase_verdict(np.concatenate([np.full(50, 2), np.full(50, 20)]))[0]  # one rise
    assert not staircase_verdict(np.concatenate([np.full(30, 2), np.full(30, 4), np.full(40, 6)]))[0]  # +4
    down = np.concatenate([np.full(20, v) for v in (2, 10, 5, 12, 6)])
    assert not staircase_verdict(down)[0]  # 2 ups of 4 pairs: 50% < 60%


def test_staircase_verdict_agrees_with_the_staircase_experiment_without_repeated_levels(stair):
    """Cross-check against ``staircase_checks`` (the foundation's own implementation)."""
    cfg = resolve_config(StaircaseExperiment(), "quick", {"nets": [[2, 50]]})
    series = {
        "stair": stair,
        "flat": np.full(100, 3),
        "zigzag": np.concatenate([np.full(20, v) for v in (2, 10, 5, 12, 6)]),
        "small": np.concatenate([np.full(30, 2), np.full(30, 4), np.full(40, 6)]),
    }
    for name, ranks in series.items():
        data = {"L2_n50": {"iter": ITERS, "loss": np.geomspace(1, 1e-3, 100), "eps_rank": ranks}}
        ref = staircase_checks(cfg, data)[0][1].holds
        assert staircase_verdict(ranks)[0] == ref, name
