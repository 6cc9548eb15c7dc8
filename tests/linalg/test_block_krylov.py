"""The randomized block Krylov kernel (rankscope.linalg.block_krylov) on operators of known spectrum.

The public entry points that use it (``method="subspace"``) are tested against dense eigvalsh in
test_matrix_free.py; these tests call the kernel and its pieces directly.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import aslinearoperator

from rankscope.linalg.block_krylov import (
    SUBSPACE_MAXITER,
    _largest_cluster,
    _orth_against,
    subspace_eigenvalues,
)
from rankscope.linalg.psd_operator import CountedOperator


def _counted(diag: np.ndarray) -> CountedOperator:
    return CountedOperator(aslinearoperator(np.diag(diag)))


def test_top_eigenvalues_of_a_graded_diagonal_converge_to_machine_precision():
    lam = np.logspace(0, -12, 400)
    a = _counted(lam)
    vals, converged = subspace_eigenvalues(a, 10, 1e-12, 0, SUBSPACE_MAXITER)
    assert converged and vals.size >= 10
    assert np.all(np.diff(vals) <= 0)
    np.testing.assert_allclose(vals[:10], lam[:10], rtol=1e-12)
    assert 0 < a.count < 400  # fewer applications than forming the operator


def test_with_a_threshold_the_block_widens_to_the_count_above_it():
    lam = np.r_[np.logspace(0, -3, 20), np.full(380, 1e-9)]
    vals, converged = subspace_eigenvalues(_counted(lam), 4, 1e-12, 0, SUBSPACE_MAXITER, threshold=1e-6)
    assert converged and int(np.sum(vals > 1e-6)) == 20  # k = 4 only sized the start block


def test_more_than_half_the_spectrum_above_the_threshold_is_left_to_the_dense_path():
    vals, converged = subspace_eigenvalues(
        _counted(np.ones(100)), 4, 1e-12, 0, SUBSPACE_MAXITER, threshold=1e-6
    )
    assert vals is None and not converged


def test_orth_against_gives_an_orthonormal_complement_and_drops_dependent_columns():
    rng = np.random.default_rng(0)
    v, _ = np.linalg.qr(rng.standard_normal((50, 3)))
    w = rng.standard_normal((50, 4))
    w = np.hstack([w, 2.0 * w[:, :1], v[:, :1]])  # a repeated direction and one inside span(v)
    u = _orth_against(w, v)
    assert u.shape == (50, 4)
    np.testing.assert_allclose(u.T @ u, np.eye(4), atol=1e-13)
    np.testing.assert_allclose(v.T @ u, 0.0, atol=1e-13)


def test_largest_cluster_counts_the_longest_run_of_equal_values():
    assert _largest_cluster(np.array([3.0, 2.0, 2.0, 2.0, 1.0]), 3.0) == 3
    assert _largest_cluster(np.array([3.0, 2.0, 1.0]), 3.0) == 1
    assert _largest_cluster(np.zeros(0), 1.0) == 0
