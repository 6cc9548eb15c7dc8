"""Small vision networks of the three families of paper 004 (Table 1): ResNet, MLP-Mixer and ViT.

Defined here so that rankscope needs no torchvision. Every network

- takes images ``(batch, channels, height, width)`` and returns logits ``(batch, classes)``;
- exposes ``features(x)``, the final feature representation ``F(x)`` of shape ``(batch, d)`` that the
  linear ``head`` classifies (papers/004_dd906f3dfe4e2018.txt Sec. 2: "the network slice from the
  inputs to the last feature layer"), and ``ambient_dim == d``;
- exposes ``rank_layer_names()``: the dotted names of the sub-network outputs ``F_1, ..., F_L``
  (eq. (2)) whose partial Jacobian ranks Fig. 1(a-c) plots, shallow to deep;
- is initialised from an explicit ``seed`` through a private ``torch.Generator``.

Attention is written out (``softmax(q k^T / sqrt(d)) v``) rather than calling
``scaled_dot_product_attention``, so forward-mode differentiation (``torch.func.jvp``) works on any
backend.

Example:
    >>> net = resnet18(num_classes=10, width=8, seed=0)
    >>> net(torch.zeros(2, 3, 32, 32)).shape, net.ambient_dim
    (torch.Size([2, 10]), 64)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from rankscope._checks import check_positive_int

__all__ = ["MLPMixer", "ResNet", "ViT", "resnet18"]


def _init(model: nn.Module, seed: int) -> None:
    """Kaiming-normal convolutions (fan-out, ReLU gain), ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` linears
    with zero biases, normal(0, 0.02) class tokens and position embeddings, unit/zero norm affines; all
    drawn from one private generator seeded by ``seed``."""
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups
                m.weight.normal_(0.0, math.sqrt(2.0 / fan_out), generator=gen)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                m.weight.uniform_(-bound, bound, generator=gen)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)):
                if m.weight is not None:
                    m.weight.fill_(1.0)
                    m.bias.zero_()
        for name, p in model.named_parameters():
            if name.endswith(("cls_token", "pos_embed")):
                p.normal_(0.0, 0.02, generator=gen)


# ----------------------------------------------------------------------------------------- ResNet


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
        return self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


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
        _init(self, seed)

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
        return self.pool(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


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


# ------------------------------------------------------------------------------- tokenised nets


class PatchEmbed(nn.Module):
    """Non-overlapping ``patch x patch`` patches, linearly embedded: ``(B, C, H, W) -> (B, T, dim)``."""

    def __init__(self, in_channels: int, dim: int, patch: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, dim, patch, patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


def _tokens(image_size: int, patch: int) -> int:
    check_positive_int("image_size", image_size)
    check_positive_int("patch", patch)
    if image_size % patch:
        raise ValueError(f"patch must divide image_size; got image_size={image_size}, patch={patch}")
    return (image_size // patch) ** 2


class MixerBlock(nn.Module):
    """MLP-Mixer block: token mixing then channel mixing, each ``x + MLP(LayerNorm(x))``."""

    def __init__(self, tokens: int, dim: int, token_hidden: int, channel_hidden: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = nn.Sequential(
            nn.Linear(tokens, token_hidden), nn.GELU(), nn.Linear(token_hidden, tokens)
        )
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = nn.Sequential(
            nn.Linear(dim, channel_hidden), nn.GELU(), nn.Linear(channel_hidden, dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.token_mlp(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class TokenMean(nn.Module):
    """Final LayerNorm and mean over tokens: ``(B, T, dim) -> (B, dim)``."""

    def __init__(self, dim: int, *, cls: bool = False) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.cls = cls

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        return x[:, 0] if self.cls else x.mean(dim=1)


class MLPMixer(nn.Module):
    """MLP-Mixer-style network (Tolstikhin et al. 2021; the "MLP-like" family of paper 004 Table 1).

    Sub-networks: ``embed`` (patch embedding), ``blocks.{i}``, ``pool`` (final features).
    """

    def __init__(
        self,
        *,
        image_size: int = 32,
        patch: int = 4,
        in_channels: int = 3,
        dim: int = 64,
        depth: int = 4,
        token_hidden: int = 64,
        channel_hidden: int = 128,
        num_classes: int = 10,
        seed: int = 0,
    ) -> None:
        super().__init__()
        for name, value in (("dim", dim), ("depth", depth), ("num_classes", num_classes)):
            check_positive_int(name, value)
        tokens = _tokens(image_size, patch)
        self.embed = PatchEmbed(in_channels, dim, patch)
        self.blocks = nn.Sequential(
            *[MixerBlock(tokens, dim, token_hidden, channel_hidden) for _ in range(depth)]
        )
        self.pool = TokenMean(dim)
        self.head = nn.Linear(dim, num_classes)
        self.ambient_dim = dim
        _init(self, seed)

    def rank_layer_names(self) -> list[str]:
        return ["embed", *[f"blocks.{i}" for i in range(len(self.blocks))], "pool"]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.blocks(self.embed(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Attention(nn.Module):
    """Multi-head self-attention written out: ``softmax(q k^T / sqrt(d_head)) v`` per head."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"heads must divide dim; got dim={dim}, heads={heads}")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, d))


class TransformerBlock(nn.Module):
    """Pre-norm Transformer block: ``x + Attn(LN(x))`` then ``x + MLP(LN(x))`` with GELU."""

    def __init__(self, dim: int, heads: int, mlp_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Linear(mlp_dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViTEmbed(nn.Module):
    """Patch embedding, a class token and learned position embeddings: ``(B, C, H, W) -> (B, T+1, dim)``."""

    def __init__(self, in_channels: int, dim: int, patch: int, tokens: int) -> None:
        super().__init__()
        self.patches = PatchEmbed(in_channels, dim, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens + 1, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.patches(x)
        cls = self.cls_token.expand(p.shape[0], -1, -1)
        return torch.cat([cls, p], dim=1) + self.pos_embed


class ViT(nn.Module):
    """Vision Transformer (Dosovitskiy et al. 2020; the Transformer family of paper 004 Table 1).

    Sub-networks: ``embed``, ``blocks.{i}``, ``pool`` (final LayerNorm of the class token).
    """

    def __init__(
        self,
        *,
        image_size: int = 32,
        patch: int = 4,
        in_channels: int = 3,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_dim: int = 128,
        num_classes: int = 10,
        seed: int = 0,
    ) -> None:
        super().__init__()
        for name, value in (("dim", dim), ("depth", depth), ("heads", heads), ("num_classes", num_classes)):
            check_positive_int(name, value)
        tokens = _tokens(image_size, patch)
        self.embed = ViTEmbed(in_channels, dim, patch, tokens)
        self.blocks = nn.Sequential(*[TransformerBlock(dim, heads, mlp_dim) for _ in range(depth)])
        self.pool = TokenMean(dim, cls=True)
        self.head = nn.Linear(dim, num_classes)
        self.ambient_dim = dim
        _init(self, seed)

    def rank_layer_names(self) -> list[str]:
        return ["embed", *[f"blocks.{i}" for i in range(len(self.blocks))], "pool"]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.blocks(self.embed(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
