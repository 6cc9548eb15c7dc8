"""Aggregating a sweep across seeds (rankscope.sweep.aggregate), on a fake sweep root (see conftest.py)."""

import pytest

from rankscope.sweep import aggregate_sweep


def test_aggregate_groups_points_by_setting_across_seeds(fake_sweep):
    root = fake_sweep
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
