"""Residual NTK of an MLP layer by layer, without forming the Jacobian J (paper 002 Lemma 3.1 / eq. (14)).

Derivation (paper 002, Lemma 3.1 and its Appendix B proof give ``Theta = J J^T``;
the layer structure below is ours). The MLP is ``y_0 = x``, ``z_k = W_k y_(k-1) + b_k``,
``y_k = sigma(z_k)`` (k = 1..L) and ``u = z_(L+1) = beta . y_L (+ c)`` (the head is a layer with the
identity activation). For one point, with ``g_k = du/dz_k`` (back-propagated: ``g_(L+1) = 1``,
``h_k = W_(k+1)^T g_(k+1)``, ``g_k = sigma'(z_k) h_k``) and ``a = [y_(k-1); 1]`` (the 1 for the bias),
the Jacobian of u with respect to ``[W_k, b_k]`` is the outer product ``g_k a^T``. Derivatives in x
commute with derivatives in theta, so for ``L u = sum_t c_t(x) D^alpha_t u`` (Leibniz)::

    d(L u)/d[W_k, b_k] = sum_t c_t sum_(beta <= alpha_t) C(alpha_t, beta) D^beta g_k (D^(alpha_t-beta) a)^T
                       = sum_m P_m Q_m^T      (terms grouped by beta or by gamma = alpha_t - beta)

e.g. ``-u''`` in 1D gives ``-(g'' a^T + 2 g' a'^T + g a''^T)``. With ``<p q^T, p' q'^T>_F = (p.p')(q.q')``
the layer's share of Theta between point sets X, Y is a sum of Hadamard products of N x N Gram matrices::

    Theta_k(X, Y) = sum_(m, m') (P_m(X) P_m'(Y)^T) o (Q_m(X) Q_m'(Y)^T),      Theta = sum_k Theta_k.

The x-derivatives ``D^gamma z, D^gamma y`` (|gamma| <= 2) are carried forward (``dy = sigma'(z) dz``,
``d_ij y = sigma''(z) d_i z d_j z + sigma'(z) d_ij z``) and ``D^beta g, D^beta h`` backward by the same
Leibniz/chain rules. The Hadamard sums are accumulated in row tiles (the two Gram tiles stay in cache;
for X = Y only tiles on/right of the diagonal). Cost per layer about ``M^2 N^2 (n_in + n_out)`` flops
(M = 1 for the output NTK, 3 for ``-u''``, 4 for the 2D Laplacian) against ``2 N^2 N_p`` for ``J J^T``;
memory O(N^2 + N n), never ``N x N_p``.
Cross-checked against the torch.func recipe of ``rankscope.matrices.ntk_recipe``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from rankscope.matrices.ntk_layer_pieces import Index, Pieces, _below, _binom, _layer_pieces, _sub
from rankscope.nets.activations import Cos, Sin
from rankscope.operators.differential import DifferentialOperator

__all__ = ["layerwise_supported", "layerwise_theta", "mlp_layers"]

TILE_BYTES = 2**21  # bytes of each Gram tile buffer (two of them; about the L2 cache)
_ELEMENTWISE = (nn.Tanh, nn.Sigmoid, nn.Softplus, nn.ReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Identity, Cos, Sin)


def mlp_layers(model: nn.Module) -> list[tuple[torch.Tensor, torch.Tensor | None, nn.Module]] | None:
    """``[(W_k, b_k, sigma_k)]`` (the head last, with ``nn.Identity``) if ``model`` is a supported MLP."""
    from rankscope.nets.mlp import MLP

    layers: list[tuple[torch.Tensor, torch.Tensor | None, nn.Module]] = []
    if isinstance(model, MLP):
        if getattr(model, "residual", False) or any(layer.residual for layer in model.layers):
            return None
        for layer in model.layers:
            if not isinstance(layer.act, _ELEMENTWISE):
                return None
            layers.append((layer.linear.weight, layer.linear.bias, layer.act))  # type: ignore[union-attr,arg-type]
        layers.append((model.head.weight, model.head.bias, nn.Identity()))
    elif isinstance(model, nn.Sequential):
        pending: nn.Linear | None = None
        for module in model:
            if isinstance(module, nn.Linear):
                if pending is not None:
                    layers.append((pending.weight, pending.bias, nn.Identity()))
                pending = module
            elif isinstance(module, _ELEMENTWISE) and pending is not None:
                layers.append((pending.weight, pending.bias, module))
                pending = None
            else:
                return None
        if pending is None:
            return None
        layers.append((pending.weight, pending.bias, nn.Identity()))
    else:
        return None
    if layers[-1][0].shape[0] != 1 or not isinstance(layers[-1][2], nn.Identity):
        return None
    return layers


def layerwise_supported(model: nn.Module) -> bool:
    """Whether :func:`layerwise_theta` handles ``model`` (plain MLP / Linear-activation Sequential)."""
    return mlp_layers(model) is not None


def _groups(
    op: DifferentialOperator, coeffs: torch.Tensor, g: Pieces, a: Pieces
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``[(P_m, Q_m)]`` with ``d(L u)/d[W, b] = sum_m P_m Q_m^T`` row by row (module docstring)."""
    # symbolic table: (beta, gamma) -> {term index: binomial}
    table: dict[tuple[Index, Index], dict[int, int]] = {}
    for t, term in enumerate(op.terms):
        for beta in _below(term.alpha):
            gamma = _sub(term.alpha, beta)
            if g[beta] is None or a[gamma] is None:
                continue
            table.setdefault((beta, gamma), {})[t] = _binom(term.alpha, beta)

    def build(by_beta: bool) -> list[tuple[torch.Tensor, torch.Tensor]]:
        rows: dict[Index, dict[Index, tuple[tuple[int, int], ...]]] = {}
        for (beta, gamma), ts in table.items():
            key, other = (beta, gamma) if by_beta else (gamma, beta)
            rows.setdefault(key, {})[other] = tuple(sorted(ts.items()))
        merged: dict[tuple[Any, ...], list[Index]] = {}
        for key, row in rows.items():
            merged.setdefault(tuple(sorted(row.items())), []).append(key)
        out = []
        for signature, keys in merged.items():
            plain = sum(((g if by_beta else a)[k] for k in keys[1:]), (g if by_beta else a)[keys[0]])  # type: ignore[type-var]
            mixed = None
            for other, ts in signature:
                c = sum(coeffs[t] * m for t, m in ts)
                piece = (a if by_beta else g)[other] * c[:, None]
                mixed = piece if mixed is None else mixed + piece
            out.append((plain, mixed) if by_beta else (mixed, plain))
        return out  # type: ignore[return-value]

    by_beta, by_gamma = build(True), build(False)
    return by_beta if len(by_beta) <= len(by_gamma) else by_gamma


def layerwise_theta(
    model64: nn.Module, blocks: list[tuple[DifferentialOperator, torch.Tensor]]
) -> torch.Tensor:
    """``Theta = J J^T`` for stacked residual blocks ``[(operator, points), ...]``, layer by layer.

    Same contract as ``rankscope.matrices.ntk_recipe.recipe_theta`` (float64 model, float64 points); J is
    never formed. Raises ValueError if the model is not a supported MLP.
    """
    layers = mlp_layers(model64)
    if layers is None:
        raise ValueError(f"model must be a plain MLP for the layerwise NTK; got {type(model64).__name__}")
    with torch.no_grad():
        layers = [(W.detach(), None if b is None else b.detach(), act) for W, b, act in layers]
        per_block = []
        for op, x in blocks:
            indices = sorted({beta for t in op.terms for beta in _below(t.alpha)})
            coeffs = op.coefficients(x)
            pieces = _layer_pieces(layers, x, indices)
            per_block.append([_groups(op, coeffs, g, a) for g, a in pieces])
        sizes = [x.shape[0] for _, x in blocks]
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        theta = torch.zeros(sum(sizes), sum(sizes), dtype=torch.float64, device=blocks[0][1].device)
        for i in range(len(blocks)):
            for j in range(i, len(blocks)):
                rows = slice(starts[i], starts[i] + sizes[i])
                cols = slice(starts[j], starts[j] + sizes[j])
                target = theta[rows, cols]
                _accumulate(target, per_block[i], per_block[j], symmetric=i == j)
                if i != j:
                    theta[cols, rows] = target.T
    return theta


def _accumulate(
    target: torch.Tensor,
    left: list[list[tuple[torch.Tensor, torch.Tensor]]],
    right: list[list[tuple[torch.Tensor, torch.Tensor]]],
    *,
    symmetric: bool,
    tile: int | None = None,
) -> None:
    """``target += sum_layers sum_(m, m') (P_m P'_m'^T) o (Q_m Q'_m'^T)``, in row tiles.

    The two Gram tiles of each Hadamard product live only in a cache-sized buffer (``tile`` rows,
    default about ``TILE_BYTES``), so no N x N temporary is written. When X = Y (``symmetric``) only
    the tiles on and right of the diagonal are computed and the rest is filled by transposition.
    """
    n_rows, n_cols = target.shape
    tile = tile or max(32, TILE_BYTES // (8 * n_cols))
    gram_buf = torch.empty(tile * n_cols, dtype=target.dtype, device=target.device)
    act_buf = torch.empty(tile * n_cols, dtype=target.dtype, device=target.device)
    for i0 in range(0, n_rows, tile):
        rows = slice(i0, min(i0 + tile, n_rows))
        j0 = i0 if symmetric else 0
        cols = slice(j0, n_cols)
        n_r, n_c = rows.stop - i0, n_cols - j0
        out = target[rows, cols]
        gram = gram_buf[: n_r * n_c].view(n_r, n_c)
        act = act_buf[: n_r * n_c].view(n_r, n_c)
        for lg, rg in zip(left, right, strict=True):
            for p, q in lg:
                for p2, q2 in rg:
                    torch.mm(p[rows], p2[cols].T, out=gram)
                    torch.mm(q[rows], q2[cols].T, out=act)
                    out.addcmul_(gram, act)
        if symmetric and rows.stop < n_cols:
            target[rows.stop :, rows] = target[rows, rows.stop :].T
