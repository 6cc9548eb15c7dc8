"""MLP-Mixer and ViT (rankscope.nets.patch_nets): the vision-net protocol, seeding, validation."""

import pytest
import torch

from rankscope.nets.patch_nets import MLPMixer, ViT


@pytest.mark.parametrize(
    "net",
    [
        MLPMixer(image_size=8, patch=2, in_channels=1, dim=8, depth=2, num_classes=3),
        ViT(image_size=8, patch=2, in_channels=1, dim=8, depth=2, heads=2, num_classes=3),
    ],
    ids=["mixer", "vit"],
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


def test_seeded_and_validated():
    a, b = ViT(image_size=8, patch=4, seed=1), ViT(image_size=8, patch=4, seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    c = ViT(image_size=8, patch=4, seed=2)
    assert not torch.equal(a.head.weight, c.head.weight)
    with pytest.raises(ValueError, match="patch must divide image_size"):
        ViT(image_size=10, patch=4)
    with pytest.raises(ValueError, match="heads must divide dim"):
        ViT(image_size=8, patch=4, dim=10, heads=4)
