"""A factor's inverse as a CG preconditioner: any object with ``n`` and ``solve`` is wrapped."""

import numpy as np

from rankscope.linalg.structured.hss import hss_cholesky
from rankscope.linalg.structured.hss_preconditioner import HSSPreconditioner
from rankscope.linalg.structured.pcg import pcg


class _Diagonal:
    """The factor of ``diag(d)``: solve divides by ``d``."""

    def __init__(self, d):
        self.d = np.asarray(d, dtype=np.float64)

    @property
    def n(self) -> int:
        return self.d.size

    def solve(self, b):
        return b / (self.d if b.ndim == 1 else self.d[:, None])


def test_wraps_any_factor_with_a_size_and_a_solve():
    m = HSSPreconditioner(_Diagonal([2.0, 4.0, 8.0]))
    assert m.shape == (3, 3) and m.dtype == np.float64
    np.testing.assert_allclose(m @ np.array([2.0, 4.0, 8.0]), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(
        m.matmat(np.array([[2.0, 0.0], [4.0, 4.0], [8.0, 16.0]])), [[1, 0], [1, 1], [1, 2]]
    )
    np.testing.assert_allclose(m.H @ np.ones(3), [0.5, 0.25, 0.125])  # symmetric: its own adjoint


def test_an_exact_factor_makes_cg_converge_at_once():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((40, 24))
    a = x.T @ x + np.eye(24)
    b = a @ rng.standard_normal(24)
    res = pcg(a, b, HSSPreconditioner(hss_cholesky(a, tol=0.0, leaf_size=6, root_size=6)), tol=1e-12)
    assert res.converged and res.iterations <= 2
