"""``paper002/_common.py``: the Glorot-initialised tanh MLP of eq. (17) and its predictions."""

import math

import numpy as np
import torch

from rankscope.experiments.paper002._common import glorot_mlp, predict


def _linears(model):
    return [m for m in model.modules() if isinstance(m, torch.nn.Linear)]


def test_glorot_mlp_has_glorot_uniform_weights_and_zero_biases():
    net = glorot_mlp(6, 3, seed=4)
    lins = _linears(net)
    assert [tuple(lin.weight.shape) for lin in lins] == [(6, 1), (6, 6), (6, 6), (1, 6)]
    assert all(lin.bias is not None for lin in lins)  # the output bias too
    for lin in lins:
        fan_out, fan_in = lin.weight.shape
        assert float(lin.weight.detach().abs().max()) <= math.sqrt(6.0 / (fan_in + fan_out))
        assert torch.count_nonzero(lin.bias) == 0
    again, other = glorot_mlp(6, 3, seed=4), glorot_mlp(6, 3, seed=5)
    assert all(torch.equal(a.weight, b.weight) for a, b in zip(lins, _linears(again), strict=True))
    assert not torch.equal(lins[1].weight, _linears(other)[1].weight)


def test_predict_is_the_tanh_network_by_hand_as_a_flat_float64_array():
    net = glorot_mlp(5, 2, seed=0)
    x = torch.linspace(-1.0, 1.0, 7).reshape(-1, 1)
    out = predict(net, x)
    assert out.dtype == np.float64 and out.shape == (7,)
    w0, w1, w2 = (lin.weight.detach().double().numpy() for lin in _linears(net))
    xs = x.double().numpy()
    by_hand = (np.tanh(np.tanh(xs @ w0.T) @ w1.T) @ w2.T).reshape(-1)  # zero biases: an odd function
    np.testing.assert_allclose(out, by_hand, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, -out[::-1], atol=1e-6)
    sin = predict(glorot_mlp(5, 2, seed=0, activation="sin"), x)
    np.testing.assert_allclose(
        sin, (np.sin(np.sin(xs @ w0.T) @ w1.T) @ w2.T).reshape(-1), rtol=1e-5, atol=1e-6
    )
