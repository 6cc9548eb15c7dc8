"""linalg.structured.relu1d_common: what both 1D solvers share: order invariance, validation, merging
near-duplicate breakpoints and the accuracy warnings of ``solve``."""

import warnings

import numpy as np
import pytest

from rankscope.linalg.structured.relu1d_mass import ReluMassSolver1D
from rankscope.linalg.structured.residuals import a_norm, backward_error, relative_residual
from rankscope.matrices.relu import mass_matrix
from rankscope.nets.shallow_relu import ShallowReLU, random_breakpoints_1d, uniform_breakpoints_1d


def test_order_invariance_and_helpers():
    net = random_breakpoints_1d(300, 7, signs="same")
    perm = np.random.default_rng(0).permutation(300)
    op, op_p = ReluMassSolver1D(net), ReluMassSolver1D(net.subset(perm))
    f = np.random.default_rng(1).standard_normal(300)
    np.testing.assert_allclose(
        op_p.solve(f[perm]), op.solve(f)[perm], rtol=1e-6, atol=1e-6 * np.abs(op.solve(f)).max()
    )
    x = op.solve(f)
    assert backward_error(op, x, f, ord=np.inf) < 1e-14
    assert relative_residual(op, x, f) == pytest.approx(op.last_residual, rel=1e-6)
    assert a_norm(op, np.ones(300)) == pytest.approx(
        np.sqrt(np.ones(300) @ mass_matrix(net, (0, 1)) @ np.ones(300))
    )


def test_bad_input():
    with pytest.raises(ValueError, match=r"zero weights at neurons \[1\]"):
        ReluMassSolver1D(ShallowReLU(np.array([1.0, 0.0]), np.array([-0.5, 1.0])))
    with pytest.raises(ValueError, match=r"neurons \[0\] have breakpoints at or outside the domain"):
        ReluMassSolver1D(ShallowReLU(np.array([1.0, 1.0]), np.array([0.5, -0.5])))
    with pytest.raises(ValueError, match=r"coincident breakpoints .* opposite signs"):
        ReluMassSolver1D(ShallowReLU(np.array([1.0, -1.0]), np.array([-0.5, 0.5])))
    with pytest.raises(ValueError, match="merge_tol must be > 0"):
        ReluMassSolver1D(uniform_breakpoints_1d(4), merge_tol=0.0)
    with pytest.raises(ValueError, match="merge_tol must be a finite real number >= 0"):
        ReluMassSolver1D(uniform_breakpoints_1d(4), merge_tol=-1.0)
    with pytest.raises(ValueError, match="refine must be an integer"):
        ReluMassSolver1D(uniform_breakpoints_1d(4), refine=-1)
    with pytest.raises(ValueError, match="f must be finite"):
        ReluMassSolver1D(uniform_breakpoints_1d(4)).solve(np.array([1.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="NaN or Inf weights"):
        ShallowReLU(np.array([np.nan]), np.array([0.0]))


def test_near_duplicates_merged_with_warning():
    t = np.array([0.2, 0.5, 0.5 + 1e-15, 0.8])
    net = ShallowReLU(np.ones(4), -t)
    with pytest.warns(RuntimeWarning, match=r"neurons \[1, 2\] have near-duplicate breakpoints"):
        op = ReluMassSolver1D(net)
    assert op.m == 3
    merged = ShallowReLU(np.ones(3), -np.array([0.2, 0.5, 0.8]))
    f = mass_matrix(merged, (0, 1)) @ np.array([1.0, 2.0, -1.0])
    f4 = np.array([f[0], f[1], f[1], f[2]])
    c = op.solve(f4)
    np.testing.assert_allclose(c, [1.0, 1.0, 1.0, -1.0], rtol=1e-9)  # minimum-norm split of 2


def test_inaccurate_solve_warns():
    op = ReluMassSolver1D(uniform_breakpoints_1d(50, signs="mixed"), warn_backward_error=1e-30)
    with pytest.warns(RuntimeWarning, match="backward error"):
        op.solve(np.ones(50))


def test_large_residual_warns_even_when_the_backward_error_is_tiny():
    # the warning compares the relative residual with warn_residual: a limit below what any solve
    # reaches must trigger it, and a sane one must not
    net = uniform_breakpoints_1d(200, signs="mixed")
    f = np.ones(200)
    with pytest.warns(RuntimeWarning, match=r"relative residual \S+ \(limit warn_residual=1e-30\)"):
        ReluMassSolver1D(net, warn_residual=1e-30).solve(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ReluMassSolver1D(net).solve(f)
    with pytest.raises(ValueError, match="warn_residual must be > 0"):
        ReluMassSolver1D(net, warn_residual=0.0)
