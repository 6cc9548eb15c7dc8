import math

import pytest
import torch

from rankscope.nets import MLP, ResidualMLP, activation, build_mlp, initialise


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


def test_xavier_bounds_and_zero_bias_and_seed():
    net = MLP(1, 50, 2, seed=0)
    w = net.layers[1].linear.weight
    bound = math.sqrt(6 / (50 + 50))
    assert w.abs().max() <= bound
    assert w.abs().max() > 0.9 * bound
    assert torch.all(net.layers[0].linear.bias == 0)
    again = MLP(1, 50, 2, seed=0)
    other = MLP(1, 50, 2, seed=1)
    assert torch.equal(again.layers[1].linear.weight, w)
    assert not torch.equal(other.layers[1].linear.weight, w)


def test_deterministic_init_is_tanh_on_a_uniform_grid():
    n = 10
    net = MLP(1, n, 2, init="deterministic", seed=0).double()
    x = torch.linspace(-1, 1, 21, dtype=torch.float64)[:, None]
    centres = torch.tensor([2 * j / n - 1 for j in range(1, n + 1)], dtype=torch.float64)
    expected = torch.tanh(n / 2 * (x - centres))  # paper 000 eq. (4.3)
    torch.testing.assert_close(net.layers[0](x), expected)


def test_deterministic_init_rejects_multi_dimensional_input():
    with pytest.raises(ValueError, match="1-D input"):
        MLP(2, 10, 2, init="deterministic")


@pytest.mark.parametrize("name", ["tanh", "relu", "elu", "cos", "sin", "sigmoid", "gelu", "silu"])
def test_activations_build(name):
    act = activation(name)
    assert act(torch.zeros(3)).shape == (3,)


def test_unknown_names_are_named_in_the_error():
    with pytest.raises(ValueError, match=r"activation must be one of .*'swish'"):
        MLP(1, 3, 1, act="swish")
    with pytest.raises(ValueError, match=r"init must be one of"):
        initialise(MLP(1, 3, 1), "he")
    with pytest.raises(ValueError, match=r"width must be a positive integer"):
        MLP(1, 0, 1)
    with pytest.raises(ValueError, match=r"kind must be one of"):
        build_mlp("cnn", in_dim=1, width=2, depth=1)
