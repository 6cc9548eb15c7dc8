import numpy as np
import pytest
import torch

from rankscope.matrices.ad_fd_comparison import compare_ad_fd, proposition2_bound
from rankscope.matrices.random_features import sample_features, system_matrix_ad, system_matrix_fd
from rankscope.operators.constant_coefficient import second_derivative
from rankscope.operators.fd_grids import fd_grid
from rankscope.operators.stencils import stencil_matrix


def test_compare_ad_fd_reads_propositions_1_and_2():
    feats = sample_features(40, seed=0)
    grid = fd_grid((-1.0,), (1.0,), 40)
    a_ad = system_matrix_ad(feats, grid.points(), second_derivative())
    a_fd = system_matrix_fd(feats, grid, "uxx")
    c = compare_ad_fd(a_ad, a_fd)
    assert c.top_rel_gap <= grid.h**2
    assert c.shared >= 5
    assert c.tail_log10_ratio > 0
    assert c.lambda_max_ad == pytest.approx(float(torch.linalg.svdvals(a_ad)[0]) ** 2, rel=1e-12)


def test_proposition2_bound_holds_and_warns_when_m_differs_from_n():
    rng = np.random.default_rng(0)
    a0 = rng.standard_normal((8, 8))
    c = stencil_matrix("uxx", (8,), 0.25, boundary="truncate")
    lhs, rhs = proposition2_bound(a0, c)
    assert lhs >= rhs * (1 - 1e-12) and rhs > 0
    with pytest.warns(UserWarning, match="assumes M = N .* N = 8 points and M = 5 features"):
        proposition2_bound(a0[:, :5], c)
