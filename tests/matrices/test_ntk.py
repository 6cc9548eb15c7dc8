"""Tests of the residual NTK (paper 002 Lemma 3.1, eq. (14)): layerwise vs torch.func recipe vs a
brute-force per-sample autograd Jacobian, the paper's block scalings, spectra and input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from rankscope.matrices.ntk import ResidualNTK, output_ntk, recipe_theta, residual_ntk
from rankscope.matrices.ntk_layerwise import layerwise_supported
from rankscope.nets import MLP, ResidualMLP
from rankscope.operators.differential import (
    DifferentialOperator,
    Term,
    divergence_form,
    identity,
    negative_laplacian,
)

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


def _brute_jacobian(model: nn.Module, op: DifferentialOperator, x: torch.Tensor) -> torch.Tensor:
    """J row by row with plain torch.autograd (independent of torch.func): d(L u)(x_i)/d theta."""
    m = _copy64(model)
    params = list(m.parameters())
    coeffs = op.coefficients(x)
    rows = []
    for i in range(x.shape[0]):
        p = x[i : i + 1].clone().requires_grad_(True)
        u = m(p).reshape(())
        (grad,) = torch.autograd.grad(u, p, create_graph=True)
        total = torch.zeros((), dtype=torch.float64)
        for t, term in enumerate(op.terms):
            axes = [a for a, k in enumerate(term.alpha) for _ in range(k)]
            if not axes:
                d = u
            elif len(axes) == 1:
                d = grad[0, axes[0]]
            else:
                d = torch.autograd.grad(grad[0, axes[0]], p, create_graph=True)[0][0, axes[1]]
            total = total + coeffs[t, i] * d
        gs = torch.autograd.grad(total, params, allow_unused=True)
        rows.append(
            torch.cat(
                [
                    (torch.zeros_like(q) if g is None else g).reshape(-1)
                    for q, g in zip(params, gs, strict=True)
                ]
            )
        )
    return torch.stack(rows)


def _copy64(model: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(model).to(torch.float64)


def test_recipe_matches_brute_force_and_paper_scalings() -> None:
    model = MLP(1, 6, 2, seed=3)
    op = OPS_1D["eq16"]
    x, s, lam = _pts(9, 1, 0), torch.tensor([[-1.0], [1.0]], dtype=torch.float64), 2.5
    ntk = residual_ntk(model, op, x, s, lam=lam, method="recipe")
    ju, jb = _brute_jacobian(model, op, x).numpy(), _brute_jacobian(model, identity(1), s).numpy()
    nc, nb = 9, 2
    assert _rel(ntk.K_uu, ju @ ju.T / nc) < RTOL
    assert _rel(ntk.K_ub, lam / nb * ju @ jb.T) < RTOL
    assert _rel(ntk.K_bb, lam / nb * jb @ jb.T) < RTOL
    # eq. (14): K_bu = (N_b / lam) (1 / N_c) K_ub^T
    assert _rel(ntk.K_bu, (nb / lam) * (1 / nc) * ntk.K_ub.T) < RTOL
    assert ntk.K.dtype == np.float64 and ntk.K.shape == (11, 11)
    assert (ntk.n_interior, ntk.n_boundary, ntk.lam) == (9, 2, lam)


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


def test_output_ntk_all_methods_agree_and_match_identity_block() -> None:
    model = MLP(2, 15, 4, seed=2)
    x = _pts(90, 2, 5)
    k_lw, k_rc = output_ntk(model, x, method="layerwise"), output_ntk(model, x, method="recipe")
    assert k_lw.shape == (90, 90) and k_lw.dtype == np.float64
    assert _rel(k_lw, k_rc) < RTOL
    jac = _brute_jacobian(model, identity(2), x[:10]).numpy()
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


def test_chunked_recipe_equals_one_shot() -> None:
    model = _copy64(MLP(1, 8, 2, seed=5))
    blocks = [(negative_laplacian(1), _pts(20, 1, 7)), (identity(1), _pts(3, 1, 8))]
    full = recipe_theta(model, blocks).numpy()
    chunked = recipe_theta(model, blocks, memory_budget=23 * 8 * 9).numpy()  # ~one parameter tensor a group
    assert _rel(chunked, full) < RTOL


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


def test_spectrum_and_norms() -> None:
    model = MLP(1, 10, 2, seed=6)
    ntk = residual_ntk(model, OPS_1D["eq16"], _pts(40, 1, 10), torch.tensor([[-1.0], [1.0]]), lam=5.0)
    eig = ntk.eigenvalues()
    direct = np.sort(np.linalg.eigvals(ntk.K).real)[::-1]
    assert np.all(np.diff(eig) <= 0)
    np.testing.assert_allclose(eig, direct, rtol=0, atol=1e-9 * eig[0])
    np.testing.assert_allclose(ntk.top_eigenvalues(3), eig[:3], rtol=1e-9)
    assert ntk.frobenius("uu") == pytest.approx(float(np.linalg.norm(ntk.K[:40, :40])), rel=1e-14)
    assert ntk.frobenius("bu") == pytest.approx(float(np.linalg.norm(ntk.K[40:, :40])), rel=1e-14)
    assert ntk.frobenius() == pytest.approx(float(np.linalg.norm(ntk.K)), rel=1e-14)
    with pytest.raises(ValueError, match="block must be one of"):
        ntk.frobenius("ab")


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


def test_result_is_frozen() -> None:
    ntk = ResidualNTK(np.eye(2), 1, 1, 1.0)
    with pytest.raises(AttributeError):
        ntk.lam = 2.0  # type: ignore[misc]
    np.testing.assert_allclose(ntk.scaling(), [1.0, 1.0])
