"""The HSS Cholesky factor ``A~ = F F^T``: its solve, factor and dense forms agree; sizes and memory."""

import itertools

import numpy as np

from rankscope.linalg.structured.hss import hss_cholesky


def _factor():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 40))
    a = x.T @ x + np.eye(40)
    return hss_cholesky(a, rng.permutation(40), tol=1e-1, leaf_size=8, root_size=8)


def test_solve_factor_apply_and_to_dense_agree():
    f = _factor()
    at = f.to_dense()
    big_f = f.factor_apply(np.eye(40))
    np.testing.assert_allclose(big_f @ big_f.T, at, rtol=1e-12, atol=1e-12)
    z = np.random.default_rng(1).standard_normal((40, 3))
    np.testing.assert_allclose(at @ f.solve(z), z, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f.solve(z[:, 1]), f.solve(z)[:, 1], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(f.factor_apply(z[:, 1]), f.factor_apply(z)[:, 1], rtol=1e-13, atol=1e-13)


def test_levels_report_blocks_ranks_and_memory():
    f = _factor()
    assert f.n == 40 and f.levels[0].size == 40 and len(f.levels[0].factors) == 8  # leaves of 5
    assert f.level_ranks == [max(lv.ranks) for lv in f.levels]
    assert f.max_rank == max(f.level_ranks)
    for lv in f.levels:
        for (lo, hi), r, u, g in zip(
            itertools.pairwise(lv.starts), lv.ranks, lv.bases, lv.transforms, strict=True
        ):
            assert 0 <= r <= hi - lo and u.shape == (hi - lo, hi - lo) and g.shape == (hi - lo, hi - lo)
            np.testing.assert_allclose(u.T @ u, np.eye(hi - lo), atol=1e-12)  # orthogonal bases
    stored = sum(a.nbytes for lv in f.levels for a in (*lv.factors, *lv.bases, *lv.transforms))
    assert f.nbytes == stored + f.root.nbytes + f.perm.nbytes
