"""ResNet with basic blocks (He et al. 2016), the convolutional family of paper 004 (Table 1).

Defined here so that rankscope needs no torchvision. Like every vision network of rankscope
(see also :mod:`rankscope.nets.patch_nets`), it

- takes images ``(batch, channels, height, width)`` and returns logits ``(batch, classes)``;
- exposes ``features(x)``, the final feature representation ``F(x)`` of shape ``(batch, d)`` that the
  linear ``head`` classifies (paper 004 Sec. 2: "the network slice from the
  inputs to the last feature layer"), and ``ambient_dim == d``;
- exposes ``rank_layer_names()``: the dotted names of the sub-network outputs ``F_1, ..., F_L``
  (eq. (2)) whose partial Jacobian ranks Fig. 1(a-c) plots, shallow to deep;
- is initialised from an explicit ``seed`` through a private ``torch.Generator``
  (:func:`rankscope.nets.init.vision_init`).

Example:
    >>> net = resnet18(num_classes=10, width=8, seed=0)
    >>> net(torch.zeros(2, 3, 32, 32)).shape, net.ambient_dim
    (torch.Size([2, 10]), 64)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from rankscope._checks import check_positive_int
from rankscope.nets.init import vision_init

__all__ = ["ResNet", "resnet18"]


class BasicBlock(nn.Module):
    """ResNet basic block: ``relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))`` (He et al. 2016)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        out: torch.Tensor = self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))
        return out


class ResNet(nn.Module):
    """ResNet with basic blocks; ``blocks=(2, 2, 2, 2)`` and ``width=64`` is ResNet-18 (11.7M
    parameters at 1000 classes, as in paper 004 Table 1).

    Args:
        blocks: number of basic blocks in each of the stages (stage ``s`` has ``width * 2**s``
            channels and, after the first, stride 2).
        width: channels of the stem and the first stage.
        in_channels: image channels.
        num_classes: outputs of the linear head.
        small_input: a 3x3 stride-1 stem without max-pooling (for 8x8 or 32x32 images) instead of
            the ImageNet stem (7x7 stride-2 convolution and 3x3 stride-2 max-pooling).
        seed: initialisation seed.

    Sub-networks (``rank_layer_names``): ``stem``, every block ``layer{s}.{b}``, and ``pool`` (the
    pooled final features).
    """

    def __init__(
        self,
        blocks: Sequence[int] = (2, 2, 2, 2),
        *,
        width: int = 64,
        in_channels: int = 3,
        num_classes: int = 1000,
        small_input: bool = False,
        seed: int = 0,
    ) -> None:
        super().__init__()
        for name, value in (("width", width), ("in_channels", in_channels), ("num_classes", num_classes)):
            check_positive_int(name, value)
        if not blocks or any(isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in blocks):
            raise ValueError(f"blocks must be a non-empty sequence of positive ints; got {blocks!r}")
        if small_input:
            self.stem = nn.Sequential(
                nn.Conv2d(in_channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()
            )
        else:
            self.stem = nn.Sequential(
                nn.Conv2d(in_channels, width, 7, 2, 3, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(),
                nn.MaxPool2d(3, 2, 1),
            )
        c_in = width
        self._stage_names = []
        for s, n_blocks in enumerate(blocks):
            c_out = width * 2**s
            stage = [
                BasicBlock(c_in if b == 0 else c_out, c_out, 2 if (b == 0 and s > 0) else 1)
                for b in range(n_blocks)
            ]
            setattr(self, f"layer{s + 1}", nn.Sequential(*stage))
            self._stage_names.append(f"layer{s + 1}")
            c_in = c_out
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(c_in, num_classes)
        self.ambient_dim = c_in
        vision_init(self, seed)

    @property
    def head(self) -> nn.Linear:
        return self.fc

    def rank_layer_names(self) -> list[str]:
        names = ["stem"]
        for stage in self._stage_names:
            names += [f"{stage}.{b}" for b in range(len(getattr(self, stage)))]
        return [*names, "pool"]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage in self._stage_names:
            x = getattr(self, stage)(x)
        out: torch.Tensor = self.pool(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.fc(self.features(x))
        return out


def resnet18(
    *,
    num_classes: int = 1000,
    width: int = 64,
    in_channels: int = 3,
    small_input: bool = False,
    seed: int = 0,
) -> ResNet:
    """ResNet-18 (blocks ``(2, 2, 2, 2)``); ``width < 64`` gives a thinner network of the same shape."""
    return ResNet(
        (2, 2, 2, 2),
        width=width,
        in_channels=in_channels,
        num_classes=num_classes,
        small_input=small_input,
        seed=seed,
    )
