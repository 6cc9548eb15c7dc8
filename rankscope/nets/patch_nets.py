"""Patch-token vision networks of paper 004 (Table 1): MLP-Mixer and the Vision Transformer.

Both cut an image into non-overlapping patches, embed each as a token and stack residual blocks
over the tokens; they follow the protocol of :mod:`rankscope.nets.resnet` (``features``, ``head``,
``ambient_dim``, ``rank_layer_names`` and an explicit ``seed``). Attention is written out
(``softmax(q k^T / sqrt(d)) v``) rather than calling ``scaled_dot_product_attention``, so
forward-mode differentiation (``torch.func.jvp``) works on any backend.

Example:
    >>> net = ViT(image_size=8, patch=4, dim=16, heads=2, num_classes=3, seed=0)
    >>> net(torch.zeros(2, 3, 8, 8)).shape, net.ambient_dim
    (torch.Size([2, 3]), 16)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from rankscope._checks import check_positive_int
from rankscope.nets.init import vision_init

__all__ = ["MLPMixer", "ViT"]


class PatchEmbed(nn.Module):
    """Non-overlapping ``patch x patch`` patches, linearly embedded: ``(B, C, H, W) -> (B, T, dim)``."""

    def __init__(self, in_channels: int, dim: int, patch: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, dim, patch, patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.proj(x).flatten(2).transpose(1, 2)
        return out


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
        out: torch.Tensor = x + self.channel_mlp(self.norm2(x))
        return out


class TokenMean(nn.Module):
    """Final LayerNorm and mean over tokens: ``(B, T, dim) -> (B, dim)``."""

    def __init__(self, dim: int, *, cls: bool = False) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.cls = cls

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        return x[:, 0] if self.cls else x.mean(dim=1)


class _PatchNet(nn.Module):
    """What :class:`MLPMixer` and :class:`ViT` share: ``embed``, then ``blocks``, then ``pool`` (the
    features, ``ambient_dim`` wide), then the linear ``head``; initialised by :func:`vision_init`."""

    def __init__(
        self, embed: nn.Module, blocks: list[nn.Module], pool: TokenMean, head: nn.Linear, seed: int
    ) -> None:
        super().__init__()
        self.embed = embed
        self.blocks = nn.Sequential(*blocks)
        self.pool = pool
        self.head = head
        self.ambient_dim = head.in_features
        vision_init(self, seed)

    def rank_layer_names(self) -> list[str]:
        return ["embed", *[f"blocks.{i}" for i in range(len(self.blocks))], "pool"]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.pool(self.blocks(self.embed(x)))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.features(x))
        return out


class MLPMixer(_PatchNet):
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
        for name, value in (("dim", dim), ("depth", depth), ("num_classes", num_classes)):
            check_positive_int(name, value)
        tokens = _tokens(image_size, patch)
        super().__init__(
            PatchEmbed(in_channels, dim, patch),
            [MixerBlock(tokens, dim, token_hidden, channel_hidden) for _ in range(depth)],
            TokenMean(dim),
            nn.Linear(dim, num_classes),
            seed,
        )


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
        out: torch.Tensor = self.proj((att @ v).transpose(1, 2).reshape(b, t, d))
        return out


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
        out: torch.Tensor = x + self.mlp(self.norm2(x))
        return out


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


class ViT(_PatchNet):
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
        for name, value in (("dim", dim), ("depth", depth), ("heads", heads), ("num_classes", num_classes)):
            check_positive_int(name, value)
        tokens = _tokens(image_size, patch)
        super().__init__(
            ViTEmbed(in_channels, dim, patch, tokens),
            [TransformerBlock(dim, heads, mlp_dim) for _ in range(depth)],
            TokenMean(dim, cls=True),
            nn.Linear(dim, num_classes),
            seed,
        )
