import numpy as np
import pytest

from rankscope.analysis.series import (
    loglog_slope,
    loss_rate_by_rank_growth,
    plateaus,
    semilog_fit,
    staircase_stats,
)


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


def test_loglog_slope():
    eps = np.array([0.1, 0.05, 0.02])
    assert loglog_slope(eps, 3.0 * eps**-2) == pytest.approx(-2.0)
    assert loglog_slope(eps, 7.0 + 0 * eps) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least two points"):
        loglog_slope([0.1], [1.0])
    with pytest.raises(ValueError, match="must be positive"):
        loglog_slope([1.0, 2.0], [1.0, 0.0])


def test_semilog_fit_recovers_an_exponential_rate_and_its_r2():
    x = np.arange(1.0, 8.0)
    slope, r2 = semilog_fit(x, 50.0 * np.exp(-0.3 * x))
    assert slope == pytest.approx(-0.3, rel=1e-12) and r2 == pytest.approx(1.0, abs=1e-12)
    # by hand for three points: log y = (0, 1, 0) against x = (0, 1, 2): slope 0, R^2 = 0
    slope, r2 = semilog_fit([0.0, 1.0, 2.0], [1.0, np.e, 1.0])
    assert slope == pytest.approx(0.0, abs=1e-12) and r2 == pytest.approx(0.0, abs=1e-12)
    slope, r2 = semilog_fit([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])
    assert slope == pytest.approx(0.0, abs=1e-12) and np.isnan(r2)
    with pytest.raises(ValueError, match="y must be positive"):
        semilog_fit([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="at least two points"):
        semilog_fit([1.0], [1.0])
