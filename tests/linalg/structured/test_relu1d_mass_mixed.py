"""linalg.structured.relu1d_mass_mixed: the mass solver with mixed signs (multiplier Newton passes,
compensated matvec), at large n and with one neuron facing the other way."""

import warnings

import numpy as np
import pytest

from rankscope.linalg.structured.relu1d_mass import ReluMassSolver1D
from rankscope.linalg.structured.residuals import a_norm, relative_residual
from rankscope.matrices.relu import mass_matrix
from rankscope.nets.shallow_relu import ShallowReLU, random_breakpoints_1d, uniform_breakpoints_1d


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
