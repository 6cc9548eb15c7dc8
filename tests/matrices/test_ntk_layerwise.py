"""The layerwise residual NTK against the torch.func recipe (paper 002 Lemma 3.1, eq. (14)): 1D and 2D
operators, activations, row tiles and Sequential models."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from rankscope.matrices.ntk import residual_ntk
from rankscope.matrices.ntk_layerwise import layerwise_supported
from rankscope.nets import MLP
from rankscope.operators.differential import DifferentialOperator, Term
from rankscope.operators.standard_operators import divergence_form, negative_laplacian

RTOL = 1e-10


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def _pts(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1


def _a_eps(p: torch.Tensor) -> torch.Tensor:  # paper 002 Sec. 4: a(x/eps) = 1 / (2.1 + 2 sin(2 pi x / eps))
    return 1.0 / (2.1 + 2.0 * torch.sin(2 * math.pi * p[:, 0] / 0.1))


OPS_1D = {
    "-u''": negative_laplacian(1),
    "first order": DifferentialOperator(1, (Term(2.0, (1,)),)),
    "eq16": divergence_form(_a_eps),
    "mixed variable": DifferentialOperator(
        1, (Term(lambda p: p[:, 0] ** 2, (2,)), Term(3.0, (1,)), Term(lambda p: torch.cos(p[:, 0]), (0,)))
    ),
}
OPS_2D = {
    "-Laplacian": negative_laplacian(2),
    "general": DifferentialOperator(
        2, (Term(1.0, (1, 1)), Term(lambda p: p[:, 0], (1, 0)), Term(-1.0, (0, 2)), Term(0.5, (0, 0)))
    ),
    "div form": divergence_form(lambda p: 1 + p[:, 0] * p[:, 1] ** 2, 2),
}


@pytest.mark.parametrize("name", list(OPS_1D))
def test_layerwise_matches_recipe_1d(name: str) -> None:
    model = MLP(1, 20, 3, seed=0)
    x, s = _pts(70, 1, 1), torch.tensor([[-1.0], [1.0]], dtype=torch.float64)
    a = residual_ntk(model, OPS_1D[name], x, s, lam=0.7, method="layerwise")
    b = residual_ntk(model, OPS_1D[name], x, s, lam=0.7, method="recipe")
    for block in ("K_uu", "K_ub", "K_bu", "K_bb"):
        assert _rel(getattr(a, block), getattr(b, block)) < RTOL, block


@pytest.mark.parametrize("name", list(OPS_2D))
@pytest.mark.parametrize("act", ["tanh", "sin", "gelu"])
def test_layerwise_matches_recipe_2d(name: str, act: str) -> None:
    model = MLP(2, 12, 3, act=act, seed=1, out_bias=True)
    x, s = _pts(150, 2, 2), _pts(11, 2, 3)  # 150 rows: several row tiles, the last one partial
    a = residual_ntk(model, OPS_2D[name], x, s, lam=3.0, method="layerwise")
    b = residual_ntk(model, OPS_2D[name], x, s, lam=3.0, method="recipe")
    assert _rel(a.K, b.K) < RTOL


def test_layerwise_row_tiles_partial_and_symmetric_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    from rankscope.matrices import ntk_layerwise

    model = MLP(1, 9, 2, seed=7)
    x, s = _pts(150, 1, 11), _pts(5, 1, 12)
    ref = residual_ntk(model, OPS_1D["mixed variable"], x, s, lam=2.0, method="recipe")
    monkeypatch.setattr(ntk_layerwise, "TILE_BYTES", 8 * 155 * 16)  # 16-row tiles, the last one partial
    tiled = residual_ntk(model, OPS_1D["mixed variable"], x, s, lam=2.0, method="layerwise")
    assert _rel(tiled.K, ref.K) < RTOL


def test_layerwise_sequential_with_consecutive_linears() -> None:
    torch.manual_seed(0)
    seq = nn.Sequential(
        nn.Linear(2, 10), nn.SiLU(), nn.Linear(10, 8), nn.Linear(8, 9), nn.Softplus(), nn.Linear(9, 1)
    )
    assert layerwise_supported(seq)
    x = _pts(40, 2, 4)
    a = residual_ntk(seq, OPS_2D["general"], x, method="layerwise")
    b = residual_ntk(seq, OPS_2D["general"], x, method="recipe")
    assert _rel(a.K, b.K) < RTOL and a.n_boundary == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("method", ["layerwise", "recipe"])
def test_residual_ntk_on_cuda_equals_the_cpu_one(method: str) -> None:
    net = MLP(1, 8, 2, act="tanh", seed=0)
    x = torch.linspace(-1, 1, 12, dtype=torch.float64)[:, None]
    xb = torch.tensor([[-1.0], [1.0]], dtype=torch.float64)
    cpu = residual_ntk(net, negative_laplacian(1), x, xb, method=method)
    gpu = residual_ntk(net.cuda(), negative_laplacian(1), x.cuda(), xb.cuda(), method=method)
    assert np.allclose(np.asarray(gpu.K), np.asarray(cpu.K), rtol=1e-10, atol=1e-12)
