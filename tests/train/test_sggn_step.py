"""One SgGN step (rankscope.train.sggn_step, sggn-notes.md): the gradient formula, the linear step
(the L2 projection), the Gauss-Newton system with c_i = 0 and dead neurons."""

import numpy as np
import pytest
import torch

from rankscope.nets.shallow_relu import uniform_breakpoints_1d
from rankscope.problems.relu_targets import line_discontinuity_2d, multi_frequency, step_function
from rankscope.sampling import gauss_legendre
from rankscope.sampling.adaptive import FixedRule, SplitGaussRule1D
from rankscope.train.sggn_step import (
    gauss_newton_direction,
    gradient,
    layer_gn_matrix,
    linear_step,
    quadrature_loss,
    quadrature_loss_torch,
)


def _net_1d(seed=0, n=5):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.05, 0.95, n))
    s = np.where(np.arange(n) % 2 == 0, 1.0, -1.0) * rng.uniform(0.5, 2.0, n)
    return s[:, None], -s * t, rng.standard_normal(n)


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_gradient_formula_matches_torch_autograd_and_finite_differences(case):
    if case == "1d":
        u = step_function(0.4)
        w, b, c = _net_1d()
        rule = SplitGaussRule1D(u.domain, 16, 4, u.breaks)
    else:
        u = line_discontinuity_2d()
        rng = np.random.default_rng(1)
        w = rng.standard_normal((4, 2))
        b = -np.sum(w * rng.uniform(0.2, 0.8, (4, 2)), axis=1)
        c = rng.standard_normal(4)
        rule = FixedRule(gauss_legendre(u.domain, 3, panels=12))
    gw, gb = gradient(w, b, c, u, rule)
    tw, tb, tc = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (w, b, c))
    quadrature_loss_torch(tw, tb, tc, u, rule).backward()
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-12, atol=1e-14)
    if case == "1d":
        # the split rule moves its nodes with the breakpoints; the formula is still the exact derivative
        h = 1e-6
        for i in range(w.shape[0]):
            db = np.zeros_like(b)
            db[i] = h
            fd = (quadrature_loss(w, b + db, c, u, rule) - quadrature_loss(w, b - db, c, u, rule)) / (2 * h)
            assert fd == pytest.approx(gb[i], rel=1e-6, abs=1e-9)


def test_linear_step_is_the_l2_projection():
    u = multi_frequency()
    w, b, _ = _net_1d(2, 8)
    rule = SplitGaussRule1D(u.domain, 64, 6, u.breaks)
    x, wq = rule(w, b)
    c, info = linear_step(x, wq, w, b, u(x))
    assert info.cholesky and info.min_eig > 0
    phi = np.maximum(x @ w.T + b, 0)
    residual = phi @ c - u(x)
    # <v - u, relu_i> = 0 for every i, relative to <u, relu_i>
    assert np.max(np.abs(phi.T @ (wq * residual))) < 1e-10 * np.max(np.abs(phi.T @ (wq * u(x))))
    # and no other c does better (perturbations increase J)
    rng = np.random.default_rng(0)
    j0 = quadrature_loss(w, b, c, u, rule)
    for _ in range(5):
        assert quadrature_loss(w, b, c + 1e-3 * rng.standard_normal(c.shape), u, rule) > j0


def test_structured_mass_solver_agrees_with_the_dense_solve():
    pytest.importorskip("rankscope.linalg.structured.relu1d_mass")
    u = step_function(0.4)
    net = uniform_breakpoints_1d(12, (0.0, 1.0), signs="mixed")
    w, b = np.array(net.weights), np.array(net.biases)
    x, wq = SplitGaussRule1D(u.domain, 32, 4, u.breaks)(w, b)
    c_dense, _ = linear_step(x, wq, w, b, u(x))
    c_fast, info = linear_step(x, wq, w, b, u(x), mass_solver="structured", domain=u.domain)
    np.testing.assert_allclose(c_fast, c_dense, rtol=1e-7, atol=1e-7 * np.max(np.abs(c_dense)))
    assert info.cholesky


def test_neurons_with_zero_coefficient_are_unchanged_and_keep_the_system_regular():
    u = step_function(0.4)
    w, b, c = _net_1d(4, 4)
    # duplicate neuron 0 with c = 0: Hhat over all neurons is singular, the SgGN system is not
    w2, b2, c2 = np.vstack([w, w[:1]]), np.append(b, b[0]), np.append(c, 0.0)
    c2[2] = 0.0
    x, wq = SplitGaussRule1D(u.domain, 16, 4, u.breaks)(w2, b2)
    full = layer_gn_matrix(x, wq, w2, b2)
    assert np.linalg.eigvalsh(full)[0] < 1e-12 * np.linalg.eigvalsh(full)[-1]
    r = np.maximum(x @ w2.T + b2, 0) @ c2 - u(x)
    delta, _, info = gauss_newton_direction(x, wq, w2, b2, c2, r)
    assert info.cholesky and info.size == 2 * 3 and info.min_eig > 0
    assert np.all(delta[[2, 4]] == 0) and np.all(np.isfinite(delta))
    assert np.all(np.any(delta[[0, 1, 3]] != 0, axis=1))


def test_dead_neuron_gets_zero_coefficient_and_a_regular_mass_matrix():
    u = step_function(0.4)
    w = np.array([[1.0], [-1.0], [1.0]])
    b = np.array([-0.3, 0.6, -2.0])  # neuron 2: breakpoint 2 > 1, zero on [0, 1]
    x, wq = SplitGaussRule1D(u.domain, 16, 4, u.breaks)(w, b)
    c, info = linear_step(x, wq, w, b, u(x))
    assert c[2] == 0 and info.cholesky and info.size == 2
