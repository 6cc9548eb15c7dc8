"""What the paper 000 fitting-experiment tests share: a staircase series and ``FittingSeries`` from ranks."""

import numpy as np
import pytest

from rankscope.experiments.paper000._fitting import FittingSeries

#: 100 records: eps-rank 2, then 10, then 30
STAIR = np.concatenate([np.full(30, 2), np.full(30, 10), np.full(40, 30)])
ITERS = np.arange(0, 1000, 10)


def fitting_series_of(ranks, loss=None):
    """A ``FittingSeries`` with eps-rank ``ranks`` ((T,) or (T, layers)) at iter 0, 10, ..., and ``loss``
    (default geometric from 1 to 1e-4)."""
    ranks = np.asarray(ranks)
    ranks = ranks[:, None] if ranks.ndim == 1 else ranks
    loss = np.geomspace(1.0, 1e-4, len(ranks)) if loss is None else np.asarray(loss, dtype=float)
    layers = tuple(f"layers.{k}" for k in range(ranks.shape[1]))
    return FittingSeries(ITERS[: len(ranks)], loss, layers, ranks, {})


@pytest.fixture
def stair():
    return STAIR.copy()


@pytest.fixture
def series():
    return fitting_series_of
