import json
import math
import re

import numpy as np
import pytest

from rankscope.store import RunDir
from rankscope.sweep import (
    aggregate_sweep,
    build_sweep_report,
    check_stats,
    flatten_measures,
    is_sweep_dir,
    measure_stats,
    series_bands,
    series_of,
)


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


LOSSES = {
    ("0.1", 0): [1.0, 0.5, 0.1],
    ("0.1", 1): [1.0, 0.4, 0.3],
    ("0.1", 2): [1.0, 0.6, 0.2],
    ("0.2", 0): [2.0, 1.0, 0.5],
    ("0.2", 1): [2.0, 0.5, 0.25],
}


def _fake_sweep(root):
    """A sweep root as run_sweep writes it: two settings (lr) x three seeds, one run failed."""
    points = []
    for i, (lr, seed) in enumerate([(lr, s) for lr in ("0.1", "0.2") for s in range(3)]):
        name = f"lr={lr}__seed={seed}"
        point = {
            "index": i,
            "name": name,
            "dir": name,
            "settings": {"lr": float(lr), "seed": seed},
            "status": "done",
            "attempts": 1,
            "error": None,
            "seconds": 1.0,
            "host": "h",
        }
        run = RunDir.create(root / name, experiment="staircase", preset="quick", config={"seed": seed})
        if (lr, seed) not in LOSSES:
            point.update(status="failed", error="ValueError: width must be positive")
            points.append(point)
            continue
        loss = np.array(LOSSES[(lr, seed)])
        run.write_arrays(
            **{"net/iter": np.array([0, 10, 20]), "net/loss": loss, "net/spectrum": np.ones((3, 2))}
        )
        run.write_summary(
            {
                "checks": [
                    {"name": "loss falls", "paper": "it falls", "ours": "", "holds": bool(loss[-1] < 0.25)},
                    {"name": "always", "paper": "p", "ours": "", "holds": True},
                ],
                "measures": {"net": {"final_loss": float(loss[-1]), "levels": [1, 2]}, "seed_echo": seed},
            }
        )
        points.append(point)
    doc = {
        "format": "rankscope-sweep/1",
        "experiment": "staircase",
        "preset": "quick",
        "overrides": {"every": 5},
        "grid": {"lr": [0.1, 0.2], "seed": [0, 1, 2]},
        "seed_key": "seed",
        "holds_fraction": 0.6,
        "points": points,
    }
    (root / "sweep.json").write_text(json.dumps(doc))
    return root


def test_aggregate_groups_points_by_setting_across_seeds(tmp_path):
    root = _fake_sweep(tmp_path / "sw")
    agg = aggregate_sweep(root)
    assert [s.label for s in agg.settings] == ["lr=0.1", "lr=0.2"]
    a, b = agg.settings
    assert a.seeds == (0, 1, 2) and a.complete == 3 and b.complete == 2
    final = {m.name: m for m in a.measures}["net.final_loss"]
    assert final.mean == pytest.approx((0.1 + 0.3 + 0.2) / 3) and (final.min, final.max) == (0.1, 0.3)
    final_b = {m.name: m for m in b.measures}["net.final_loss"]
    assert final_b.n == 2 and final_b.mean == pytest.approx(0.375)
    falls = {c.name: c for c in a.checks}["loss falls"]
    assert (falls.held, falls.total) == (2, 3) and falls.holds  # 2/3 >= 0.6 recorded in sweep.json
    assert not {c.name: c for c in aggregate_sweep(root, 0.9).settings[0].checks}["loss falls"].holds
    assert {c.name: c for c in b.checks}["loss falls"].held == 0
    band = a.bands["net/loss"]
    assert band.median.tolist() == [1.0, 0.5, 0.2] and band.hi.tolist() == [1.0, 0.6, 0.3]
    assert "net/spectrum" not in a.bands


def test_sweep_report_is_self_contained_and_lists_every_point(tmp_path):
    root = _fake_sweep(tmp_path / "sw")
    assert (
        is_sweep_dir(root) and not is_sweep_dir(root / "lr=0.1__seed=0") and not is_sweep_dir(tmp_path / "x")
    )
    report = build_sweep_report(root)
    assert report == root / "report.html"
    page = report.read_text()
    assert "staircase sweep" in page and "Paper claims across seeds" in page
    assert re.search(r"lr=0\.1</td><td>loss falls</td><td>it falls</td><td class=\"num\">2 of 3</td>", page)
    assert "ValueError: width must be positive" in page and "failed" in page
    assert page.count("data:image/png;base64,") == len(list((root / "figures").glob("*.png"))) == 1
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing external
    assert '<a href="lr=0.1__seed=0/report.html">' not in page  # the fake runs have no report.html
    agg = json.loads((root / "aggregate.json").read_text())
    assert [s["complete"] for s in agg["settings"]] == [3, 2]
    assert agg["holds_fraction"] == 0.6
