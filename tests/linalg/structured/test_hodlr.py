"""rankscope.linalg.structured.hodlr: ACA from entries, the HODLR matvec and the Woodbury solve.

Test matrices with known structure: a smooth kernel (exp(-|x-y|) on sorted points: off-diagonal
blocks of rank 1 exactly -- a semiseparable matrix) and a Gaussian kernel plus a diagonal (numerically
low rank off the diagonal, SPD).
"""

import numpy as np
import pytest

from rankscope.linalg.structured import HODLR, hodlr_from_entries


def _kernel(points, fn, diag=0.0):
    def entries(rows, cols):
        out = fn(points[rows][:, None] - points[cols][None, :])
        if diag:
            out = out + diag * (rows[:, None] == cols[None, :])
        return out

    return entries


@pytest.mark.parametrize("n,leaf", [(300, 32), (257, 40), (64, 100)])
def test_matvec_and_solve_against_dense(n, leaf):
    rng = np.random.default_rng(n)
    x = rng.random(n)
    perm = np.argsort(x)  # the cluster tree needs nearby points together
    ent = _kernel(x, lambda d: np.exp(-4 * d**2), diag=0.1)
    dense = ent(np.arange(n), np.arange(n))
    h = hodlr_from_entries(ent, n, perm=perm, tol=1e-12, leaf_size=leaf)
    assert isinstance(h, HODLR)
    v = rng.standard_normal(n)
    assert np.allclose(h @ v, dense @ v, rtol=0, atol=1e-9 * np.linalg.norm(dense @ v))
    h.factor(shift=0.0)
    b = rng.standard_normal(n)
    assert np.allclose(h.solve(b), np.linalg.solve(dense, b), rtol=1e-8, atol=1e-8)
    shifted = h.factor(shift=0.5).solve(b)
    assert np.allclose(shifted, np.linalg.solve(dense + 0.5 * np.eye(n), b), rtol=1e-8, atol=1e-9)
    m = h.as_preconditioner()
    assert np.allclose(m @ b, shifted)
    if n > leaf:
        assert h.level_ranks and max(h.level_ranks) < n // 2
        assert h.nbytes < dense.nbytes or n <= 2 * leaf


def test_compression_is_cheaper_than_the_dense_matrix():
    n = 1024
    x = np.sort(np.random.default_rng(3).random(n))
    calls = {"entries": 0}
    base = _kernel(x, lambda d: np.exp(-np.abs(d)))

    def ent(r, c):
        calls["entries"] += r.size * c.size
        return base(r, c)

    h = hodlr_from_entries(ent, n, tol=1e-12, leaf_size=64)
    assert h.level_ranks == [1] * len(h.level_ranks)
    assert calls["entries"] < n * n / 4  # never near the n^2 entries of the dense matrix
    assert h.nbytes < 8 * n * n / 4


def test_bad_input_names_the_argument():
    ent = _kernel(np.arange(4.0), np.cos)
    with pytest.raises(ValueError, match="perm must be a permutation"):
        hodlr_from_entries(ent, 4, perm=np.array([0, 0, 1, 2]))
    with pytest.raises(ValueError, match="leaf_size"):
        hodlr_from_entries(ent, 4, leaf_size=0)
    with pytest.raises(RuntimeError, match="factor"):
        hodlr_from_entries(ent, 4, leaf_size=2).solve(np.ones(4))
