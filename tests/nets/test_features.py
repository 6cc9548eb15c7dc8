import pytest
import torch
from torch import nn

from rankscope.nets import MLP, capture, resolve_layers
from rankscope.nets.features import input_mismatch


def test_capture_runs_in_float64_without_touching_the_model():
    net = MLP(1, 3, 1, seed=0)
    x = torch.linspace(-1, 1, 5)[:, None]
    feats = capture(net, resolve_layers(net, "last"), x)["layers.0"]
    assert feats.dtype == torch.float64
    assert next(net.parameters()).dtype == torch.float32
    assert not any(m._forward_hooks for m in net.modules())


def test_points_that_do_not_fit_the_first_layer_name_both_shapes():
    net = MLP(1, 3, 1)
    with pytest.raises(
        ValueError,
        match=r"x has shape \(5, 2\) but MLP expects inputs of shape \(m, 1\).*"
        r"'layers\.0\.linear' is a Linear with in_features=1.*mat1 and mat2",
    ):
        capture(net, resolve_layers(net, "last"), torch.zeros(5, 2))
    conv = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 2))
    with pytest.raises(
        ValueError,
        match=r"shape \(2, 1, 8, 8\) but Sequential expects inputs of shape "
        r"\(m, 3, H, W\).*Conv2d with in_channels=3",
    ):
        capture(conv, resolve_layers(conv, "all"), torch.zeros(2, 1, 8, 8))
    assert input_mismatch(conv, "x", (2, 3, 8, 8)) is None
    assert input_mismatch(nn.Sequential(nn.Tanh()), "x", (2, 3)) is None  # no first layer to compare with


def test_capture_measures_in_eval_mode_and_restores_every_flag_and_buffer():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 1))
    with torch.no_grad():
        net[1].running_mean.uniform_(-1, 1)
    net.train()
    net[1].eval()  # frozen BatchNorm
    x = torch.linspace(-1, 1, 30)[:, None]
    stats = [b.clone() for b in net[1].buffers()]
    ref = resolve_layers(net, "last")
    torch.manual_seed(5)
    after = torch.rand(3)
    torch.manual_seed(5)
    feats = capture(net, ref, x)["4:input"]
    assert torch.equal(torch.rand(3), after)  # global RNG untouched
    lin, bn = net[0], net[1]
    z = x.double() @ lin.weight.double().T + lin.bias.double()
    normed = (z - bn.running_mean.double()) / torch.sqrt(bn.running_var.double() + bn.eps)
    torch.testing.assert_close(feats, torch.tanh(normed * bn.weight.double() + bn.bias.double()))
    assert [m.training for m in net.modules()] == [True, True, False, True, True, True]
    assert all(torch.equal(a, b) for a, b in zip(stats, net[1].buffers(), strict=True))
    train = capture(net, ref, x, mode="train")["4:input"]  # the BatchNorm updates copies of its buffers
    assert all(torch.equal(a, b) for a, b in zip(stats, net[1].buffers(), strict=True))
    assert (train == 0).float().mean() > 0.2 and not (feats == 0).any()  # dropout on / off
