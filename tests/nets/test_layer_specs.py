import pytest
import torch
from torch import nn

from rankscope.nets import MLP, capture
from rankscope.nets.layer_specs import hidden_layers, resolve_layers


def test_last_of_an_mlp_is_its_last_hidden_layer():
    net = MLP(1, 6, 3, seed=0)
    (ref,) = resolve_layers(net, "last")
    assert ref.name == "layers.2"
    assert [r.name for r in resolve_layers(net, "all")] == ["layers.0", "layers.1", "layers.2"]
    assert resolve_layers(net, -2)[0].name == "layers.1"


def test_last_of_a_plain_sequential_is_the_input_of_the_output_layer():
    torch.manual_seed(0)
    seq = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 1))
    (ref,) = resolve_layers(seq, "last")
    assert ref.read == "input" and ref.module == "4"
    x = torch.linspace(-1, 1, 7)[:, None]
    feats = capture(seq, [ref], x)[ref.name]
    expected = seq[:4].double()(x.double())
    torch.testing.assert_close(feats, expected)
    assert [r.name for r in hidden_layers(seq)] == ["1", "3"]


def test_unknown_layer_lists_the_layers():
    net = MLP(1, 3, 2)
    with pytest.raises(ValueError, match=r"unknown layer 'layer9'.*layers\.0"):
        resolve_layers(net, "layer9")
    with pytest.raises(ValueError, match=r"index 5 is out of range for 2 hidden layers"):
        resolve_layers(net, 5)
    with pytest.raises(TypeError, match="layers"):
        resolve_layers(net, 2.5)  # type: ignore[arg-type]
