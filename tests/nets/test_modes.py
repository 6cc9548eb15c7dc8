"""measurement_mode: eval/train/as_is for the block, every flag and the global RNG restored after."""

import pytest
import torch
from torch import nn

from rankscope.nets import MeasureMode, measurement_mode, preserved_rng


def _net():
    net = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 1))
    net.train()
    net[1].eval()  # a submodule deliberately left in eval (a frozen BatchNorm)
    return net


def _flags(net):
    return [m.training for m in net.modules()]


@pytest.mark.parametrize(
    ("mode", "inside"),
    [
        ("eval", [False] * 5),
        (MeasureMode.TRAIN, [True] * 5),
        ("as_is", [True, True, False, True, True]),
    ],
)
def test_mode_inside_the_block_and_every_flag_restored_after(mode, inside):
    net = _net()
    before = _flags(net)
    with measurement_mode(net, mode):
        assert _flags(net) == inside
    assert _flags(net) == before == [True, True, False, True, True]


def test_flags_and_rng_are_restored_when_the_block_raises():
    net = _net()
    torch.manual_seed(3)
    expected = torch.rand(4)
    torch.manual_seed(3)
    with pytest.raises(RuntimeError, match="boom"), measurement_mode(net, "train"):
        net(torch.randn(8, 2))  # train-mode dropout draws from the global RNG
        raise RuntimeError("boom")
    assert torch.equal(torch.rand(4), expected)
    assert _flags(net) == [True, True, False, True, True]


def test_preserved_rng_undoes_every_draw():
    torch.manual_seed(0)
    expected = torch.randn(5)
    torch.manual_seed(0)
    with preserved_rng():
        torch.randn(100)
        torch.nn.functional.dropout(torch.ones(10), 0.5, training=True)
    assert torch.equal(torch.randn(5), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_preserved_rng_restores_the_cuda_generator():
    torch.cuda.manual_seed_all(0)
    expected = torch.rand(5, device="cuda")
    torch.cuda.manual_seed_all(0)
    with preserved_rng():
        torch.rand(100, device="cuda")
    assert torch.equal(torch.rand(5, device="cuda"), expected)


def test_unknown_mode_is_named():
    with pytest.raises(ValueError, match=r"mode must be one of \['as_is', 'eval', 'train'\]; got 'test'"):
        with measurement_mode(_net(), "test"):
            pass
