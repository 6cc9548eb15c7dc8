import numpy as np
import pytest
import scipy.sparse

from rankscope.linalg.structured.pcg import basis_change_preconditioner, hat_basis_1d, jacobi, pcg
from rankscope.linalg.structured.residuals import backward_error


def spd(n, cond, seed=0):
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (u * np.logspace(0, -np.log10(cond), n)) @ u.T


def test_pcg_matches_dense_solve_and_records_history():
    a = spd(40, 1e4)
    b = np.random.default_rng(1).standard_normal(40)
    res = pcg(a, b, tol=1e-13, maxiter=500)
    assert res.converged
    assert np.allclose(res.x, np.linalg.solve(a, b), rtol=1e-6)
    assert res.residual_norms.shape == res.backward_errors.shape == (res.iterations + 1,)
    assert res.backward_error <= 1e-13
    assert backward_error(a, res.x, b, ord=2) <= 1e-13  # the lower-bound norm makes the test conservative
    assert res.anorm <= np.linalg.norm(a, 2) * (1 + 1e-12)


def test_cg_terminates_in_number_of_distinct_eigenvalues():
    a = np.diag(np.repeat([1.0, 2.0, 5.0], 10))
    res = pcg(a, np.ones(30), tol=1e-14)
    assert res.iterations == 3


def test_jacobi_solves_a_diagonal_system_in_one_step():
    a = np.diag(np.linspace(1.0, 1e6, 50))
    assert pcg(a, np.ones(50), jacobi(a), tol=1e-14).iterations == 1
    assert pcg(a, np.ones(50), tol=1e-14, maxiter=5).iterations == 5  # unpreconditioned: many


def test_hat_basis_columns_are_hat_functions():
    t = np.sort(np.random.default_rng(0).uniform(0.0, 1.0, 7))
    x = np.linspace(0.0, 1.0, 501)
    relu = np.maximum(x[:, None] - t[None, :], 0.0)
    phi = relu @ hat_basis_1d(t).toarray()
    for j in range(5):  # hat centred at t_{j+1} on [t_j, t_{j+2}] (independent: np.interp)
        hat = np.interp(x, [t[j], t[j + 1], t[j + 2]], [0.0, 1.0, 0.0], left=0.0, right=0.0)
        assert np.allclose(phi[:, j], hat, atol=1e-12)
    ramp = np.interp(x, [t[5], t[6]], [0.0, 1.0], left=0.0, right=1.0)
    assert np.allclose(phi[:, 5], ramp, atol=1e-12)


def test_basis_change_pcg_equals_cg_in_the_new_basis():
    t = (np.arange(1, 41) - 0.5) / 40
    x, w = np.polynomial.legendre.leggauss(400)
    x, w = 0.5 * (x + 1), 0.5 * w
    phi = np.maximum(x[:, None] - t[None, :], 0.0)
    a = (phi * w[:, None]).T @ phi
    f = a @ np.ones(40)
    bmat = hat_basis_1d(t).toarray()
    d = np.diag(bmat.T @ a @ bmat)
    k = (bmat.T @ a @ bmat) / np.sqrt(np.outer(d, d))
    direct = pcg(k, (bmat.T @ f) / np.sqrt(d), tol=1e-30, maxiter=8)
    split = pcg(a, f, basis_change_preconditioner(hat_basis_1d(t), a), tol=1e-30, maxiter=8)
    assert np.allclose(bmat @ (direct.x / np.sqrt(d)), split.x, rtol=1e-6, atol=1e-8)
    plain = pcg(a, f, tol=1e-10, maxiter=5000)
    pre = pcg(a, f, basis_change_preconditioner(hat_basis_1d(t), a), tol=1e-10, maxiter=5000)
    assert pre.converged and pre.iterations < plain.iterations


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="b must have length 3"):
        pcg(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match="tol must be"):
        pcg(np.eye(3), np.ones(3), tol=-1.0)
    with pytest.raises(ValueError, match="positive diagonal"):
        jacobi(np.diag([1.0, 0.0]))
    with pytest.raises(ValueError, match="strictly increasing"):
        hat_basis_1d([0.0, 0.5, 0.2])
    with pytest.raises(ValueError, match="at least 3"):
        hat_basis_1d([0.0, 0.5])
    with pytest.raises(ValueError, match="square basis-change"):
        basis_change_preconditioner(scipy.sparse.eye(3, 4))
