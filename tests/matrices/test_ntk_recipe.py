"""The torch.func recipe of the residual NTK against a brute-force per-sample autograd Jacobian, with
the paper's block scalings (paper 002 Lemma 3.1, eq. (14)), and its chunking to a memory budget."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from rankscope.matrices.ntk import residual_ntk
from rankscope.matrices.ntk_recipe import recipe_theta
from rankscope.nets import MLP
from rankscope.operators.standard_operators import divergence_form, identity, negative_laplacian

RTOL = 1e-10


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def _pts(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1


def _a_eps(p: torch.Tensor) -> torch.Tensor:  # paper 002 Sec. 4: a(x/eps) = 1 / (2.1 + 2 sin(2 pi x / eps))
    return 1.0 / (2.1 + 2.0 * torch.sin(2 * math.pi * p[:, 0] / 0.1))


def _copy64(model: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(model).to(torch.float64)


def test_recipe_matches_brute_force_and_paper_scalings(brute_jacobian) -> None:
    model = MLP(1, 6, 2, seed=3)
    op = divergence_form(_a_eps)  # eq. (16)
    x, s, lam = _pts(9, 1, 0), torch.tensor([[-1.0], [1.0]], dtype=torch.float64), 2.5
    ntk = residual_ntk(model, op, x, s, lam=lam, method="recipe")
    ju, jb = brute_jacobian(model, op, x).numpy(), brute_jacobian(model, identity(1), s).numpy()
    nc, nb = 9, 2
    assert _rel(ntk.K_uu, ju @ ju.T / nc) < RTOL
    assert _rel(ntk.K_ub, lam / nb * ju @ jb.T) < RTOL
    assert _rel(ntk.K_bb, lam / nb * jb @ jb.T) < RTOL
    # eq. (14): K_bu = (N_b / lam) (1 / N_c) K_ub^T
    assert _rel(ntk.K_bu, (nb / lam) * (1 / nc) * ntk.K_ub.T) < RTOL
    assert ntk.K.dtype == np.float64 and ntk.K.shape == (11, 11)
    assert (ntk.n_interior, ntk.n_boundary, ntk.lam) == (9, 2, lam)


def test_chunked_recipe_equals_one_shot() -> None:
    model = _copy64(MLP(1, 8, 2, seed=5))
    blocks = [(negative_laplacian(1), _pts(20, 1, 7)), (identity(1), _pts(3, 1, 8))]
    full = recipe_theta(model, blocks).numpy()
    chunked = recipe_theta(model, blocks, memory_budget=23 * 8 * 9).numpy()  # ~one parameter tensor a group
    assert _rel(chunked, full) < RTOL
