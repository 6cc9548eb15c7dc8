"""Partial ranks (paper 004 eq. (5), numerical rank eq. (4)): against the ranks of the matrices, Thm 2 on
linear networks, and the paper code's coarser rank rule."""

import itertools

import numpy as np
import torch
from torch import nn

from rankscope.linalg import numerical_rank, singular_spectrum
from rankscope.matrices.jacobian import partial_jacobians
from rankscope.matrices.jacobian_ranks import RankRule, partial_ranks
from rankscope.matrices.patch import Patch
from rankscope.nets.resnet import resnet18


def test_ranks_match_numerical_rank_of_the_matrices_and_both_methods_agree():
    net = resnet18(num_classes=4, width=4, seed=5).eval()
    x = torch.randn(3, 16, 16, generator=torch.Generator().manual_seed(1))
    patch = Patch.central(x.shape, 4)
    res = partial_ranks(net, x, patch)
    rev = partial_ranks(net, x, patch, method="reverse")
    mats = partial_jacobians(net, x, patch)
    assert res.layers == tuple(net.rank_layer_names())
    assert res.ranks == rev.ranks
    assert res.ranks == tuple(numerical_rank(singular_spectrum(m)) for m in mats.values())
    for spec, m in zip(res.spectra, mats.values(), strict=True):
        ref = singular_spectrum(m).values
        np.testing.assert_allclose(spec.values, ref, rtol=1e-6, atol=1e-6 * ref[0])
    assert res.n_columns == 48 and res.out_dims[-1] == 32


def test_rank_never_increases_through_a_composition_on_random_linear_nets():
    """Thm 2 exactly: for a linear network of rank-deficient layers, Rank(J_k) = rank of the product."""
    gen = torch.Generator().manual_seed(3)
    for trial in range(5):
        widths = [10, 9, 12, 7, 11, 6]
        layers = []
        for a, b in itertools.pairwise(widths):
            r = int(torch.randint(2, min(a, b) + 1, (1,), generator=gen))
            w = torch.randn(b, r, generator=gen, dtype=torch.float64) @ torch.randn(
                r, a, generator=gen, dtype=torch.float64
            )
            lin = nn.Linear(a, b, bias=False).double()
            with torch.no_grad():  # spectral norm 1: tanh' stays O(1), round-off stays far below eps
                lin.weight.copy_(w / torch.linalg.matrix_norm(w, 2))
            layers += [lin, nn.Tanh()]
        net = nn.Sequential(*layers)
        x = torch.randn(10, generator=gen, dtype=torch.float64)
        res = partial_ranks(net, x, "all", [str(i) for i in range(len(layers))], eps=1e-6)
        assert all(b <= a for a, b in itertools.pairwise(res.ranks)), (trial, res.ranks)
        # the exact rank of the product of the weight matrices bounds every linear layer's rank
        prod = torch.eye(10, dtype=torch.float64)
        for i in range(0, len(layers), 2):
            prod = layers[i].weight @ prod
            assert res.ranks[i] <= torch.linalg.matrix_rank(prod).item()


def test_paper_code_rank_rule_is_the_coarser_sqrt_threshold():
    sig = torch.tensor([1.0, 0.5, 2e-2, 5e-3, 1e-4, 1e-7], dtype=torch.float64)
    u, _ = torch.linalg.qr(torch.randn(8, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    lin = nn.Linear(6, 8, bias=False).double()
    with torch.no_grad():
        lin.weight.copy_(u * sig)
    net = nn.Sequential(lin)
    x = torch.zeros(6, dtype=torch.float64)
    # eq. (4), eps = 1.19e-7 * 6 = 7.2e-7: counts 1, .5, 2e-2, 5e-3, 1e-4
    assert partial_ranks(net, x, "all", ["0"]).ranks == (5,)
    # paper's code: matrix_rank(J^T J) with tol 6 * eps(float64 J^T J) * lambda_max -> sqrt on J
    tol = (6 * torch.finfo(torch.float64).eps) ** 0.5
    expected = int((sig / sig[0] > tol).sum())
    got = partial_ranks(net, x, "all", ["0"], rank_rule=RankRule.JTJ_TORCH_DEFAULT).ranks
    assert got == (expected,)
    net32 = nn.Sequential(nn.Linear(6, 8, bias=False))
    with torch.no_grad():
        net32[0].weight.copy_(u * sig)
    got32 = partial_ranks(net32, x.float(), "all", ["0"], rank_rule="jtj_torch_default").ranks[0]
    assert got32 == int((sig / sig[0] > (6 * 1.19e-7) ** 0.5).sum()) == 4
