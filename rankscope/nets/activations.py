"""Activation functions by name (paper 000, Example 2.6 (iii): ReLU, ELU, cosine, tanh)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from rankscope._checks import check_choice

__all__ = ["ACTIVATIONS", "Cos", "Sin", "activation"]


class Cos(nn.Module):
    """sigma(x) = cos(x), paper 000 Example 2.6 (iii)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cos(x)


class Sin(nn.Module):
    """sigma(x) = sin(x)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "elu": nn.ELU,  # alpha = 1, as torch's default
    "cos": Cos,
    "sin": Sin,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
}


def activation(name: str) -> nn.Module:
    """Return a fresh activation module by name (one of ``ACTIVATIONS``).

    Example:
        >>> activation("tanh")(torch.zeros(2)).tolist()
        [0.0, 0.0]
    """
    check_choice("activation", name, tuple(ACTIVATIONS))
    return ACTIVATIONS[name]()
