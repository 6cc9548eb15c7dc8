"""Partial Jacobians (paper 004 eq. (5)): the one-sweep forward mode against independent references."""

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from rankscope.matrices.jacobian import JacobianMethod, default_layers, partial_jacobians
from rankscope.matrices.jacobian_ranks import partial_ranks
from rankscope.matrices.patch import Patch, patch_indices
from rankscope.nets.patch_nets import MLPMixer, ViT
from rankscope.nets.resnet import resnet18


def _nets():
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(12, 10), nn.Tanh(), nn.Linear(10, 8), nn.GELU(), nn.Linear(8, 5))
    return [
        ("sequential", mlp, torch.randn(12), [0, 3, 4, 7, 11], ["0", "1", "2", "3", "4"]),
        (
            "resnet",
            resnet18(num_classes=4, width=4, seed=1),
            torch.randn(3, 16, 16),
            Patch.central((3, 16, 16), 3),
            None,
        ),
        (
            "mixer",
            MLPMixer(image_size=8, patch=4, dim=8, depth=2, token_hidden=8, channel_hidden=8, seed=2),
            torch.randn(3, 8, 8),
            Patch(2, 1, 3, 3),
            None,
        ),
        (
            "vit",
            ViT(image_size=8, patch=4, dim=8, depth=2, heads=2, mlp_dim=16, seed=3),
            torch.randn(3, 8, 8),
            Patch(0, 4, 4, 2, channels=(0, 2)),
            None,
        ),
    ]


@pytest.mark.parametrize("case", _nets(), ids=lambda c: c[0])
def test_forward_sweep_equals_per_layer_jacrev_of_each_sub_network(case):
    _, net, x, patch, layers = case
    net = net.eval().double()
    x = x.double()
    fwd = partial_jacobians(net, x, patch, layers, method="forward", chunk_size=5)
    idx = patch_indices(x.shape, patch)
    modules = dict(net.named_modules())
    for name, jac in fwd.items():
        # independent reference: the sub-network output by a hook, differentiated by torch.func.jacrev on the
        # whole input, then the patch columns selected (Sub(J_F, j_1..j_K), eq. (5))
        def sub(z, name=name):
            out = {}
            h = modules[name].register_forward_hook(lambda m, i, o: out.__setitem__("y", o))
            try:
                net(z[None])
            finally:
                h.remove()
            return out["y"].reshape(-1)

        full = torch.func.jacrev(sub)(x).reshape(-1, x.numel())
        torch.testing.assert_close(jac, full[:, idx], rtol=1e-10, atol=1e-12)
    rev = partial_jacobians(net, x, patch, layers, method=JacobianMethod.REVERSE, chunk_size=3)
    for name in fwd:
        torch.testing.assert_close(fwd[name], rev[name], rtol=1e-10, atol=1e-12)


def test_zero_outside_evaluates_at_the_padded_input():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    with torch.no_grad():
        net[0].weight.copy_(torch.eye(3, 4))
        net[0].bias.zero_()
    x = torch.tensor([1.0, -1.0, 2.0, 5.0])
    j = partial_jacobians(net, x, [0, 1], ["1"])["1"]
    assert j[:, 0].tolist() == [1.0, 0.0, 0.0] and j[:, 1].tolist() == [0.0, 0.0, 0.0]
    jz = partial_jacobians(net, torch.tensor([1.0, 1.0, 2.0, 5.0]), [0, 1], ["1"], zero_outside=True)["1"]
    assert jz[:, 1].tolist() == [0.0, 1.0, 0.0]


def test_default_layers_and_tuple_outputs():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            return self.lin(x), "extra"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = Block(), Block()

        def forward(self, x):
            return self.b(self.a(x)[0])[0]

    net = Net()
    assert default_layers(net) == ["a", "b"]
    assert partial_ranks(net, torch.randn(3), "all").layers == ("a", "b")


def test_bad_input_is_named():
    net = resnet18(num_classes=2, width=2, seed=0)
    x = torch.randn(3, 16, 16)
    with pytest.raises(ValueError, match=r"lies outside the input's last two axes 16 x 16"):
        partial_jacobians(net, x, Patch(10, 10, 8, 8), ["stem"])
    with pytest.raises(ValueError, match=r"unknown layer 'nope'.*'layer1.0'"):
        partial_jacobians(net, x, Patch(0, 0, 2, 2), ["nope"])
    with pytest.raises(ValueError, match="method must be one of"):
        partial_jacobians(net, x, Patch(0, 0, 2, 2), ["stem"], method="sideways")
    with pytest.raises(ValueError, match="rank_rule must be one of"):
        partial_ranks(net, x, Patch(0, 0, 2, 2), ["stem"], rank_rule="svd")
    with pytest.raises(TypeError, match=r"x must be a floating-point torch\.Tensor"):
        partial_jacobians(net, x.numpy(), Patch(0, 0, 2, 2), ["stem"])
    with pytest.raises(ValueError, match=r"mode must be one of \['as_is', 'eval', 'train'\]; got 'test'"):
        partial_jacobians(net, x, Patch(0, 0, 2, 2), ["stem"], mode="test")
    with pytest.raises(
        ValueError,
        match=r"x has shape \(1, 16, 16\) but ResNet expects one input \(no batch axis\) of shape \(3, H, W\)"
        r".*'stem\.0' is a Conv2d with in_channels=3",
    ):
        partial_jacobians(net, x[:1], Patch(0, 0, 2, 2), ["stem"])

    class Blowup(nn.Module):
        def forward(self, z):
            return torch.sqrt(z)

    with pytest.raises(ValueError, match=r"layer '0' has \d+ NaN or Inf entries"):
        partial_jacobians(nn.Sequential(Blowup()), torch.zeros(3), "all", ["0"])


def test_a_training_model_is_measured_in_eval_mode_silently_and_its_flags_restored():
    net = resnet18(num_classes=2, width=2, seed=0)
    x = torch.randn(3, 16, 16, generator=torch.Generator().manual_seed(0))
    patch = Patch(0, 0, 3, 3)
    expected = partial_ranks(net.eval(), x, patch)
    net.train()
    net.layer1[0].bn1.eval()  # a submodule deliberately left in eval
    flags = [m.training for m in net.modules()]
    torch.manual_seed(4)
    after = torch.rand(2)
    torch.manual_seed(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the Monitor's behaviour: eval mode by default, no warning
        got = partial_ranks(net, x, patch)
    assert got.ranks == expected.ranks
    for a, b in zip(got.spectra, expected.spectra, strict=True):
        np.testing.assert_allclose(a.values, b.values, rtol=1e-6, atol=1e-6 * b.values[0])
    assert [m.training for m in net.modules()] == flags
    assert torch.equal(torch.rand(2), after)
    with pytest.raises(ValueError, match=r"mode: \['stem\.1', .*BatchNorm\) would run in training mode"):
        partial_ranks(net, x, patch, mode="train")
    with pytest.raises(ValueError, match=r"'layer1\.0\.bn2'.*expected mode='eval'"):
        partial_ranks(net, x, patch, mode="as_is")
    assert [m.training for m in net.modules()] == flags
    plain = nn.Sequential(nn.Linear(4, 3), nn.Tanh())  # nothing mode-dependent: every mode agrees
    xs = torch.randn(4, generator=torch.Generator().manual_seed(2))
    assert partial_ranks(plain, xs, "all", mode="train").ranks == partial_ranks(plain, xs, "all").ranks


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_partial_jacobians_on_cuda_equal_the_cpu_ones():
    net = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).double()
    x = torch.rand(6, dtype=torch.float64)
    cpu = partial_jacobians(net, x, "all", ["0", "2"], zero_outside=True)
    gpu = partial_jacobians(net.cuda(), x.cuda(), "all", ["0", "2"], zero_outside=True)
    for name in cpu:
        assert gpu[name].device.type == "cuda"
        torch.testing.assert_close(gpu[name].cpu(), cpu[name])
