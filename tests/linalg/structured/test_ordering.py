import numpy as np
import pytest

from rankscope.linalg.structured.ordering import bisection_order, hyperplane_embedding, hyperplane_ordering
from rankscope.nets.shallow_relu import random_neurons


def test_embedding_ignores_orientation():
    net = random_neurons(20, 2, seed=0)
    e1 = hyperplane_embedding(net.weights, net.biases)
    e2 = hyperplane_embedding(-2.0 * net.weights, -2.0 * net.biases)
    assert np.allclose(e1, e2)


def test_bisection_splits_one_dimensional_points_at_the_median():
    x = np.random.default_rng(0).permutation(64).astype(float)[:, None]
    order = bisection_order(x)
    assert sorted(order.tolist()) == list(range(64))
    halves = [set(x[order[:32], 0]), set(x[order[32:], 0])]
    assert {min(min(h) for h in halves)} == {0.0}
    assert halves[0] in (set(map(float, range(32))), set(map(float, range(32, 64))))
    quarter = set(x[order[:16], 0])
    assert max(quarter) - min(quarter) == 15.0  # a contiguous quarter


def test_ordering_clusters_similar_hyperplanes():
    net = random_neurons(256, 2, seed=1)
    emb = hyperplane_embedding(net.weights, net.biases)
    order = hyperplane_ordering(net.weights, net.biases)
    step = np.linalg.norm(np.diff(emb[order], axis=0), axis=1).mean()
    rand = np.linalg.norm(np.diff(emb, axis=0), axis=1).mean()
    assert step < 0.5 * rand


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="biases must have length 2"):
        hyperplane_embedding(np.ones((2, 2)), np.ones(3))
    with pytest.raises(ValueError, match="nonzero rows"):
        hyperplane_embedding(np.zeros((1, 2)), np.ones(1))
    with pytest.raises(TypeError, match="leaf_size must be a positive integer"):
        bisection_order(np.ones((3, 1)), leaf_size=1.5)
