"""rankscope.linalg.structured.hodlr_aca: ACA on blocks of known rank."""

import numpy as np

from rankscope.linalg.structured import aca


def _kernel(points, fn):
    def entries(rows, cols):
        return fn(points[rows][:, None] - points[cols][None, :])

    return entries


def test_aca_recovers_an_exactly_rank_one_block():
    x = np.sort(np.random.default_rng(0).random(300))
    ent = _kernel(x, lambda d: np.exp(-np.abs(d)))
    rows, cols = np.arange(150), np.arange(150, 300)
    u, v = aca(ent, rows, cols, 1e-14)
    assert u.shape[1] == 1  # exp(-(y - x)) = exp(-y) exp(x) for x < y
    assert np.abs(u @ v.T - ent(rows, cols)).max() <= 1e-14


def test_aca_meets_its_tolerance_on_a_numerically_low_rank_block():
    x = np.linspace(0, 1, 400)
    ent = _kernel(x, lambda d: np.exp(-4 * d**2))
    rows, cols = np.arange(200), np.arange(200, 400)
    for tol in (1e-6, 1e-10):
        u, v = aca(ent, rows, cols, tol)
        err = np.linalg.norm(u @ v.T - ent(rows, cols), 2)
        assert err <= 10 * tol
        sv = np.linalg.svd(ent(rows, cols), compute_uv=False)
        assert u.shape[1] <= int(np.sum(sv > tol / 10)) + 2  # not much above the numerical rank


def test_aca_of_a_zero_block_has_rank_zero():
    u, v = aca(lambda r, c: np.zeros((r.size, c.size)), np.arange(5), np.arange(5, 9), 1e-12)
    assert u.shape == (5, 0) and v.shape == (4, 0)


def test_sampled_check_restarts_a_block_acas_first_rows_miss():
    # the block is zero except for a lone bump in rows ACA does not visit from row 0's pivot
    m = 200

    def ent(rows, cols):
        out = np.zeros((rows.size, cols.size))
        out[(rows[:, None] >= 150) & (cols[None, :] >= 350)] = 1.0
        out[(rows[:, None] < 10) & (cols[None, :] < 210)] += 1e-3
        return out

    u, v = aca(ent, np.arange(m), np.arange(200, 400), 1e-12, samples=400)
    full = ent(np.arange(m), np.arange(200, 400))
    assert np.abs(u @ v.T - full).max() <= 1e-10
