"""The factored nested-basis HSS approximant: solve inverts the dense form in the original order."""

import numpy as np

from rankscope.linalg.structured.hss_nested import hss_nested
from rankscope.linalg.structured.hss_nested_factor import NestedHSSPreconditioner


def _factored():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((50, 40))
    return hss_nested(x.T @ x, rng.permutation(40), tol=1e-6, sketch=40, leaf_size=8, shift=0.1)


def test_solve_inverts_to_dense_and_the_tree_is_reported():
    h = _factored()
    dense = h.to_dense()
    np.testing.assert_allclose(dense, dense.T, atol=1e-10)
    b = np.random.default_rng(4).standard_normal((40, 2))
    np.testing.assert_allclose(dense @ h.solve(b), b, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(h.solve(b[:, 1]), h.solve(b)[:, 1], rtol=1e-13, atol=1e-13)
    assert h.n == 40 and h.max_rank == max(h.level_ranks) and h.ext_size > 40 and h.nbytes > 0
    assert (h.tol, h.shift) == (1e-6, 0.1)


def test_preconditioner_applies_the_factored_inverse():
    h = _factored()
    m = NestedHSSPreconditioner(h)
    v = np.random.default_rng(5).standard_normal((40, 2))
    assert m.shape == (40, 40)
    np.testing.assert_allclose(m @ v[:, 0], h.solve(v[:, 0]))
    np.testing.assert_allclose(m.matmat(v), h.solve(v))
