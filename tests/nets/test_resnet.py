"""ResNet (rankscope.nets.resnet): ResNet-18's size, the vision-net protocol, validation."""

import pytest
import torch

from rankscope.nets.resnet import ResNet, resnet18


def test_resnet18_is_resnet18_sized():
    net = resnet18(num_classes=1000)
    assert sum(p.numel() for p in net.parameters()) == 11_689_512  # torchvision's resnet18
    assert net.rank_layer_names()[0] == "stem" and net.rank_layer_names()[-1] == "pool"
    assert len(net.rank_layer_names()) == 10
    with torch.no_grad():
        assert net.eval()(torch.zeros(1, 3, 64, 64)).shape == (1, 1000)


@pytest.mark.parametrize(
    "net", [ResNet((1, 1), width=4, in_channels=1, num_classes=3, small_input=True)], ids=["resnet"]
)
def test_protocol_features_head_layers(net):
    x = torch.randn(5, 1, 8, 8)
    net.eval()
    with torch.no_grad():
        feats = net.features(x)
        assert feats.shape == (5, net.ambient_dim)
        torch.testing.assert_close(net.head(feats), net(x))
    names = dict(net.named_modules())
    assert all(n in names for n in net.rank_layer_names())


def test_validated():
    with pytest.raises(ValueError, match="blocks must be a non-empty sequence"):
        ResNet(())
