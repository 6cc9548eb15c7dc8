"""The x-derivatives of an MLP's forward and backward vectors, for the layerwise NTK.

For one point and each layer ``k`` of ``y_0 = x``, ``z_k = W_k y_(k-1) + b_k``, ``y_k = sigma(z_k)``,
:func:`_layer_pieces` gives ``D^gamma [y_(k-1); 1]`` (carried forward: ``dy = sigma'(z) dz``,
``d_ij y = sigma''(z) d_i z d_j z + sigma'(z) d_ij z``) and ``D^beta g_k`` with ``g_k = du/dz_k``
(carried backward by the same Leibniz/chain rules), for the multi-indices ``|gamma| <= 2`` that the
operator needs. :mod:`rankscope.matrices.ntk_layerwise` combines them into ``Theta``. A piece that
is identically zero is ``None``.
"""

from __future__ import annotations

from math import factorial

import torch
from torch import nn

from rankscope.nets.activations import Cos, Sin

Index = tuple[int, ...]
Pieces = dict[Index, torch.Tensor | None]  # multi-index -> (N, n) tensor, None = identically zero


# ----------------------------------------------------------------------------------------------
# multi-index helpers


def _unit(dim: int, axes: list[int]) -> Index:
    return tuple(sum(1 for a in axes if a == i) for i in range(dim))


def _axes(gamma: Index) -> list[int]:
    return [i for i, k in enumerate(gamma) for _ in range(k)]


def _below(gamma: Index) -> list[Index]:
    """All beta <= gamma componentwise."""
    out: list[Index] = [()]
    for k in gamma:
        out = [(*b, j) for b in out for j in range(k + 1)]
    return out


def _binom(gamma: Index, beta: Index) -> int:
    out = 1
    for a, b in zip(gamma, beta, strict=True):
        out *= factorial(a) // (factorial(b) * factorial(a - b))
    return out


def _sub(a: Index, b: Index) -> Index:
    return tuple(i - j for i, j in zip(a, b, strict=True))


def _mul(a: torch.Tensor | None, b: torch.Tensor | None) -> torch.Tensor | None:
    return None if a is None or b is None else a * b


def _add(a: torch.Tensor | None, b: torch.Tensor | None) -> torch.Tensor | None:
    if a is None:
        return b
    return a if b is None else a + b


# ----------------------------------------------------------------------------------------------
# activations and their derivatives


def _activation_derivatives(act: nn.Module, z: torch.Tensor, order: int) -> list[torch.Tensor]:
    """``[sigma(z), sigma'(z), ..., sigma^(order)(z)]`` elementwise (closed form for tanh/sin/cos)."""
    if isinstance(act, nn.Identity):
        return [z, torch.ones_like(z)] + [torch.zeros_like(z)] * (order - 1)
    if isinstance(act, nn.Tanh):  # tanh' = 1 - t^2, tanh'' = -2 t tanh', tanh''' = -2 tanh'^2 - 2 t tanh''
        out = [torch.tanh(z)]
        t = out[0]
        if order >= 1:
            out.append(1.0 - t * t)
        if order >= 2:
            out.append(-2.0 * t * out[1])
        if order >= 3:
            out.append(-2.0 * out[1] * out[1] - 2.0 * t * out[2])
        return out
    if isinstance(act, (Sin, Cos)):
        s, c = torch.sin(z), torch.cos(z)
        cycle = [s, c, -s, -c] if isinstance(act, Sin) else [c, -s, -c, s]
        return cycle[: order + 1]
    out = []
    with torch.enable_grad():
        zg = z.detach().requires_grad_(True)
        f = act(zg)
        out.append(f.detach())
        for k in range(order):
            (f,) = torch.autograd.grad(f.sum(), zg, create_graph=k + 1 < order)
            out.append(f.detach())
    return out


def _compose(sig: list[torch.Tensor], shift: int, zd: Pieces, gamma: Index) -> torch.Tensor | None:
    """``D^gamma [sigma^(shift)(z)]`` from the x-derivatives ``zd`` of z (|gamma| <= 2)."""
    axes = _axes(gamma)
    if not axes:
        return sig[shift]
    if len(axes) == 1:
        return _mul(sig[shift + 1], zd[gamma])
    i, j = (_unit(len(gamma), [a]) for a in axes)
    return _add(_mul(sig[shift + 2], _mul(zd[i], zd[j])), _mul(sig[shift + 1], zd[gamma]))


def _leibniz(a: Pieces, b: Pieces, gamma: Index) -> torch.Tensor | None:
    """``D^gamma (a o b) = sum_(beta <= gamma) binom(gamma, beta) D^beta a o D^(gamma - beta) b``."""
    out = None
    for beta in _below(gamma):
        term = _mul(a[beta], b[_sub(gamma, beta)])
        if term is not None:
            out = _add(out, term * _binom(gamma, beta) if _binom(gamma, beta) != 1 else term)
    return out


# ----------------------------------------------------------------------------------------------
# per-layer pieces


def _layer_pieces(
    layers: list[tuple[torch.Tensor, torch.Tensor | None, nn.Module]], x: torch.Tensor, indices: list[Index]
) -> list[tuple[Pieces, Pieces]]:
    """For each layer k: (``D^beta g_k``, ``D^gamma [y_(k-1); 1]``) for all multi-indices needed."""
    n, dim = x.shape
    order = max(sum(g) for g in indices)
    zero: Index = (0,) * dim
    y: Pieces = {g: None for g in indices}
    y[zero] = x
    for i in range(dim):
        e = _unit(dim, [i])
        if e in y:
            y[e] = torch.zeros(n, dim, dtype=x.dtype, device=x.device).index_fill_(
                1, torch.tensor([i], device=x.device), 1.0
            )
    inputs: list[Pieces] = []
    zs: list[Pieces] = []
    sigs: list[list[torch.Tensor]] = []
    for W, b, act in layers:
        inputs.append(y)
        z: Pieces = {g: (None if v is None else v @ W.T) for g, v in y.items()}
        if b is not None:
            z[zero] = z[zero] + b  # type: ignore[operator]
        sig = _activation_derivatives(act, z[zero], order + 1)  # type: ignore[arg-type]
        zs.append(z)
        sigs.append(sig)
        y = {g: _compose(sig, 0, z, g) for g in indices}
    out: list[tuple[Pieces, Pieces]] = []
    h: Pieces = {g: None for g in indices}
    h[zero] = torch.ones(n, 1, dtype=x.dtype, device=x.device)  # du/du = 1
    for k in range(len(layers) - 1, -1, -1):
        W, b, _ = layers[k]
        if isinstance(layers[k][2], nn.Identity):
            g = h
        else:
            s1: Pieces = {gam: _compose(sigs[k], 1, zs[k], gam) for gam in indices}
            g = {gam: _leibniz(s1, h, gam) for gam in indices}
        a = inputs[k]
        if b is not None:
            a = {gam: _augment(v, gam == zero, n) for gam, v in a.items()}
        out.append((g, a))
        h = {gam: (None if v is None else v @ W) for gam, v in g.items()}
    return out[::-1]


def _augment(v: torch.Tensor | None, value: bool, n: int) -> torch.Tensor | None:
    if v is None:
        return None
    col = torch.full((n, 1), 1.0 if value else 0.0, dtype=v.dtype, device=v.device)
    return torch.cat([v, col], dim=1)
