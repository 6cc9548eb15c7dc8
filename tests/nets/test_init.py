import math

import pytest
import torch
from torch import nn

from rankscope.nets import MLP
from rankscope.nets.init import deterministic_1d, initialise, vision_init


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


def test_uniform_fan_in_bounds_weights_and_biases_by_one_over_sqrt_fan_in():
    net = nn.Sequential(nn.Linear(16, 40), nn.Tanh(), nn.Linear(40, 3))
    initialise(net, "uniform_fan_in", seed=2)
    for lin, fan_in in ((net[0], 16), (net[2], 40)):
        bound = 1 / math.sqrt(fan_in)
        assert lin.weight.abs().max() <= bound and lin.bias.abs().max() <= bound
        assert lin.weight.abs().max() > 0.9 * bound and lin.bias.abs().max() > 0
    again = initialise(
        nn.Sequential(nn.Linear(16, 40), nn.Tanh(), nn.Linear(40, 3)), "uniform_fan_in", seed=2
    )
    assert torch.equal(again[0].weight, net[0].weight)


def test_deterministic_1d_sets_the_first_layer_by_hand_and_keeps_the_rest():
    net = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))
    head = net[2].weight.detach().clone()
    deterministic_1d(net)
    assert net[0].weight[:, 0].tolist() == [2.0, 2.0, 2.0, 2.0]  # n/2 with n = 4
    assert net[0].bias.tolist() == [1.0, 0.0, -1.0, -2.0]  # n/2 - j, j = 1..4
    assert torch.equal(net[2].weight, head)
    with pytest.raises(ValueError, match=r"needs a model with an nn\.Linear"):
        deterministic_1d(nn.Sequential(nn.Tanh()))


def test_vision_init_draws_convolutions_linears_and_norms_by_their_rules():
    net = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.Flatten(), nn.Linear(25, 200))
    vision_init(net, seed=0)
    conv, bn, lin = net[0], net[1], net[3]
    std = math.sqrt(2.0 / (64 * 3 * 3))  # Kaiming normal, fan-out
    assert float(conv.weight.detach().std()) == pytest.approx(std, rel=0.05)
    assert torch.all(conv.bias == 0) and torch.all(bn.weight == 1) and torch.all(bn.bias == 0)
    assert lin.weight.abs().max() <= 1 / math.sqrt(25) and torch.all(lin.bias == 0)
