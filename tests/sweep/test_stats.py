"""Statistics across seeds (rankscope.sweep.stats): measures, checks and series bands, by hand."""

import math

import numpy as np
import pytest

from rankscope.sweep import check_stats, flatten_measures, measure_stats, series_bands, series_of


def test_flatten_measures_keeps_scalars_under_dotted_keys():
    flat = flatten_measures(
        {"L2_n50": {"final_loss": 0.25, "rises": 3, "levels": [1, 2], "name": "x"}, "ok": True, "nan": None}
    )
    assert list(flat) == ["L2_n50.final_loss", "L2_n50.rises", "ok", "nan"]
    assert flat["L2_n50.final_loss"] == 0.25 and flat["L2_n50.rises"] == 3.0 and flat["ok"] == 1.0
    assert math.isnan(flat["nan"])


def test_measure_stats_mean_and_sample_std_by_hand():
    runs = [{"a": 1.0, "b": 5.0}, {"a": 2.0}, {"a": 4.0, "b": math.nan}]
    a, b = measure_stats(runs)
    mean = (1 + 2 + 4) / 3
    var = ((1 - mean) ** 2 + (2 - mean) ** 2 + (4 - mean) ** 2) / (3 - 1)
    assert (a.name, a.n, a.min, a.max) == ("a", 3, 1.0, 4.0)
    assert a.mean == pytest.approx(mean, rel=1e-15) and a.std == pytest.approx(math.sqrt(var), rel=1e-15)
    assert (b.name, b.n, b.mean, b.min, b.max) == ("b", 1, 5.0, 5.0, 5.0)
    assert math.isnan(b.std)  # the spread of one run is undefined
    (c,) = measure_stats([{"c": math.nan}])
    assert c.n == 0 and math.isnan(c.mean)


def _checks(*holds):
    return [{"name": f"c{i}", "paper": "claim", "ours": "x", "holds": h} for i, h in enumerate(holds)]


def test_a_check_holds_for_a_setting_in_the_stated_fraction_of_seeds():
    runs = [
        _checks(True, True),
        _checks(True, False),
        _checks(True, True),
        _checks(True, True),
        _checks(False, False),
    ]
    c0, c1 = check_stats(runs, 0.8)
    assert (c0.held, c0.total, c0.holds) == (4, 5, True)  # 4 of 5 = 0.8
    assert (c1.held, c1.total, c1.holds) == (3, 5, False)
    assert c0.fraction == 0.8 and c0.paper == "claim"
    (c,) = check_stats([_checks(True)] * 7 + [_checks(False)] * 3, 0.7)  # 0.7 * 10 is 7.000000000000001
    assert c.holds
    (c,) = check_stats([_checks(True)] * 7 + [_checks(False)] * 3, 0.71)
    assert not c.holds
    with pytest.raises(ValueError, match=r"holds_fraction must be in \(0, 1\]; got 1.5"):
        check_stats(runs, 1.5)
    with pytest.raises(TypeError, match="holds_fraction must be a number"):
        check_stats(runs, "most")


def test_series_are_1d_arrays_beside_an_x_axis():
    arrays = {
        "L1_n6/iter": np.array([0, 5, 10]),
        "L1_n6/loss": np.array([1.0, 0.5, 0.25]),
        "L1_n6/eps_rank": np.array([2, 3, 3]),
        "L1_n6/spectrum": np.ones((3, 6)),  # 2-D: not a series
        "L1_n6/short": np.ones(2),  # another length: not a series
        "noaxis/loss": np.ones(3),  # no x-axis beside it
        "step": np.array([0, 1]),
        "error": np.array([0.5, 0.1]),
    }
    series = series_of(arrays)
    assert sorted(series) == ["L1_n6/eps_rank", "L1_n6/loss", "error"]
    x, y = series["L1_n6/eps_rank"]
    assert x.tolist() == [0, 5, 10] and y.tolist() == [2.0, 3.0, 3.0]


def test_bands_are_median_and_envelope_over_runs_with_equal_x():
    x = np.array([0.0, 1.0, 2.0])
    runs = [
        {"loss": (x, np.array([1.0, 4.0, 0.0]))},
        {"loss": (x, np.array([3.0, 2.0, 1.0]))},
        {"loss": (x, np.array([2.0, 9.0, 5.0]))},
        {"loss": (np.array([0.0, 1.0]), np.array([100.0, 100.0]))},  # other x: left out
    ]
    band = series_bands(runs)["loss"]
    assert band.n == 3
    assert band.median.tolist() == [2.0, 4.0, 1.0]
    assert band.lo.tolist() == [1.0, 2.0, 0.0] and band.hi.tolist() == [3.0, 9.0, 5.0]
