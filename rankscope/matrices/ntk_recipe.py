"""``Theta = J J^T`` of residual blocks by the ``torch.func`` recipe, within a memory budget.

The recipe (paper 002, Lemma 3.1: ``Theta = J J^T``; any ``nn.Module``): per-sample ``jacrev`` of
the residual ``sum_k c_k(x) D^alpha_k u(x; theta)`` over the parameters under ``vmap``, concatenated
into J, then ``J J^T``. J takes ``N x N_p`` floats; when that exceeds ``memory_budget`` bytes
(8 GiB by default) it is formed one group of parameter tensors at a time
(``Theta = sum_g J_g J_g^T``, each group recomputes the derivatives), and ``vmap`` runs in chunks of
rows that bound its temporaries. The reference for :mod:`rankscope.matrices.ntk_layerwise`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from rankscope.matrices.ntk_rows import parameter_groups
from rankscope.operators.differential import DifferentialOperator
from rankscope.operators.pointwise_derivatives import point_derivatives

__all__ = ["recipe_theta"]

DEFAULT_MEMORY_BUDGET = 8 * 1024**3  # bytes of J the recipe may hold at once
_VMAP_BUDGET = 1024**3  # bytes of vmap(jacrev(...)) temporaries per chunk of rows
_INTERMEDIATE_COPIES = 8  # rough count of (rows x P) temporaries inside vmap(jacrev(...))


def _residual_fn(
    model64: nn.Module, op: DifferentialOperator
) -> Callable[[dict[str, torch.Tensor], dict[str, torch.Tensor], torch.Tensor, torch.Tensor], torch.Tensor]:
    """``(params, frozen, x (d,), c (n_terms,)) -> sum_k c_k D^alpha_k u(x; params)`` for one point."""
    buffers = dict(model64.named_buffers())
    alphas = [t.alpha for t in op.terms]

    def residual(
        params: dict[str, torch.Tensor], frozen: dict[str, torch.Tensor], x: torch.Tensor, c: torch.Tensor
    ) -> torch.Tensor:
        def u(p: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = functional_call(model64, {**frozen, **params, **buffers}, (p[None, :],))
            return out.reshape(())

        return (c * point_derivatives(u, alphas)(x)).sum()

    return residual


def _recipe_jacobian(
    model64: nn.Module,
    op: DifferentialOperator,
    x: torch.Tensor,
    names: list[str],
    params: dict[str, torch.Tensor],
    budget: int,
) -> torch.Tensor:
    """Rows ``d (L u)(x_i) / d theta_g`` for the parameters ``names``: shape ``(N, P_g)``."""
    residual = _residual_fn(model64, op)
    mine = {n: params[n] for n in names}
    frozen = {n: p for n, p in params.items() if n not in mine}
    coeffs = op.coefficients(x).T.contiguous()  # (N, n_terms)
    n_params = sum(p.numel() for p in mine.values())
    # vmap's intermediates hold a few (rows x P_g) tensors: map in chunks of rows that keep them bounded
    rows = max(1, min(budget, _VMAP_BUDGET) // (_INTERMEDIATE_COPIES * 8 * n_params))
    chunk = None if rows >= x.shape[0] else rows
    per_sample = vmap(jacrev(residual, argnums=0), in_dims=(None, None, 0, 0), chunk_size=chunk)
    jac = per_sample(mine, frozen, x, coeffs)
    return torch.cat([jac[n].reshape(x.shape[0], -1) for n in names], dim=1)


def recipe_theta(
    model64: nn.Module,
    blocks: list[tuple[DifferentialOperator, torch.Tensor]],
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> torch.Tensor:
    """``Theta = J J^T`` with ``J = [J_1; J_2; ...]``, ``J_k`` the residual Jacobian of ``blocks[k]``.

    ``blocks`` pairs an operator with its points. J is formed per group of parameter tensors so that a
    group's rows take at most ``memory_budget`` bytes (one group when it all fits).
    """
    params = {n: p.detach() for n, p in model64.named_parameters()}
    n_rows = sum(x.shape[0] for _, x in blocks)
    theta = torch.zeros(n_rows, n_rows, dtype=torch.float64, device=blocks[0][1].device)
    names_all = list(params)
    sizes = [p.numel() for p in params.values()]
    for group in parameter_groups(sizes, n_rows, 8, memory_budget):
        names = [names_all[i] for i in group]
        jac = torch.cat([_recipe_jacobian(model64, op, x, names, params, memory_budget) for op, x in blocks])
        theta.addmm_(jac, jac.T)
        del jac
    return theta
