"""linalg.structured.relu1d_mass: the O(n) mass operator vs the dense closed-form matrix and a
manufactured solution, every sign pattern, and the same-sign solve at large n."""

import warnings

import numpy as np

from rankscope.linalg.structured.relu1d_mass import ReluMassSolver1D
from rankscope.linalg.structured.residuals import relative_residual
from rankscope.matrices.relu import mass_matrix
from rankscope.nets.shallow_relu import uniform_breakpoints_1d

DOM = (-0.5, 1.5)


def test_mass_matvec_matches_dense(relu1d_net, relu1d_dom):
    net = relu1d_net
    c = np.random.default_rng(1).standard_normal(net.n)
    a = mass_matrix(net, relu1d_dom)
    ac = ReluMassSolver1D(net, relu1d_dom).matvec(c)
    assert np.all(np.abs(ac - a @ c) <= 1e-13 * (np.abs(a) @ np.abs(c)))


def test_mass_solve_is_backward_stable_with_a_manufactured_solution(
    relu1d_net, relu1d_dom, assert_backward_stable
):
    """See ``assert_backward_stable`` (conftest): the theorems, not a dense factorisation."""
    net = relu1d_net
    assert_backward_stable(mass_matrix(net, relu1d_dom), ReluMassSolver1D(net, relu1d_dom), net.n)


def test_same_sign_large_n_residual():
    net = uniform_breakpoints_1d(200_000)
    op = ReluMassSolver1D(net)
    c = np.random.default_rng(0).standard_normal(net.n)
    f = op.matvec(c)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = op.solve(f)
    assert op.last_residual < 1e-11
    assert relative_residual(op, x, f) < 1e-11
