import itertools

import numpy as np
import pytest

from rankscope.linalg.structured.hss import hss_cholesky
from rankscope.linalg.structured.hss_preconditioner import HSSPreconditioner
from rankscope.linalg.structured.ordering import hyperplane_ordering
from rankscope.linalg.structured.pcg import jacobi, pcg
from rankscope.linalg.structured.residuals import backward_error
from rankscope.nets.shallow_relu import random_neurons
from rankscope.sampling import Box, gauss_legendre


def mass_2d(n: int, q: int, seed: int = 0):
    """2D ReLU mass matrix ``Phi^T diag(w) Phi`` by tensor Gauss-Legendre quadrature on [0,1]^2."""
    net = random_neurons(n, 2, seed=seed)
    quad = gauss_legendre(Box.cube(0.0, 1.0, 2), q)
    phi = net.features(quad.points)
    a = (phi * quad.weights[:, None]).T @ phi
    return 0.5 * (a + a.T), net


N, Q = 192, 40


@pytest.fixture(scope="module")
def problem():
    a, net = mass_2d(N, Q)
    return a, hyperplane_ordering(net.weights, net.biases)


@pytest.mark.parametrize("criterion", ["onesided", "scaled"])
@pytest.mark.parametrize("tol", [0.5, 1e-1, 1e-2])
def test_factor_is_spd_at_loose_tolerances(problem, tol, criterion):
    a, perm = problem
    # the two-sided cosines decay slowly: cap the rank so that it compresses at every tol
    rank = 12 if criterion == "scaled" else None
    f = hss_cholesky(a, perm, tol, rank, leaf_size=24, root_size=24, criterion=criterion)
    assert sum(f.levels[0].ranks) < N  # it really compressed
    at = f.to_dense()
    assert np.allclose(at, at.T, atol=1e-12 * np.abs(at).max())
    assert np.linalg.eigvalsh(at).min() > 0
    np.linalg.cholesky(at)
    # solve is the inverse of the approximant
    b = np.random.default_rng(0).standard_normal(N)
    assert np.linalg.norm(at @ f.solve(b) - b) <= 1e-6 * np.linalg.norm(b)


def test_leaf_diagonal_blocks_are_kept_exactly(problem):
    a, perm = problem
    f = hss_cholesky(a, perm, 1e-1, leaf_size=24, root_size=24)
    at = f.to_dense()[np.ix_(perm, perm)]
    ap = a[np.ix_(perm, perm)]
    starts = f.levels[0].starts
    for lo, hi in itertools.pairwise(starts):
        assert np.allclose(at[lo:hi, lo:hi], ap[lo:hi, lo:hi], rtol=1e-9, atol=1e-12 * np.abs(a).max())
    assert not np.allclose(at, ap, rtol=1e-6)  # but the off-diagonal part was compressed


def test_preconditioned_eigenvalues_cluster_as_tolerance_shrinks(problem):
    a, perm = problem
    spreads, ranks = [], []
    for tol in (1e-1, 1e-3, 1e-5, 1e-9):
        f = hss_cholesky(a, perm, tol, leaf_size=24, root_size=24)
        lam = np.linalg.eigvals(f.solve(a)).real
        assert lam.min() > 0
        spreads.append(float(np.max(np.abs(np.log(lam)))))
        ranks.append(f.max_rank)
    assert all(s1 >= s2 for s1, s2 in itertools.pairwise(spreads)), spreads
    assert spreads[-1] < 1e-2 < spreads[0], spreads
    assert ranks == sorted(ranks)


def test_exact_at_zero_tolerance(problem):
    a, perm = problem
    f = hss_cholesky(a, perm, 0.0, leaf_size=24, root_size=24)
    c = np.random.default_rng(1).standard_normal(N)
    b = a @ c
    assert backward_error(a, f.solve(b), b, ord=2) < 1e-12


def test_hss_pcg_reaches_backward_error_and_beats_jacobi(problem):
    a, perm = problem
    b = a @ np.random.default_rng(2).standard_normal(N)
    m = HSSPreconditioner(hss_cholesky(a, perm, 1e-4, leaf_size=24, root_size=24))
    res = pcg(a, b, m, tol=1e-10, maxiter=2000)
    assert res.converged
    assert backward_error(a, res.x, b, ord=2) <= 1e-10
    ref = pcg(a, b, jacobi(a), tol=1e-10, maxiter=2000)
    assert res.iterations < ref.iterations
    assert m.matmat(np.stack([b, b], axis=1)).shape == (N, 2)


def test_nbytes_and_ranks_reported(problem):
    a, perm = problem
    f = hss_cholesky(a, perm, 1e-2, leaf_size=24, root_size=24)
    assert f.nbytes > 0 and len(f.level_ranks) == len(f.levels) >= 2


def test_errors_name_the_argument():
    a = np.eye(4)
    with pytest.raises(ValueError, match="a must be square"):
        hss_cholesky(np.ones((3, 4)))
    with pytest.raises(ValueError, match="a must be symmetric"):
        hss_cholesky(np.triu(np.ones((4, 4))))
    with pytest.raises(ValueError, match="ordering must be a permutation"):
        hss_cholesky(a, np.array([0, 0, 1, 2]))
    with pytest.raises(ValueError, match="criterion must be one of"):
        hss_cholesky(a, criterion="svd")
    with pytest.raises(ValueError, match="tol must be"):
        hss_cholesky(a, tol=-1.0)
    with pytest.raises(np.linalg.LinAlgError, match="not SPD"):
        hss_cholesky(-np.eye(4), leaf_size=2, root_size=1)
