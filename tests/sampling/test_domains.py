"""Tests for rankscope.sampling.domains."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rankscope.sampling import Box, Interval, as_box, contains


def test_interval_properties():
    iv = Interval(-1, 3)
    assert iv.dim == 1
    assert iv.volume == 4.0
    assert isinstance(iv.low, float) and isinstance(iv.high, float)
    np.testing.assert_array_equal(iv.lows, [-1.0])
    np.testing.assert_array_equal(iv.highs, [3.0])
    assert iv.lows.shape == (1,) and iv.lows.dtype == np.float64
    assert not iv.lows.flags.writeable


def test_interval_is_frozen():
    iv = Interval(0.0, 1.0)
    with pytest.raises(AttributeError):
        iv.low = 5.0  # type: ignore[misc]


@pytest.mark.parametrize(("low", "high"), [(1.0, 1.0), (2.0, -1.0)])
def test_interval_rejects_low_not_below_high(low, high):
    with pytest.raises(ValueError, match=r"domain Interval must have low < high; got low=.*high="):
        Interval(low, high)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_interval_rejects_nonfinite(bad):
    with pytest.raises(ValueError, match=r"domain Interval\.low must be a finite real number"):
        Interval(bad, 1.0)


def test_interval_rejects_non_number():
    with pytest.raises(TypeError, match=r"domain Interval\.high must be a finite real number"):
        Interval(0.0, "1")  # type: ignore[arg-type]


def test_box_properties_and_cube():
    box = Box((0, -1.0), (2.0, 3))
    assert box.lows == (0.0, -1.0) and box.highs == (2.0, 3.0)
    assert all(isinstance(v, float) for v in box.lows + box.highs)
    assert box.dim == 2
    assert box.volume == 8.0
    np.testing.assert_array_equal(box.widths, [2.0, 4.0])
    cube = Box.cube(-1.0, 1.0, 3)
    assert cube == Box((-1.0,) * 3, (1.0,) * 3)
    assert cube.volume == 8.0


def test_box_accepts_lists_and_arrays():
    assert Box([0.0, 0.0], np.array([1.0, 2.0])).volume == 2.0  # type: ignore[arg-type]


def test_box_rejects_bad_axis():
    with pytest.raises(ValueError, match=r"axis 1 has low=2\.0, high=2\.0"):
        Box((0.0, 2.0), (1.0, 2.0))


def test_box_rejects_length_mismatch():
    with pytest.raises(ValueError, match=r"as many lows as highs; got 2 lows .* and 1 highs"):
        Box((0.0, 0.0), (1.0,))


def test_box_rejects_empty_and_nonsequence():
    with pytest.raises(ValueError, match=r"domain Box\.lows must have at least one entry"):
        Box((), ())
    with pytest.raises(TypeError, match=r"domain Box\.lows must be a sequence"):
        Box(0.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"domain Box\.highs\[0\] must be a finite"):
        Box((0.0,), (math.nan,))


def test_cube_rejects_bad_dim():
    with pytest.raises(ValueError, match=r"dim must be a positive integer \(>= 1\); got 0"):
        Box.cube(0.0, 1.0, 0)
    with pytest.raises(TypeError, match=r"dim must be a positive integer; got 2\.0"):
        Box.cube(0.0, 1.0, 2.0)  # type: ignore[arg-type]


def test_as_box():
    box = Box((0.0, 0.0), (1.0, 1.0))
    assert as_box(box) is box
    assert as_box(Interval(-2.0, 5.0)) == Box((-2.0,), (5.0,))
    assert as_box((-2, 5.0)) == Box((-2.0,), (5.0,))


def test_as_box_rejects_bad_domains():
    with pytest.raises(TypeError, match=r"domain must be an Interval, a Box or a \(low, high\)"):
        as_box([0.0, 1.0])
    with pytest.raises(TypeError, match=r"domain must be .*got 'x'"):
        as_box("x")
    with pytest.raises(TypeError, match=r"domain as a tuple must be \(low, high\)"):
        as_box(("a", 1.0))
    with pytest.raises(ValueError, match=r"domain Interval must have low < high; got low=3\.0"):
        as_box((3.0, 1.0))


def test_contains():
    box = Box((0.0, 0.0), (1.0, 2.0))
    pts = np.array([[0.0, 0.0], [1.0, 2.0], [0.5, 1.0], [1.0 + 1e-9, 1.0], [0.5, -0.1]])
    np.testing.assert_array_equal(contains(box, pts), [True, True, True, False, False])
    np.testing.assert_array_equal(contains(box, pts, atol=1e-6), [True, True, True, True, False])
    out = contains(Interval(0.0, 1.0), [0.0, 0.5, 1.5])
    assert out.dtype == np.bool_ and out.tolist() == [True, True, False]
    assert contains((0.0, 1.0), torch.tensor([[0.25]])).tolist() == [True]


def test_contains_rejects_bad_points():
    with pytest.raises(ValueError, match=r"points must have shape \(m, 2\).*got shape \(3, 1\)"):
        contains(Box.cube(0.0, 1.0, 2), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"points must be finite"):
        contains(Interval(0.0, 1.0), [0.0, math.nan])
    with pytest.raises(ValueError, match=r"atol must be a finite real number >= 0; got -1"):
        contains(Interval(0.0, 1.0), [0.5], atol=-1.0)
