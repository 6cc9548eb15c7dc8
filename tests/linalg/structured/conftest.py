"""Shared set-up of the 1D ReLU solver tests: the neuron layouts of every sign pattern, and the
backward-stability criterion both solvers (mass and Heaviside) are held to."""

import numpy as np
import pytest

from rankscope.nets.shallow_relu import ShallowReLU, random_breakpoints_1d, uniform_breakpoints_1d

DOM = (-0.5, 1.5)
CASES = [(kind, signs) for kind in ("uniform", "random") for signs in ("same", "negative", "mixed")]


def _scaled(net, seed=0):
    s = np.random.default_rng(seed).uniform(0.5, 2.0, net.n)
    return ShallowReLU(net.weights * s[:, None], net.biases * s)


def _net(kind, signs, n=200):
    base = (
        uniform_breakpoints_1d(n, DOM, signs=signs)
        if kind == "uniform"
        else random_breakpoints_1d(n, 5, DOM, signs)
    )
    return _scaled(base)


@pytest.fixture
def relu1d_dom():
    return DOM


@pytest.fixture(params=CASES, ids=[f"{k}-{s}" for k, s in CASES])
def relu1d_net(request):
    """200 scaled neurons on DOM: uniform or random breakpoints, each sign pattern."""
    return _net(*request.param)


@pytest.fixture
def assert_backward_stable():
    """Backward stability and the forward error it implies, against a manufactured solution.

    No dense factorisation is the reference: the random-breakpoint mass matrix has cond ~ 1e17, so
    Cholesky may fail on it with one BLAS kernel and not another. The criteria are the theorems:
    a backward-stable solve has normwise backward error O(u) (here at most 8 sqrt(n) u), and then
    its energy-norm error is at most ~ n u sqrt(cond(A)) ||c||_A, with cond(A) from the symmetric
    eigendecomposition (the smallest eigenvalue floored at n u lambda_max: round-off may make it
    zero or negative).
    """

    def check(mat, op, n):
        c = np.random.default_rng(2).standard_normal(n)
        u = np.finfo(np.float64).eps / 2
        f = mat @ c
        x = op.solve(f)
        lam = np.linalg.eigvalsh(mat)
        lam_max = lam[-1]
        cond = lam_max / max(lam[0], n * u * lam_max)
        backward = np.linalg.norm(f - mat @ x) / (lam_max * np.linalg.norm(x) + np.linalg.norm(f))
        assert backward <= 8 * np.sqrt(n) * u, backward
        err_a = np.sqrt(abs((x - c) @ mat @ (x - c)))
        assert err_a <= n * u * np.sqrt(cond) * np.sqrt(c @ f), (err_a, cond)

    return check
