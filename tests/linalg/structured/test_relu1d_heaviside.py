"""linalg.structured.relu1d_heaviside: the O(n) Heaviside operator vs the dense closed-form matrix and a
manufactured solution, its tridiagonal inverse, and mixed signs at large n."""

import warnings

import numpy as np

from rankscope.linalg.structured.relu1d_heaviside import ReluHeavisideSolver1D
from rankscope.linalg.structured.residuals import a_norm, relative_residual
from rankscope.matrices.relu import heaviside_matrix
from rankscope.nets.shallow_relu import random_breakpoints_1d

DOM = (-0.5, 1.5)


def test_heaviside_matvec_matches_dense(relu1d_net, relu1d_dom):
    net = relu1d_net
    c = np.random.default_rng(1).standard_normal(net.n)
    h = heaviside_matrix(net, relu1d_dom)
    hc = ReluHeavisideSolver1D(net, relu1d_dom).matvec(c)
    assert np.all(np.abs(hc - h @ c) <= 1e-13 * (np.abs(h) @ np.abs(c)))


def test_heaviside_solve_is_backward_stable_with_a_manufactured_solution(
    relu1d_net, relu1d_dom, assert_backward_stable
):
    """See ``assert_backward_stable`` (conftest): the theorems, not a dense factorisation."""
    net = relu1d_net
    assert_backward_stable(heaviside_matrix(net, relu1d_dom), ReluHeavisideSolver1D(net, relu1d_dom), net.n)


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
