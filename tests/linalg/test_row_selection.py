"""Choosing P for Theorem 3.2 of paper 000 (rankscope.linalg.row_selection): Lemma 3.1's bound."""

import math

import numpy as np
import pytest
from scipy.stats import ortho_group

from rankscope.linalg.row_selection import select_rows


def _orthogonal(n, seed):
    return np.eye(1) if n == 1 else ortho_group.rvs(n, random_state=np.random.default_rng(seed))


@pytest.mark.parametrize("n,k", [(2, 1), (6, 1), (6, 3), (9, 4), (9, 8), (12, 6), (40, 15), (60, 55)])
@pytest.mark.parametrize("seed", range(4))
def test_lemma_3_1_bound_reached_by_pivoted_qr_and_maxvol(n, k, seed):
    basis = _orthogonal(n, seed)[:, :k]
    p = n - k
    guarantee = 1.0 / math.sqrt(p * k + min(p, k))  # Lemma 3.1 with the roles: k columns, p = n - k
    smin = {}
    for method in ("qr", "maxvol"):
        rows = select_rows(basis, method)
        assert rows.size == k and len(set(rows.tolist())) == k
        smin[method] = float(np.linalg.svd(basis[rows], compute_uv=False)[-1])
        assert smin[method] >= guarantee
        assert 1.0 / smin[method] ** 2 <= (p + 1) * k  # the form Theorem 3.2 uses
    # maxvol: every entry of basis @ inv(V22) is at most 1 in modulus (dominant submatrix)
    rows = select_rows(basis, "maxvol")
    assert np.abs(np.linalg.solve(basis[rows].T, basis.T)).max() <= 1.0 + 1e-10
    if math.comb(n, k) <= 5000:  # the brute-force optimum is at least as good, and meets the lemma
        best = select_rows(basis, "exhaustive")
        s_best = float(np.linalg.svd(basis[best], compute_uv=False)[-1])
        assert s_best >= max(smin.values()) * (1 - 1e-12)
        assert s_best >= guarantee


def test_select_rows_picks_the_largest_entry_for_one_column():
    basis = np.array([[0.1], [-0.7], [0.5], [0.5]])
    for method in ("qr", "maxvol", "exhaustive"):
        assert select_rows(basis / np.linalg.norm(basis), method).tolist() == [1]


def test_select_rows_rejects_bad_input():
    with pytest.raises(ValueError, match="at most as many columns as rows"):
        select_rows(np.ones((2, 3)))
    with pytest.raises(ValueError, match="would try binom"):
        select_rows(_orthogonal(40, 0)[:, :20], "exhaustive")
