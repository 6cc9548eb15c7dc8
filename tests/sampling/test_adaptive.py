"""Quadrature rules that follow the neurons (rankscope.sampling.adaptive; used by SgGN)."""

import numpy as np
import pytest

from rankscope.sampling import Interval
from rankscope.sampling.adaptive import SplitGaussRule1D


def test_split_rule_integrates_relu_products_exactly():
    # int_0^1 relu(x - a) relu(b - x) dx = (b - a)^3 / 6 for a < b (closed form)
    rule = SplitGaussRule1D(Interval(0.0, 1.0), panels=3, order=2)
    w, b = np.array([[1.0], [-1.0]]), np.array([-0.213, 0.871])
    x, wq = rule(w, b)
    phi = np.maximum(x @ w.T + b, 0)
    assert wq @ (phi[:, 0] * phi[:, 1]) == pytest.approx((0.871 - 0.213) ** 3 / 6, rel=1e-13)
    assert wq.sum() == pytest.approx(1.0, rel=1e-14)
