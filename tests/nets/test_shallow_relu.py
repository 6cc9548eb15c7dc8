"""rankscope.nets.shallow_relu: construction, validation, layouts."""

import numpy as np
import pytest

from rankscope.nets.shallow_relu import (
    ShallowReLU,
    random_breakpoints_1d,
    random_neurons,
    uniform_breakpoints_1d,
)


def test_features_match_formula():
    net = ShallowReLU(np.array([[2.0], [-1.0]]), np.array([-1.0, 0.25]), np.array([1.0, 3.0]))
    x = np.array([0.0, 0.4, 0.9])
    expected = np.stack([np.maximum(2 * x - 1, 0), np.maximum(-x + 0.25, 0)], axis=1)
    np.testing.assert_array_equal(net.features(x), expected)
    np.testing.assert_array_equal(net.heaviside(x), (expected > 0).astype(float))
    np.testing.assert_allclose(net(x), expected @ [1.0, 3.0])
    np.testing.assert_allclose(net.breakpoints(), [0.5, 0.25])


def test_nan_names_neurons():
    with pytest.raises(ValueError, match=r"neurons \[1, 3\] have NaN or Inf weights"):
        ShallowReLU(np.array([1.0, np.nan, 1.0, np.inf]), np.zeros(4))
    with pytest.raises(ValueError, match=r"neurons \[0\] have NaN or Inf biases"):
        ShallowReLU(np.array([1.0]), np.array([np.nan]))
    with pytest.raises(ValueError, match="biases must have shape"):
        ShallowReLU(np.ones(3), np.zeros(2))


def test_uniform_layout_and_signs():
    net = uniform_breakpoints_1d(4, (-1.0, 1.0), signs="mixed")
    np.testing.assert_allclose(net.breakpoints(), [-0.75, -0.25, 0.25, 0.75])
    np.testing.assert_array_equal(net.weights[:, 0], [1, -1, 1, -1])
    with pytest.raises(ValueError, match="signs must be one of"):
        uniform_breakpoints_1d(4, signs="up")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        uniform_breakpoints_1d(0)


def test_random_layouts_deterministic():
    a, b = random_breakpoints_1d(50, 3, signs="mixed"), random_breakpoints_1d(50, 3, signs="mixed")
    np.testing.assert_array_equal(a.biases, b.biases)
    assert set(np.unique(a.weights)) == {-1.0, 1.0}
    net = random_neurons(40, 3, seed=1)
    np.testing.assert_allclose(np.linalg.norm(net.weights, axis=1), 1.0)
    # every hyperplane passes through the unit cube: min and max of w.x + b over the corners straddle 0
    corners = np.array(np.meshgrid(*[[0.0, 1.0]] * 3)).reshape(3, -1).T
    z = net.preactivations(corners)
    assert np.all(z.min(axis=0) <= 0) and np.all(z.max(axis=0) >= 0)
