"""Shared parts of the paper 004 experiments (``paper004/_common.py``): the Thm 2 monotonicity test."""

import numpy as np

from rankscope.experiments.paper004._common import rank_increases
from rankscope.linalg import Spectrum, numerical_rank
from rankscope.matrices.jacobian_ranks import PartialRanks


def _ranks(svals):
    specs = tuple(Spectrum(np.asarray(s, float), "svd", "float32", (len(s), len(s))) for s in svals)
    return PartialRanks(
        tuple(f"l{i}" for i in range(len(svals))),
        tuple(numerical_rank(s) for s in specs),
        specs,
        tuple(len(s) for s in svals),
        len(svals[0]),
        "forward",
        "numerical",
        None,
    )


def test_rank_increases_ignores_changes_within_float_resolution():
    eps = np.finfo(np.float32).eps * 3
    res = _ranks([[1.0, 1.0, eps / 2], [1.0, 1.0, 2 * eps], [1.0, 1.0, 1e-2]])
    assert res.ranks == (2, 3, 3)
    assert rank_increases(res, resolution=10.0) == []  # 2 -> 3 by a value of 2 eps: within 10x the threshold
    jump = _ranks([[1.0, 1.0, eps / 2], [1.0, 1.0, 1e-2]])
    assert rank_increases(jump, resolution=10.0) == [("l1", 2, 3)]  # 1e-2 is far above it
    assert rank_increases(_ranks([[1.0, 0.5, 0.1], [1.0, 0.1, 0.0]]), 10.0) == []
