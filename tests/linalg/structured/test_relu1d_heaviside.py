"""linalg.structured.relu1d_heaviside: the O(n) Heaviside operator vs the dense closed-form matrix and a
manufactured solution, its tridiagonal inverse, and mixed signs at large n."""

import warnings

import numpy as np
import pytest

from rankscope.linalg.structured.relu1d_heaviside import ReluHeavisideSolver1D
from rankscope.linalg.structured.residuals import a_norm, relative_residual
from rankscope.matrices.relu import heaviside_matrix
from rankscope.nets.shallow_relu import ShallowReLU, random_breakpoints_1d, uniform_breakpoints_1d

DOM = (-0.5, 1.5)


def _scaled(net, seed=0):
    s = np.random.default_rng(seed).uniform(0.5, 2.0, net.n)
    return ShallowReLU(net.weights * s[:, None], net.biases * s)


CASES = [
    ("uniform", "same"),
    ("uniform", "negative"),
    ("uniform", "mixed"),
    ("random", "same"),
    ("random", "negative"),
    ("random", "mixed"),
]


def _net(kind, signs, n=200):
    base = (
        uniform_breakpoints_1d(n, DOM, signs=signs)
        if kind == "uniform"
        else random_breakpoints_1d(n, 5, DOM, signs)
    )
    return _scaled(base)


@pytest.mark.parametrize(("kind", "signs"), CASES)
def test_heaviside_matvec_matches_dense(kind, signs):
    net = _net(kind, signs)
    c = np.random.default_rng(1).standard_normal(net.n)
    h = heaviside_matrix(net, DOM)
    hc = ReluHeavisideSolver1D(net, DOM).matvec(c)
    assert np.all(np.abs(hc - h @ c) <= 1e-13 * (np.abs(h) @ np.abs(c)))


@pytest.mark.parametrize(("kind", "signs"), CASES)
def test_heaviside_solve_is_backward_stable_with_a_manufactured_solution(kind, signs):
    """Backward stability and the forward error it implies, against a manufactured solution.

    No dense factorisation is the reference: the random-breakpoint mass matrix has cond ~ 1e17, so
    Cholesky may fail on it with one BLAS kernel and not another. The criteria are the theorems:
    a backward-stable solve has normwise backward error O(u) (here at most 8 sqrt(n) u), and then
    its energy-norm error is at most ~ n u sqrt(cond(A)) ||c||_A, with cond(A) from the symmetric
    eigendecomposition (the smallest eigenvalue floored at n u lambda_max: round-off may make it
    zero or negative).
    """
    net = _net(kind, signs)
    h = heaviside_matrix(net, DOM)
    c = np.random.default_rng(2).standard_normal(net.n)
    u = np.finfo(np.float64).eps / 2
    mat, op = h, ReluHeavisideSolver1D(net, DOM)
    f = mat @ c
    x = op.solve(f)
    lam = np.linalg.eigvalsh(mat)
    lam_max = lam[-1]
    cond = lam_max / max(lam[0], net.n * u * lam_max)
    backward = np.linalg.norm(f - mat @ x) / (lam_max * np.linalg.norm(x) + np.linalg.norm(f))
    assert backward <= 8 * np.sqrt(net.n) * u, backward
    err_a = np.sqrt(abs((x - c) @ mat @ (x - c)))
    assert err_a <= net.n * u * np.sqrt(cond) * np.sqrt(c @ f), (err_a, cond)


def test_heaviside_inverse_tridiagonal_same_sign():
    net = random_breakpoints_1d(30, 2)
    op = ReluHeavisideSolver1D(net)
    order = np.argsort(net.breakpoints())
    inv = np.stack([op.solve(e) for e in np.eye(30)], axis=1)[np.ix_(order, order)]
    off = np.triu(inv, 2)
    assert np.abs(off).max() <= 1e-9 * np.abs(inv).max()


def test_heaviside_mixed_large_n_residual():
    """Heaviside, mixed signs, n = 2e5 (one multiplier by Newton, compensated matvec): accurate."""
    net = random_breakpoints_1d(200_000, 5, signs="mixed")
    op = ReluHeavisideSolver1D(net)
    c = np.random.default_rng(0).standard_normal(net.n)
    f = op.matvec(c)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = op.solve(f)
    assert op.last_residual < 1e-14  # the one-shot Schur-complement solve: 2.5e-14
    assert relative_residual(op, x, f) < 1e-14
    assert a_norm(op, x - c) < 1e-10 * a_norm(op, c)  # one-shot: 4.5e-9
