"""linalg.structured.relu1d_*: O(n) operators vs the dense closed-form matrices and dense Cholesky."""

import warnings

import numpy as np
import pytest

from rankscope.linalg.structured.relu1d_heaviside import ReluHeavisideSolver1D
from rankscope.linalg.structured.relu1d_mass import ReluMassSolver1D
from rankscope.linalg.structured.residuals import a_norm, backward_error, relative_residual
from rankscope.matrices.relu import heaviside_matrix, mass_matrix
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
def test_matvec_matches_dense(kind, signs):
    net = _net(kind, signs)
    c = np.random.default_rng(1).standard_normal(net.n)
    a, h = mass_matrix(net, DOM), heaviside_matrix(net, DOM)
    ac = ReluMassSolver1D(net, DOM).matvec(c)
    assert np.all(np.abs(ac - a @ c) <= 1e-13 * (np.abs(a) @ np.abs(c)))
    hc = ReluHeavisideSolver1D(net, DOM).matvec(c)
    assert np.all(np.abs(hc - h @ c) <= 1e-13 * (np.abs(h) @ np.abs(c)))


@pytest.mark.parametrize(("kind", "signs"), CASES)
def test_solve_is_backward_stable_with_a_manufactured_solution(kind, signs):
    """Backward stability and the forward error it implies, against a manufactured solution.

    No dense factorisation is the reference: the random-breakpoint mass matrix has cond ~ 1e17, so
    Cholesky may fail on it with one BLAS kernel and not another. The criteria are the theorems:
    a backward-stable solve has normwise backward error O(u) (here at most 8 sqrt(n) u), and then
    its energy-norm error is at most ~ n u sqrt(cond(A)) ||c||_A, with cond(A) from the symmetric
    eigendecomposition (the smallest eigenvalue floored at n u lambda_max: round-off may make it
    zero or negative).
    """
    net = _net(kind, signs)
    a, h = mass_matrix(net, DOM), heaviside_matrix(net, DOM)
    c = np.random.default_rng(2).standard_normal(net.n)
    u = np.finfo(np.float64).eps / 2
    for mat, op in ((a, ReluMassSolver1D(net, DOM)), (h, ReluHeavisideSolver1D(net, DOM))):
        f = mat @ c
        x = op.solve(f)
        lam = np.linalg.eigvalsh(mat)
        lam_max = lam[-1]
        cond = lam_max / max(lam[0], net.n * u * lam_max)
        backward = np.linalg.norm(f - mat @ x) / (lam_max * np.linalg.norm(x) + np.linalg.norm(f))
        assert backward <= 8 * np.sqrt(net.n) * u, backward
        err_a = np.sqrt(abs((x - c) @ mat @ (x - c)))
        assert err_a <= net.n * u * np.sqrt(cond) * np.sqrt(c @ f), (err_a, cond)


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


def test_mixed_direct_solve_needs_the_multiplier_newton_step():
    """One pass with mu = 0 is useless (the multipliers are the moments of v); the Newton passes fix it."""
    net = uniform_breakpoints_1d(4000, signs="mixed")
    op = ReluMassSolver1D(net, refine=0)
    f = op.matvec(np.random.default_rng(0).standard_normal(net.n))
    op.solve(f)
    assert op.last_residual < 1e-9
    assert op.last_backward_error < 1e-11
    c0, _, _ = op._mixed_core._pass(f, 0.0, 0.0)  # mu = 0: no multiplier step (net sorted, |w| = 1)
    assert relative_residual(op, c0, f) > 1e-3


@pytest.mark.parametrize(
    ("kind", "n", "res_tol", "err_tol"), [("uniform", 200_000, 1e-10, 1e-5), ("random", 20_000, 1e-9, 1e-4)]
)
def test_mixed_large_n_residual(kind, n, res_tol, err_tol):
    """Mixed signs at large n: no warning, small residual and fitted-function (A-norm) error."""
    net = (
        uniform_breakpoints_1d(n, signs="mixed")
        if kind == "uniform"
        else random_breakpoints_1d(n, 4, signs="mixed")
    )
    op = ReluMassSolver1D(net)
    c = np.random.default_rng(0).standard_normal(net.n)
    f = op.matvec(c)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = op.solve(f)
    assert op.last_residual < res_tol
    assert relative_residual(op, x, f) < res_tol
    assert op.last_backward_error < 1e-15
    assert a_norm(op, x - c) < err_tol * a_norm(op, c)


def test_mixed_matvec_double_double_accuracy():
    """The mixed-sign matvec (compensated sums) against exact rational arithmetic (small n: no drift yet)."""
    from fractions import Fraction

    t = np.sort(np.random.default_rng(3).random(40))
    s = np.where(np.arange(40) % 2 == 0, 1.0, -1.0)
    net = ShallowReLU(s, -s * t)
    op = ReluMassSolver1D(net)
    c = np.random.default_rng(4).standard_normal(40) * 1e6
    ac = op.matvec(c)
    tf = [Fraction(float(v)) for v in t]

    def entry(i, j):  # exact int_0^1 relu_i relu_j (piecewise polynomial, exact in rationals)
        lo_i, hi_i = (tf[i], Fraction(1)) if s[i] > 0 else (Fraction(0), tf[i])
        lo_j, hi_j = (tf[j], Fraction(1)) if s[j] > 0 else (Fraction(0), tf[j])
        lo, hi = max(lo_i, lo_j), min(hi_i, hi_j)
        if hi <= lo:
            return Fraction(0)
        si, sj = int(s[i]), int(s[j])

        def prim(x):  # antiderivative of si (x - t_i) sj (x - t_j)
            a, b = tf[i], tf[j]
            return si * sj * (x**3 / 3 - (a + b) * x**2 / 2 + a * b * x)

        return prim(hi) - prim(lo)

    cf = [Fraction(float(v)) for v in c]
    exact = np.array([float(sum(entry(i, j) * cf[j] for j in range(40))) for i in range(40)])
    scale = np.abs(mass_matrix(net, (0, 1))) @ np.abs(c)
    assert np.all(np.abs(ac - exact) <= 4e-16 * scale)


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


@pytest.mark.parametrize("pos", [1e-6, 0.501, 0.999999])
def test_mixed_single_left_facing_neuron_is_stable(pos):
    """One left-facing neuron among right-facing ones (near L, middle, near R): the two constraint
    rows must stay well separated (near R they were nearly parallel: residual 6e-10)."""
    t = np.sort(np.concatenate([np.linspace(0.05, 0.95, 199), [pos]]))
    s = np.ones(200)
    s[np.argmin(np.abs(t - pos))] = -1.0
    net = ShallowReLU(s, -s * t)
    a = mass_matrix(net, (0, 1))
    f = a @ np.random.default_rng(0).standard_normal(200)
    x = ReluMassSolver1D(net).solve(f)
    # no dense Cholesky reference (cond(A) reaches 4e19 at pos = 1e-6, where it may fail): the bug
    # this guards gave a relative residual of 6e-10; a stable solve gives O(sqrt(n) u) (here ~5e-16)
    u = np.finfo(np.float64).eps / 2
    assert np.linalg.norm(f - a @ x) / np.linalg.norm(f) <= 100 * np.sqrt(200) * u


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
