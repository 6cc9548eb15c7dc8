"""linalg.structured._inputs: neurons and domains read structurally, with errors naming the argument."""

from types import SimpleNamespace

import numpy as np
import pytest

from rankscope.linalg.structured._inputs import box_bounds, indices_text, neuron_arrays
from rankscope.nets.shallow_relu import ShallowReLU
from rankscope.sampling import Box, Interval


def test_indices_text_is_capped():
    assert indices_text(np.array([3, 1])) == "[3, 1]"
    assert indices_text(np.arange(15), limit=3) == "[0, 1, 2] ... (15 in all)"


def test_neuron_arrays_reads_any_object_with_weights_and_biases():
    w, b = neuron_arrays("net", SimpleNamespace(weights=[1.0, -2.0], biases=[0.5, 0.25]))
    assert w.shape == (2, 1) and w.dtype == np.float64 and b.tolist() == [0.5, 0.25]  # 1-D weights: d = 1
    net = ShallowReLU(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, -1.0]))
    w2, b2 = neuron_arrays("net", net)
    np.testing.assert_array_equal(w2, net.weights)
    np.testing.assert_array_equal(b2, net.biases)
    with pytest.raises(TypeError, match=r"net must be a ShallowReLU \(an object with weights"):
        neuron_arrays("net", np.eye(2))
    with pytest.raises(ValueError, match=r"net must have weights \(n, d\) and biases \(n,\)"):
        neuron_arrays("net", SimpleNamespace(weights=np.ones((2, 1)), biases=np.ones(3)))
    with pytest.raises(ValueError, match=r"neurons \[1\] have NaN or Inf parameters"):
        neuron_arrays("net", SimpleNamespace(weights=np.ones((2, 1)), biases=np.array([0.0, np.inf])))


def test_box_bounds_of_tuples_intervals_and_boxes():
    assert box_bounds((0, 2.5)) == ((0.0,), (2.5,))
    assert box_bounds(Interval(-1.0, 1.0)) == ((-1.0,), (1.0,))
    assert box_bounds(Box((0.0, 1.0), (2.0, 3.0))) == ((0.0, 1.0), (2.0, 3.0))
    with pytest.raises(TypeError, match=r"domain as a tuple must be \(low, high\) with two real numbers"):
        box_bounds(("a", 1.0))
    with pytest.raises(ValueError, match="domain must have lows"):
        box_bounds((1.0, 0.0))
    with pytest.raises(ValueError, match="domain high must be a finite real number"):
        box_bounds((0.0, float("inf")))
    with pytest.raises(TypeError, match="domain must be an Interval, a Box or a"):
        box_bounds([0.0, 1.0])
