import numpy as np
import pytest

from rankscope.analysis import loss_rate_by_rank_growth, plateaus, staircase_stats


def test_plateaus_find_maximal_runs():
    ps = plateaus([1, 1, 2, 2, 2, 2, 3, 1, 1, 1], min_len=3)
    assert [(p.start, p.stop, p.level) for p in ps] == [(2, 6, 2.0), (7, 10, 1.0)]


def test_staircase_stats_counts_rises_between_plateaus():
    series = [2] * 10 + [3, 4] + [6] * 10 + [7] + [12] * 10 + [11] * 5
    s = staircase_stats(series, min_len=5)
    assert s.levels == (2.0, 6.0, 12.0, 11.0)
    assert s.steps == 2
    assert s.monotone_fraction == pytest.approx(2 / 3)
    flat = staircase_stats([5] * 30, min_len=5)
    assert flat.steps == 0 and flat.monotone_fraction == 0.0


def test_loss_rate_is_higher_where_rank_grows_on_synthetic_staircase():
    t = np.arange(100.0)
    rank = np.where(t < 50, 2, 10).astype(float)
    rank[45:55] = np.linspace(2, 10, 10)
    logloss = np.where(t < 45, 0.0, -3.0)
    logloss[45:55] = np.linspace(0, -3, 10)
    out = loss_rate_by_rank_growth(t, 10**logloss, rank, window=5)
    assert out["rate_growing"] > 0.05
    assert out["rate_flat"] == pytest.approx(0.0, abs=1e-12)
    assert out["windows_growing"] == 2


def test_loss_rate_validates():
    with pytest.raises(ValueError, match="equal lengths"):
        loss_rate_by_rank_growth([0, 1], [1.0], [1, 2], 1)
    with pytest.raises(ValueError, match="loss must be positive"):
        loss_rate_by_rank_growth([0, 1], [1.0, 0.0], [1, 2], 1)
