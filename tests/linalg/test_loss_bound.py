"""Theorem 3.3 of paper 000 (rankscope.linalg.loss_bound): the lower bound (3.4) and dist_to_span."""

import math

import numpy as np
import pytest

from rankscope.linalg.loss_bound import dist_to_span, loss_lower_bound
from rankscope.linalg.reduction import theorem32_reduction
from rankscope.matrices import gram_from_features
from rankscope.sampling import gauss_legendre


def test_loss_lower_bound_by_hand():
    lb = loss_lower_bound(1.0, C=4.0, p=1, n=3, eps=1e-4)
    assert lb.slack == pytest.approx(math.sqrt(4.0 * 2 * 4 * 1e-4))
    assert lb.value == pytest.approx(1.0 - lb.slack) and not lb.vacuous
    lb2 = loss_lower_bound(0.01, C=4.0, p=1, n=3, eps=1e-4, C_S=2.0)
    assert lb2.value == pytest.approx((0.01 - lb.slack) / 2.0) and lb2.vacuous
    assert loss_lower_bound(0.3, C=9.0, p=5, n=5, eps=1.0).value == 0.3  # p = n: no slack


def test_dist_to_span_against_orthogonal_legendre_polynomials():
    q = gauss_legendre((-1.0, 1.0), 20)
    x = q.points[:, 0]
    leg = np.stack([np.polynomial.legendre.Legendre.basis(j)(x) for j in range(4)], axis=1)
    target = leg.sum(axis=1)  # P0 + P1 + P2 + P3
    d = dist_to_span(leg, target, q, [0, 2])
    assert d**2 == pytest.approx(2 / 3 + 2 / 7, rel=1e-12)  # ||P1||^2 + ||P3||^2
    assert dist_to_span(leg, target, q.weights) == pytest.approx(0.0, abs=1e-12)
    assert dist_to_span(leg, target, q, []) ** 2 == pytest.approx(2 + 2 / 3 + 2 / 5 + 2 / 7, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_theorem_3_3_lower_bound_with_the_kept_span_is_valid(seed):
    """(3.4) with dist over span(kept) bounds ||u_n - u*|| (the proof only needs u_p = f~ in that span)."""
    rng = np.random.default_rng(seed)
    q = gauss_legendre((-1.0, 1.0), 80)
    x = q.points[:, 0]
    n = 12
    feats = np.tanh(np.outer(x, rng.normal(scale=0.8, size=n)) + rng.normal(scale=0.3, size=n))
    beta = rng.normal(size=n)
    target = np.cos(3 * x) + np.abs(x)
    gram = gram_from_features(feats, q.weights)
    r = theorem32_reduction(gram, beta, 1e-6)
    assert 0 < r.p < n and r.lemma_holds
    loss = math.sqrt(float(np.sum(q.weights * (feats @ beta - target) ** 2)))
    d = dist_to_span(feats, target, q, r.kept)
    assert d - math.sqrt(r.error) <= loss
    assert loss_lower_bound(d, r.C, r.p, n, 1e-6).value <= loss


@pytest.mark.parametrize(
    "args,kw,exc,match",
    [
        ((1.0, 1.0, 4, 3, 1e-6), {}, ValueError, "p must be <= n"),
        ((1.0, 1.0, 1, 0, 1e-6), {}, ValueError, "n must be >= 1"),
        ((1.0, 1.0, 1.5, 3, 1e-6), {}, TypeError, "p must be a non-negative integer"),
        ((-0.1, 1.0, 1, 3, 1e-6), {}, ValueError, "dist_p must be a finite real number >= 0"),
        ((1.0, 1.0, 1, 3, 1e-6), {"C_S": 0.0}, ValueError, "C_S must be > 0"),
    ],
)
def test_loss_lower_bound_rejects_bad_input(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        loss_lower_bound(*args, **kw)


def test_dist_to_span_rejects_bad_input():
    feats = np.ones((4, 2))
    with pytest.raises(ValueError, match="one value and one weight per point"):
        dist_to_span(feats, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="weights must be non-negative"):
        dist_to_span(feats, np.ones(4), -np.ones(4))
    with pytest.raises(ValueError, match=r"selected indices must lie in \[0, 2\)"):
        dist_to_span(feats, np.ones(4), np.ones(4), [0, 2])
    with pytest.raises(TypeError, match="selected must be a 1-D sequence of column indices"):
        dist_to_span(feats, np.ones(4), np.ones(4), [0.5])
