"""What the paper 002 experiments share: the Glorot-initialised tanh MLP of eq. (17) and its
predictions. Not an experiment module (the leading underscore keeps it out of the registry)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rankscope.nets import MLP

__all__ = ["glorot_mlp", "predict"]


def glorot_mlp(width: int, depth: int, seed: int, activation: str = "tanh") -> MLP:
    """An MLP ``R -> R`` with Glorot-uniform weights and zero biases (output bias included)."""
    return MLP(1, width, depth, act=activation, init="xavier", seed=seed, out_bias=True)


def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """``model(x)`` as a flat float64 array, without gradients."""
    with torch.no_grad():
        out: np.ndarray = model(x).reshape(-1).double().numpy()
    return out
