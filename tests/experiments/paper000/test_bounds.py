"""``paper000/_bounds.py``: Theorems 3.2-3.3 on one network state, against a direct computation."""

import math

import numpy as np
import pytest

from rankscope.experiments.paper000._bounds import bound_record
from rankscope.sampling import gauss_legendre


def test_bound_record_is_consistent_with_direct_computation():
    q = gauss_legendre((-1.0, 1.0), 100)
    x = q.points[:, 0]
    rng = np.random.default_rng(1)
    feats = np.tanh(np.outer(x, rng.normal(size=8)) + 0.2 * rng.normal(size=8))
    feats = np.concatenate([feats, feats[:, :2]], axis=1)  # two exact duplicates: p <= 8 < n = 10
    beta = rng.normal(size=10)
    target = np.cos(5 * x)
    rec = bound_record(feats, q.weights, beta, target, (1e-6, 1e-12))
    direct = float(np.sum(q.weights * (feats @ beta - target) ** 2))
    assert rec["l2_loss"] == pytest.approx(direct, rel=1e-12)
    assert rec["C"] == pytest.approx(float(beta @ beta))
    for b in rec["bounds"]:
        assert b["p"] <= 8
        assert b["error"] <= b["bound"]
        assert b["lower_bound"] <= rec["sqrt_l2_loss"]
        assert b["lower_bound_achieved"] <= rec["sqrt_l2_loss"]
        assert b["slack"] == pytest.approx(math.sqrt(rec["C"] * (b["p"] + 1) * (10 - b["p"]) ** 2 * b["eps"]))
    assert rec["bounds"][0]["p"] <= rec["bounds"][1]["p"]  # smaller eps, larger eps-rank
