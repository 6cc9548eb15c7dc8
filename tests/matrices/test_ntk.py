"""Tests of the residual and output NTK entry points (paper 002 Lemma 3.1, eq. (14)): the methods agree
with each other and a brute-force per-sample autograd Jacobian, the fallback to the recipe, and input
validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rankscope.matrices.ntk import output_ntk, residual_ntk
from rankscope.matrices.ntk_layerwise import layerwise_supported
from rankscope.nets import MLP, ResidualMLP
from rankscope.operators.standard_operators import identity, negative_laplacian

RTOL = 1e-10


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def _pts(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1


def _copy64(model: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(model).to(torch.float64)


def test_output_ntk_all_methods_agree_and_match_identity_block(brute_jacobian) -> None:
    model = MLP(2, 15, 4, seed=2)
    x = _pts(90, 2, 5)
    k_lw, k_rc = output_ntk(model, x, method="layerwise"), output_ntk(model, x, method="recipe")
    assert k_lw.shape == (90, 90) and k_lw.dtype == np.float64
    assert _rel(k_lw, k_rc) < RTOL
    jac = brute_jacobian(model, identity(2), x[:10]).numpy()
    assert _rel(output_ntk(model, x[:10]), jac @ jac.T) < RTOL
    res = residual_ntk(model, identity(2), x, lam=1.0)
    assert _rel(res.K_uu * 90, k_rc) < RTOL


def test_output_ntk_matches_nngeometry() -> None:
    pytest.importorskip("nngeometry")
    from nngeometry.gram import GramMatrix
    from nngeometry.layercollection import LayerCollection
    from nngeometry.object import FMatDense
    from torch.utils.data import DataLoader, TensorDataset

    model = _copy64(MLP(1, 10, 3, seed=4))
    x = _pts(30, 1, 6)
    loader = DataLoader(TensorDataset(x.clone()), batch_size=30)
    gram = GramMatrix(
        model, loader, representation=FMatDense, layer_collection=LayerCollection.from_model(model)
    )
    assert _rel(output_ntk(model, x), gram.data.reshape(30, 30).detach().numpy()) < RTOL


def test_auto_falls_back_to_recipe_for_unsupported_models() -> None:
    model = ResidualMLP(1, 6, 2, seed=0)
    assert not layerwise_supported(model)
    x = _pts(12, 1, 9)
    a = residual_ntk(model, negative_laplacian(1), x)
    b = residual_ntk(model, negative_laplacian(1), x, method="recipe")
    np.testing.assert_array_equal(a.K, b.K)
    with pytest.raises(ValueError, match="method='layerwise' needs"):
        residual_ntk(model, negative_laplacian(1), x, method="layerwise")


def test_model_is_not_mutated() -> None:
    model = MLP(1, 5, 2, seed=0)
    before = [p.detach().clone() for p in model.parameters()]
    residual_ntk(model, negative_laplacian(1), _pts(5, 1, 0))
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before, strict=True))


def test_bad_input() -> None:
    model, x = MLP(1, 4, 1), _pts(5, 1, 0)
    with pytest.raises(TypeError, match=r"operator must be a DifferentialOperator.*negative_laplacian"):
        residual_ntk(model, lambda u: u, x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"interior must have shape \(N, 1\)"):
        residual_ntk(model, negative_laplacian(1), _pts(5, 2, 0))
    with pytest.raises(ValueError, match=r"boundary must have shape \(N, 1\)"):
        residual_ntk(model, negative_laplacian(1), x, torch.zeros(2))
    with pytest.raises(ValueError, match="boundary must hold at least one point"):
        residual_ntk(model, negative_laplacian(1), x, torch.zeros(0, 1))
    with pytest.raises(ValueError, match="interior must hold at least one point"):
        residual_ntk(model, negative_laplacian(1), torch.zeros(0, 1))
    with pytest.raises(ValueError, match="scalar output per point"):
        residual_ntk(MLP(1, 4, 1, out_dim=2), negative_laplacian(1), x)
    with pytest.raises(ValueError, match="scalar output per point"):
        output_ntk(MLP(1, 4, 1, out_dim=3), x)
    for lam in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="lam must be a finite real number > 0"):
            residual_ntk(model, negative_laplacian(1), x, lam=lam)
    with pytest.raises(TypeError, match="lam must be a positive real number"):
        residual_ntk(model, negative_laplacian(1), x, lam="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method must be one of"):
        output_ntk(model, x, method="fast")
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        output_ntk(lambda p: p, x)  # type: ignore[arg-type]
