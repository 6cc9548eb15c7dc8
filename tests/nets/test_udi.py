"""Uniform-density initialisation (paper 000 eq. 4.5): distributions, hyperplane density, application."""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from rankscope.nets import MLP
from rankscope.nets.udi import UniformDensity, sample_uniform_density, uniform_density
from rankscope.sampling import Box, Interval

SQUARE = Box((-1.0, -1.0), (1.0, 1.0))
N = 20000  # neurons in the statistical tests
P_MIN = 1e-3  # KS tests: fixed seeds, so each is deterministic; a correct sampler passes easily


def _z(observed: float, p: float, n: int) -> float:
    """Binomial z-score of an observed fraction."""
    return abs(observed - p) / math.sqrt(p * (1 - p) / n)


def test_directions_are_unit_and_uniform_on_the_circle():
    p = sample_uniform_density(N, SQUARE, seed=1)
    np.testing.assert_allclose(np.linalg.norm(p.directions, axis=1), 1.0, rtol=0, atol=1e-12)
    # each component has mean 0 and variance 1/d on the sphere: the sample mean is within 5 sigma
    sigma = math.sqrt(1.0 / (2 * N))
    assert np.all(np.abs(p.directions.mean(axis=0)) < 5 * sigma)
    angles = np.arctan2(p.directions[:, 1], p.directions[:, 0])
    assert stats.kstest(angles, stats.uniform(-math.pi, 2 * math.pi).cdf).pvalue > P_MIN


def test_directions_in_3d_follow_archimedes():
    # uniform on S^2  <=>  each coordinate is uniform on [-1, 1] (Archimedes' hat-box theorem)
    p = sample_uniform_density(N, Box.cube(0.0, 1.0, 3), seed=2)
    for k in range(3):
        assert stats.kstest(p.directions[:, k], stats.uniform(-1, 2).cdf).pvalue > P_MIN


def test_offsets_uniform_on_zero_to_circumradius():
    box = Box((0.0, 1.0), (2.0, 5.0))  # widths 2 and 4: R = sqrt(5), centre (1, 3)
    p = sample_uniform_density(N, box, seed=3)
    assert p.radius == pytest.approx(math.sqrt(5.0))
    np.testing.assert_allclose(p.centre, [1.0, 3.0])
    assert p.offsets.min() >= 0 and p.offsets.max() <= p.radius
    assert stats.kstest(p.offsets, stats.uniform(0, p.radius).cdf).pvalue > P_MIN
    q = sample_uniform_density(N, box, seed=3, radius_range=(0.5, 1.5))
    assert stats.kstest(q.offsets, stats.uniform(0.5, 1.0).cdf).pvalue > P_MIN


@pytest.mark.parametrize("point", [(0.0, 0.0), (0.5, -0.3), (-0.9, 0.2), (0.6, 0.7)])
def test_hyperplane_density_is_uniform(point):
    # P(hyperplane passes within tau of x) = tau / R for every |x - c| <= R - tau (module docstring)
    p = sample_uniform_density(N, SQUARE, seed=4)
    tau = 0.1
    assert np.linalg.norm(point) <= p.radius - tau
    near = np.abs(p.signed_distance(np.array([point]))[0]) < tau
    assert _z(near.mean(), tau / p.radius, N) < 5


def test_hyperplanes_intersect_the_domain_as_intended():
    h = np.array([1.0, 1.0])  # half-widths of SQUARE
    # a hyperplane a.(x - c) + r = 0 meets the box iff r <= sum_i |a_i| h_i (support function)
    inner = sample_uniform_density(N, SQUARE, seed=5, radius_range=(0.0, 1.0))  # r <= inradius
    assert np.all(inner.offsets <= np.abs(inner.directions) @ h)
    full = sample_uniform_density(N, SQUARE, seed=5)  # r ~ U[0, sqrt 2]
    hits = full.offsets <= np.abs(full.directions) @ h
    # P(r <= |cos t| + |sin t|) = E(|cos t| + |sin t|) / sqrt 2 = (4/pi) / sqrt 2
    assert _z(hits.mean(), 2 * math.sqrt(2) / math.pi, N) < 5
    # every hyperplane meets the circumscribed ball: its closest point to c is within R
    closest = full.centre - full.offsets[:, None] * full.directions
    assert np.all(np.linalg.norm(closest - full.centre, axis=1) <= full.radius + 1e-12)
    np.testing.assert_allclose(full.signed_distance(closest[:300]).diagonal(), 0.0, atol=1e-12)


def test_applies_eq_4_5_to_the_first_layer_only():
    box = Box((0.0, 1.0), (2.0, 5.0))
    net = MLP(2, 16, 3, seed=0).double()
    before = [p.detach().clone() for p in net.parameters()]
    params = uniform_density(net, box, seed=7, gamma=(0.5, 3.0))
    assert isinstance(params, UniformDensity)
    assert np.all((params.gammas >= 0.5) & (params.gammas <= 3.0))
    x = torch.tensor([[0.3, 1.7], [1.9, 4.2], [1.0, 3.0]], dtype=torch.float64)
    by_hand = np.tanh(params.gammas * ((x.numpy() - params.centre) @ params.directions.T + params.offsets))
    np.testing.assert_allclose(net.layers[0](x).detach().numpy(), by_hand, rtol=1e-12)
    after = list(net.parameters())
    assert not torch.equal(before[0], after[0]) and not torch.equal(before[1], after[1])
    for b, a in zip(before[2:], after[2:], strict=True):
        assert torch.equal(b, a)
    # the pre-activation vanishes on each neuron's hyperplane: x_j = c - r_j a_j
    on_plane = params.centre - params.offsets[:, None] * params.directions
    pre = net.layers[0].linear(torch.from_numpy(on_plane)).detach().numpy()
    np.testing.assert_allclose(np.diag(pre), 0.0, atol=1e-12)


def test_same_seed_same_draw_and_1d_interval():
    a = sample_uniform_density(50, Interval(-2.0, 4.0), seed=9, gamma=2.0)
    b = sample_uniform_density(50, (-2.0, 4.0), seed=9, gamma=2.0)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.biases, b.biases)
    assert set(np.unique(a.directions)) <= {-1.0, 1.0}  # the 0-sphere
    assert a.radius == 3.0


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="input dim 3 but domain is 2-D"):
        uniform_density(MLP(3, 8, 1), SQUARE, seed=0)
    with pytest.raises(ValueError, match="has none"):
        uniform_density(nn.Tanh(), SQUARE, seed=0)
    with pytest.raises(ValueError, match="radius_range must satisfy 0 <= low <= high"):
        sample_uniform_density(4, SQUARE, seed=0, radius_range=(1.0, 0.5))
    with pytest.raises(ValueError, match="gamma must satisfy"):
        sample_uniform_density(4, SQUARE, seed=0, gamma=-1.0)
    with pytest.raises(TypeError, match="gamma must be a number or a"):
        sample_uniform_density(4, SQUARE, seed=0, gamma="big")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        sample_uniform_density(4, SQUARE, seed=-1)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        sample_uniform_density(0, SQUARE, seed=0)
    with pytest.raises(ValueError, match=r"points must have shape \(m, 2\)"):
        sample_uniform_density(4, SQUARE, seed=0).signed_distance(np.zeros((3, 3)))
    no_bias = nn.Sequential(nn.Linear(2, 4, bias=False), nn.Tanh())
    with pytest.raises(ValueError, match="with a bias"):
        uniform_density(no_bias, SQUARE, seed=0)
