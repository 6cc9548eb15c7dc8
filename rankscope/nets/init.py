"""Initialisation schemes, each seeded explicitly through a private ``torch.Generator``.

- ``xavier`` (default): Glorot-uniform weights ``U(-sqrt(6/(fan_in+fan_out)), +...)``, zero biases.
- ``uniform_fan_in``: weights and biases ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, the form paper 000
  writes for Xavier in Sec. 2.2 (``w_j, b_j ~ U(-1/sqrt(n), 1/sqrt(n))``; PyTorch's default scale).
- ``deterministic``: paper 000 eq. (4.2)-(4.3), first layer ``(w_0)_j = n/2``, ``(b_0)_j = n/2 - j``
  for a 1-D input, i.e. ``tanh(n/2 (x - x_j))`` with centres on a uniform grid; other layers Xavier.

The vision networks of paper 004 (:mod:`rankscope.nets.resnet`, :mod:`rankscope.nets.patch_nets`)
have their own scheme, :func:`vision_init` (convolutions, norms and embeddings too).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from rankscope._checks import check_choice

__all__ = ["INITIALISERS", "deterministic_1d", "initialise", "vision_init"]


def _linears(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _xavier(model: nn.Module, gen: torch.Generator) -> None:
    for lin in _linears(model):
        fan_out, fan_in = lin.weight.shape
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        with torch.no_grad():
            lin.weight.uniform_(-bound, bound, generator=gen)
            if lin.bias is not None:
                lin.bias.zero_()


def _uniform_fan_in(model: nn.Module, gen: torch.Generator) -> None:
    for lin in _linears(model):
        bound = 1.0 / math.sqrt(lin.weight.shape[1])
        with torch.no_grad():
            lin.weight.uniform_(-bound, bound, generator=gen)
            if lin.bias is not None:
                lin.bias.uniform_(-bound, bound, generator=gen)


def _deterministic(model: nn.Module, gen: torch.Generator) -> None:
    _xavier(model, gen)
    deterministic_1d(model)


INITIALISERS: dict[str, Callable[[nn.Module, torch.Generator], None]] = {
    "xavier": _xavier,
    "uniform_fan_in": _uniform_fan_in,
    "deterministic": _deterministic,
}


def initialise(model: nn.Module, scheme: str = "xavier", *, seed: int = 0) -> nn.Module:
    """Initialise every ``nn.Linear`` of ``model`` in place by ``scheme`` and return the model."""
    check_choice("init", scheme, tuple(INITIALISERS))
    gen = torch.Generator().manual_seed(int(seed))
    INITIALISERS[scheme](model, gen)
    return model


def deterministic_1d(model: nn.Module) -> nn.Module:
    """Paper 000 eq. (4.2)-(4.3) on the first layer of a 1-D-input model, in place; returns it.

    ``(w_0)_j = n/2`` and ``(b_0)_j = n/2 - j`` (j = 1..n), i.e. ``tanh(n/2 (x - x_j))`` with
    ``x_j = 2j/n - 1`` a uniform grid on ``[-1, 1]``. The other layers keep their values.
    """
    first = _linears(model)[0] if _linears(model) else None
    if first is None:
        raise ValueError(f"deterministic_1d needs a model with an nn.Linear; got {type(model).__name__}")
    n, d = first.weight.shape
    if d != 1:
        raise ValueError(
            f"deterministic_1d (paper 000 eq. 4.2) is defined for a 1-D input; the first layer of "
            f"{type(model).__name__} has input dim {d}"
        )
    with torch.no_grad():
        first.weight.fill_(n / 2.0)
        if first.bias is not None:
            first.bias.copy_(
                n / 2.0 - torch.arange(1, n + 1, dtype=first.bias.dtype, device=first.bias.device)
            )
    return model


def vision_init(model: nn.Module, seed: int) -> None:
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
