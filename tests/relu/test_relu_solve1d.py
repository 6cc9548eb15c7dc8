"""rankscope.relu.solve1d: O(n) operators vs the dense closed-form matrices and dense Cholesky."""

import warnings

import numpy as np
import pytest
import scipy.linalg

from rankscope.relu.matrices import heaviside_matrix, mass_matrix
from rankscope.relu.neurons import ShallowReLU, random_breakpoints_1d, uniform_breakpoints_1d
from rankscope.relu.solve1d import (
    ReluHeavisideSolver1D,
    ReluMassSolver1D,
    a_norm,
    backward_error,
    relative_residual,
)

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
def test_matvec_matches_dense(kind, signs):
    net = _net(kind, signs)
    c = np.random.default_rng(1).standard_normal(net.n)
    a, h = mass_matrix(net, DOM), heaviside_matrix(net, DOM)
    ac = ReluMassSolver1D(net, DOM).matvec(c)
    assert np.all(np.abs(ac - a @ c) <= 1e-13 * (np.abs(a) @ np.abs(c)))
    hc = ReluHeavisideSolver1D(net, DOM).matvec(c)
    assert np.all(np.abs(hc - h @ c) <= 1e-13 * (np.abs(h) @ np.abs(c)))


@pytest.mark.parametrize(("kind", "signs"), CASES)
def test_solve_residual_like_dense_cholesky(kind, signs):
    net = _net(kind, signs)
    a, h = mass_matrix(net, DOM), heaviside_matrix(net, DOM)
    c = np.random.default_rng(2).standard_normal(net.n)
    for mat, op in ((a, ReluMassSolver1D(net, DOM)), (h, ReluHeavisideSolver1D(net, DOM))):
        f = mat @ c
        dense = scipy.linalg.cho_solve(scipy.linalg.cho_factor(mat), f)
        res_dense = np.linalg.norm(f - mat @ dense) / np.linalg.norm(f)
        x = op.solve(f)
        res = np.linalg.norm(f - mat @ x) / np.linalg.norm(f)
        assert res <= max(10 * res_dense, 1e-14)
        err_d = np.sqrt(abs((dense - c) @ mat @ (dense - c)))
        err = np.sqrt(abs((x - c) @ mat @ (x - c)))
        assert err <= 10 * err_d + 1e-13 * np.sqrt(c @ f)


def test_order_invariance_and_helpers():
    net = random_breakpoints_1d(300, 7, signs="same")
    perm = np.random.default_rng(0).permutation(300)
    op, op_p = ReluMassSolver1D(net), ReluMassSolver1D(net.subset(perm))
    f = np.random.default_rng(1).standard_normal(300)
    np.testing.assert_allclose(
        op_p.solve(f[perm]), op.solve(f)[perm], rtol=1e-6, atol=1e-6 * np.abs(op.solve(f)).max()
    )
    x = op.solve(f)
    assert backward_error(op, x, f) < 1e-14
    assert relative_residual(op, x, f) == pytest.approx(op.last_residual, rel=1e-6)
    assert a_norm(op, np.ones(300)) == pytest.approx(
        np.sqrt(np.ones(300) @ mass_matrix(net, (0, 1)) @ np.ones(300))
    )


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


def test_heaviside_inverse_tridiagonal_same_sign():
    net = random_breakpoints_1d(30, 2)
    op = ReluHeavisideSolver1D(net)
    order = np.argsort(net.breakpoints())
    inv = np.stack([op.solve(e) for e in np.eye(30)], axis=1)[np.ix_(order, order)]
    off = np.triu(inv, 2)
    assert np.abs(off).max() <= 1e-9 * np.abs(inv).max()


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


def test_mixed_large_n_is_not_silent():
    """Known limitation: the mixed-sign KKT solve loses accuracy at large n; it must say so."""
    net = uniform_breakpoints_1d(100_000, signs="mixed")
    op = ReluMassSolver1D(net)
    f = op.matvec(np.random.default_rng(0).standard_normal(net.n))
    with pytest.warns(RuntimeWarning, match="structured solve is inaccurate"):
        op.solve(f)
