"""Tests of rankscope.linalg.matrix_free against dense eigvalsh on operators of known spectrum."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import LinearOperator

from rankscope.linalg.matrix_free import MatrixFreeCount, count_above, eps_rank_matrix_free, top_eigenvalues
from rankscope.linalg.measures import eps_rank

T = 1e-6  # threshold used throughout (the paper's eps, papers/000 Def. 2.5)


def _rotate(lam: np.ndarray, seed: int, n_reflectors: int = 3) -> np.ndarray:
    """H_3 H_2 H_1 diag(lam) H_1 H_2 H_3 with random Householder reflectors: spectrum = lam, O(n^2)."""
    rng = np.random.default_rng(seed)
    a = np.diag(lam)
    for _ in range(n_reflectors):
        v = rng.standard_normal(lam.size)
        v /= np.linalg.norm(v)
        av = a @ v
        a = a - 2.0 * np.outer(v, av) - 2.0 * np.outer(av, v) + 4.0 * (v @ av) * np.outer(v, v)
    return 0.5 * (a + a.T)


def _spectrum(n: int, count: int, seed: int, t: float = T) -> np.ndarray:
    """count eigenvalues log-uniform in [10^0.5 t, 1], the rest in [1e-14, 10^-0.5 t]: descending."""
    rng = np.random.default_rng(seed)
    above = 10.0 ** rng.uniform(np.log10(t) + 0.5, 0.0, count)
    below = 10.0 ** rng.uniform(-14.0, np.log10(t) - 0.5, n - count)
    return np.sort(np.r_[above, below])[::-1]


@functools.cache
def _case(n: int, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(matrix, constructed spectrum, dense eigvalsh spectrum), both descending."""
    lam = _spectrum(n, count, seed)
    a = _rotate(lam, seed + 1)
    a.flags.writeable = False
    dense = np.linalg.eigvalsh(a)[::-1]
    return a, lam, dense


def _assert_matches_dense(res: MatrixFreeCount, lam: np.ndarray, dense: np.ndarray) -> None:
    count = int(np.sum(dense > T))
    assert count == int(np.sum(lam > T))  # the dense reference sees the constructed count
    assert res.count == count
    assert res.converged
    assert res.threshold == T
    k = res.eigenvalues.size
    assert count <= k <= count + 1
    assert np.all(np.diff(res.eigenvalues) <= 0)
    # eigenvalues above the threshold: 1e-8 relative; the one below it: to LAPACK's round-off
    np.testing.assert_allclose(res.eigenvalues[:count], dense[:count], rtol=1e-8, atol=0)
    np.testing.assert_allclose(res.eigenvalues, dense[:k], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(res.eigenvalues[:count], lam[:count], rtol=1e-8, atol=0)


@pytest.mark.parametrize(
    ("n", "count", "method"),
    [
        (500, 0, "subspace"),
        (500, 0, "lanczos"),
        (500, 45, "subspace"),
        (500, 45, "lanczos"),
        (2000, 31, "subspace"),
        (2000, 31, "lanczos"),
        (2000, 90, "subspace"),
    ],
)
def test_count_above_matches_dense(n, count, method):
    a, lam, dense = _case(n, count)
    res = count_above(a, T, method=method)
    _assert_matches_dense(res, lam, dense)
    assert res.method == method
    assert 0 < res.n_matvecs < 10 * n


def test_count_above_n4000_default_method_matches_dense():
    a, lam, dense = _case(4000, 120, seed=3)
    res = count_above(a, T)
    _assert_matches_dense(res, lam, dense)
    assert res.method == "subspace"
    assert res.n_matvecs < 1500  # far fewer operator applications than n


@pytest.mark.parametrize("method", ["subspace", "lanczos"])
def test_top_eigenvalues_match_eigvalsh(method):
    a, _, dense = _case(2000, 31)
    top = top_eigenvalues(a, 20, method=method)
    assert top.shape == (20,)
    np.testing.assert_allclose(top, dense[:20], rtol=1e-8, atol=0)


@pytest.mark.parametrize("method", ["subspace", "lanczos"])
def test_callable_matvec_input_and_matvec_count(method):
    a, lam, dense = _case(500, 45)
    calls = []

    def matvec(x):
        calls.append(1)
        return a @ x

    res = count_above(matvec, T, method=method, n=500)
    _assert_matches_dense(res, lam, dense)
    assert res.n_matvecs == len(calls)


def test_torch_tensor_and_linear_operator_inputs():
    a, lam, dense = _case(500, 45)
    res_t = count_above(torch.from_numpy(a.copy()).to(torch.float32), T)
    assert res_t.count == 45  # float32 storage: eigenvalues moved by ~1e-7 |A|, none near T
    op = LinearOperator(shape=a.shape, matvec=lambda x: a @ x, matmat=lambda x: a @ x, dtype=float)
    _assert_matches_dense(count_above(op, T), lam, dense)


def test_exact_low_rank_factored_operator():
    # U diag(l) U^T with an (n - r)-dimensional null space: the Krylov space becomes invariant
    # and must be continued with random directions
    n, r = 1000, 120
    rng = np.random.default_rng(11)
    u, _ = np.linalg.qr(rng.standard_normal((n, r)))
    lam = np.logspace(0.05, -9.05, r)
    op = LinearOperator(
        shape=(n, n),
        matvec=lambda x: u @ (lam * (u.T @ x)),
        matmat=lambda x: u @ (lam[:, None] * (u.T @ x)),
        dtype=float,
    )
    dense = np.linalg.eigvalsh((u * lam) @ u.T)[::-1]
    for method in ("subspace", "lanczos"):
        res = count_above(op, T, method=method)
        assert res.count == int(np.sum(lam > T)) == int(np.sum(dense > T))
        np.testing.assert_allclose(res.eigenvalues[: res.count], dense[: res.count], rtol=1e-8)


@pytest.mark.parametrize("k0", [1, 8, 32, 64])
def test_subspace_finds_every_copy_of_repeated_eigenvalues(k0):
    # eigenvalue 1 with multiplicity 50 > k0: a block Krylov space only reaches as many dimensions
    # of an eigenspace as it has random start vectors, so the block must widen with the count
    lam = np.r_[np.ones(50), np.full(20, 1e-3), np.full(330, 1e-9)]
    res = count_above(_rotate(lam, seed=3), T, method="subspace", k0=k0)
    assert res.count == 70
    np.testing.assert_allclose(res.eigenvalues[:70], lam[:70], rtol=1e-10)


def test_small_operator_falls_back_to_dense():
    lam = np.array([3.0, 1e-2, 1e-5, 1e-8, 0.0])
    res = count_above(_rotate(lam, seed=0), T)
    assert (res.count, res.method, res.converged) == (3, "dense", True)
    np.testing.assert_allclose(res.eigenvalues, lam[:4], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(top_eigenvalues(_rotate(lam, 0), 5), lam, rtol=1e-9, atol=1e-14)


def test_count_above_many_eigenvalues_falls_back_to_dense():
    lam = np.r_[np.logspace(0, -4, 150), np.full(50, 1e-9)]  # 150 of 200 above T > n / 2
    res = count_above(_rotate(lam, seed=5), T, k0=4)
    assert (res.count, res.method) == (150, "dense")


def test_eps_rank_matrix_free_equals_dense_eps_rank():
    a, _, _ = _case(500, 45)
    assert eps_rank_matrix_free(a) == eps_rank(a) == 45
    assert eps_rank_matrix_free(a, eps=1e-2, method="lanczos") == eps_rank(a, eps=1e-2)


def test_non_convergence_is_reported():
    a, _, _ = _case(2000, 90)
    res = count_above(a, T, maxiter=1)
    assert not res.converged
    assert res.count <= 90  # Ritz values are lower bounds: never an over-count
    with pytest.raises(RuntimeError, match="did not converge"):
        top_eigenvalues(a, 60, maxiter=1)


def test_float32_operator_needs_a_tolerance_above_its_accuracy():
    # threshold 1e-3: the eigenvalues are >= 10^0.5 away from it, far more than tol = 1e-5 |A|
    lam = _spectrum(200, 30, seed=9, t=1e-3)
    a32 = _rotate(lam, seed=9).astype(np.float32)

    def matvec(x):
        return a32 @ x.astype(np.float32)

    # residuals cannot go below ~1e-7 |A|: stagnation is detected instead of iterating forever
    stuck = count_above(matvec, 1e-3, n=200, tol=1e-12, k0=8)
    assert not stuck.converged
    assert stuck.n_matvecs < 10_000
    res = count_above(matvec, 1e-3, n=200, tol=1e-5, k0=8)
    assert res.converged
    assert res.count == 30
    np.testing.assert_allclose(res.eigenvalues[:30], lam[:30], rtol=1e-4)


def test_result_is_frozen_and_read_only():
    res = count_above(np.diag([1.0, 1e-3, 1e-9, 0.0, 0.0, 0.0]), T)
    with pytest.raises(ValueError, match="read-only"):
        res.eigenvalues[0] = 2.0
    with pytest.raises(AttributeError):
        res.count = 3  # type: ignore[misc]


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(20, 160),
    frac=st.floats(0.0, 0.45),
    seed=st.integers(0, 2**31 - 1),
    k0=st.sampled_from([1, 4, 32]),
    method=st.sampled_from(["subspace", "lanczos"]),
)
def test_count_above_property_matches_construction(n, frac, seed, k0, method):
    count = int(frac * n)
    lam = _spectrum(n, count, seed)
    res = count_above(_rotate(lam, seed), T, method=method, k0=k0, seed=seed % 1000)
    assert res.count == count


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "err", "match"),
    [
        (lambda: top_eigenvalues(np.eye(4), 5), ValueError, "k must be <= n = 4; got k = 5"),
        (lambda: top_eigenvalues(np.eye(4), 0), ValueError, "k must be a positive integer"),
        (
            lambda: top_eigenvalues(np.eye(4), 2, method="qr"),
            ValueError,
            r"method must be one of \['lanczos', 'subspace'\]; got 'qr'",
        ),
        (lambda: top_eigenvalues(np.eye(4), 2, tol=0.0), ValueError, "tol must be > 0"),
        (
            lambda: top_eigenvalues(np.eye(4), 2, tol=-1.0),
            ValueError,
            "tol must be a finite real number >= 0",
        ),
        (lambda: top_eigenvalues(np.eye(4), 2, seed=1.5), TypeError, "seed must be an integer"),
        (lambda: top_eigenvalues(np.eye(4), 2, maxiter=0), ValueError, "maxiter must be a positive integer"),
        (
            lambda: count_above(np.eye(4), float("nan")),
            ValueError,
            "threshold must be a finite real number; got nan",
        ),
        (lambda: count_above(np.eye(4), "1e-6"), TypeError, "threshold must be a finite real number"),
        (lambda: count_above(np.eye(4), 1e-6, k0=0), ValueError, "k0 must be a positive integer"),
        (
            lambda: eps_rank_matrix_free(np.eye(4), eps=-1.0),
            ValueError,
            r"eps must be a finite real number >= 0; got -1.0",
        ),
    ],
)
def test_bad_input_raises_naming_the_argument(call, err, match):
    with pytest.raises(err, match=match):
        call()
