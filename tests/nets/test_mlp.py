import math

import numpy as np
import pytest
import torch

from rankscope.matrices import gram_matrices
from rankscope.nets import MLP, BottleneckMLP, ResidualMLP, build_mlp, initialise, normal_mlp
from rankscope.sampling import quadrature


def test_mlp_matches_eq_1_1_by_hand():
    net = MLP(2, 7, 3, act="tanh", seed=3).double()
    x = torch.randn(11, 2, dtype=torch.float64)
    y = x
    for layer in net.layers:
        y = torch.tanh(y @ layer.linear.weight.T + layer.linear.bias)
    expected = y @ net.head.weight.T  # y = beta . y_L, no output bias
    torch.testing.assert_close(net(x), expected)
    assert net.head.bias is None
    assert net.hidden_layer_names() == ["layers.0", "layers.1", "layers.2"]


def test_residual_mlp_matches_eq_4_6_by_hand():
    net = ResidualMLP(1, 5, 3, act="cos", seed=1).double()
    x = torch.linspace(-1, 1, 9, dtype=torch.float64)[:, None]
    l0, l1, l2 = (layer.linear for layer in net.layers)
    y1 = torch.cos(x @ l0.weight.T + l0.bias)  # d != n: the first layer has no skip
    y2 = y1 + torch.cos(y1 @ l1.weight.T + l1.bias)
    y3 = y2 + torch.cos(y2 @ l2.weight.T + l2.bias)
    torch.testing.assert_close(net.features(x), y3)


def test_residual_mlp_skips_from_the_input_when_dims_match():
    net = ResidualMLP(4, 4, 1, seed=0).double()
    x = torch.randn(3, 4, dtype=torch.float64)
    lin = net.layers[0].linear
    torch.testing.assert_close(net.features(x), x + torch.tanh(x @ lin.weight.T + lin.bias))


def test_unknown_names_are_named_in_the_error():
    with pytest.raises(ValueError, match=r"activation must be one of .*'swish'"):
        MLP(1, 3, 1, act="swish")
    with pytest.raises(ValueError, match=r"init must be one of"):
        initialise(MLP(1, 3, 1), "he")
    with pytest.raises(ValueError, match=r"width must be a positive integer"):
        MLP(1, 0, 1)
    with pytest.raises(ValueError, match=r"kind must be one of"):
        build_mlp("cnn", in_dim=1, width=2, depth=1)


def test_bottleneck_mlp_matches_example_2_7_by_hand():
    """Paper 000 Ex. 2.7: z = tanh(W_z x + b_z) (10 neurons), then eq. (1.1) on z, no output bias."""
    net = BottleneckMLP(64, 10, 8, 2, 10, seed=0).double()
    x = torch.rand(5, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    b, l0, l1 = net.bottleneck.linear, net.layers[0].linear, net.layers[1].linear
    z = torch.tanh(x @ b.weight.T + b.bias)
    y = torch.tanh(torch.tanh(z @ l0.weight.T + l0.bias) @ l1.weight.T + l1.bias)
    torch.testing.assert_close(net(x), y @ net.head.weight.T)
    assert net.head.bias is None and z.shape == (5, 10)
    # uniform_fan_in (the default): every weight of a layer in U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert float(b.weight.detach().abs().max()) <= 1 / math.sqrt(64)
    assert float(l1.weight.detach().abs().max()) <= 1 / math.sqrt(8)


def test_gram_by_hooks_is_the_monte_carlo_rule_over_the_bottleneck_outputs():
    net = BottleneckMLP(64, 10, 8, 2, 10, seed=0).double()
    x = torch.rand(300, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert net.hidden_layer_names() == ["bottleneck", "layers.0", "layers.1"]
    by_hooks = gram_matrices(net, "last", quadrature(x))["layers.1"]
    with torch.no_grad():
        z = net.bottleneck(x)  # the sampling points z_k of Example 2.7
        psi = net.layers[1](net.layers[0](z))  # the last-layer neurons as functions of z
    by_z = (psi.T @ psi / len(z)).numpy()
    np.testing.assert_allclose(by_hooks, by_z, rtol=1e-12, atol=1e-15)


def test_normal_mlp_draws_standard_normal_parameters():
    net = normal_mlp(400, 1, seed=3)
    p = torch.cat([q.detach().reshape(-1) for q in net.parameters()])
    assert p.numel() == 400 * 3 + 1
    assert abs(float(p.mean())) < 0.1 and abs(float(p.std()) - 1.0) < 0.05
    torch.testing.assert_close(
        p, torch.cat([q.detach().reshape(-1) for q in normal_mlp(400, 1, 3).parameters()])
    )


def test_normal_mlp_is_the_private_generators_normal_stream():
    # by hand: the parameters in order, filled from one N(0, 1) stream of torch.Generator(seed)
    net = normal_mlp(3, 2, seed=7, activation="sin")
    gen = torch.Generator().manual_seed(7)
    for p in net.parameters():
        torch.testing.assert_close(p.detach(), torch.empty_like(p).normal_(0.0, 1.0, generator=gen))
    assert net.head.bias is not None and net.act_name == "sin"
