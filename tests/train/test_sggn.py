"""SgGN (rankscope.train.sggn, sggn-notes.md): GN steps reduce the loss, convergence, safeguards, errors."""

import itertools

import numpy as np
import pytest

from rankscope.nets.shallow_relu import ShallowReLU, uniform_breakpoints_1d
from rankscope.problems.relu_targets import step_function
from rankscope.sampling.adaptive import SplitGaussRule1D, breakpoints_1d
from rankscope.train.sggn import SgGNOptions, sggn_fit, sggn_iterations
from rankscope.train.sggn_step import (
    gauss_newton_direction,
    gradient,
    linear_step,
    quadrature_loss,
)


def _net_1d(seed=0, n=5):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.05, 0.95, n))
    s = np.where(np.arange(n) % 2 == 0, 1.0, -1.0) * rng.uniform(0.5, 2.0, n)
    return s[:, None], -s * t, rng.standard_normal(n)


def test_gauss_newton_step_reduces_the_loss():
    u = step_function(0.4)
    w, b, _ = _net_1d(3, 6)
    rule = SplitGaussRule1D(u.domain, 32, 4, u.breaks)
    x, wq = rule(w, b)
    c, _ = linear_step(x, wq, w, b, u(x))
    r = np.maximum(x @ w.T + b, 0) @ c - u(x)
    delta, slope, info = gauss_newton_direction(x, wq, w, b, c, r)
    assert info.cholesky and info.min_eig > 0
    assert slope < 0
    gw, gb = gradient(w, b, c, u, rule)
    assert np.sum(gw * delta[:, :1]) + np.sum(gb * delta[:, 1]) == pytest.approx(slope, rel=1e-10)
    j0 = quadrature_loss(w, b, c, u, rule)
    assert quadrature_loss(w + 1e-3 * delta[:, :1], b + 1e-3 * delta[:, 1], c, u, rule) < j0
    recs = list(sggn_iterations(w, b, u, rule, SgGNOptions(iterations=3), domain=u.domain))
    assert [r.iteration for r in recs] == [0, 1, 2, 3]
    assert all(r2.loss < r1.loss for r1, r2 in itertools.pairwise(recs))


def test_a_breakpoint_converges_onto_the_step_discontinuity():
    u = step_function(0.3)
    net = uniform_breakpoints_1d(4, (0.0, 1.0), signs="mixed")  # breakpoints 1/8, 3/8, 5/8, 7/8
    res = sggn_fit(
        net, None, u, SplitGaussRule1D(u.domain, 32, 4, u.breaks), SgGNOptions(iterations=30), domain=u.domain
    )
    t0 = net.breakpoints()
    t = breakpoints_1d(res.weights, res.biases)
    assert np.min(np.abs(t0 - 0.3)) == pytest.approx(0.075)
    assert np.min(np.abs(t - 0.3)) < 1e-3
    assert res.records[-1].rel_error < 0.1 * res.records[0].rel_error
    # the safeguards: hyperplanes stay inside the domain, orientations never flip, |w_i| = 1
    for r in res.records:
        tb = breakpoints_1d(r.weights, r.biases)
        assert np.all((tb > 0) & (tb < 1))
        np.testing.assert_array_equal(np.sign(r.weights), np.sign(net.weights))
        np.testing.assert_allclose(np.abs(r.weights), 1.0, rtol=1e-15)


def test_bad_input_errors_name_the_argument():
    u = step_function(0.4)
    rule = SplitGaussRule1D(u.domain, 8, 2)
    w, b = np.array([[1.0]]), np.array([-0.5])
    with pytest.raises(TypeError, match="target must be callable"):
        list(sggn_iterations(w, b, [0.0, 1.0], rule))
    with pytest.raises(ValueError, match=r"n \(the number of neurons\) must be >= 1"):
        list(sggn_iterations(np.zeros((0, 1)), np.zeros(0), u, rule))
    with pytest.raises(ValueError, match="biases must have shape"):
        list(sggn_iterations(w, np.zeros(2), u, rule))
    with pytest.raises(FloatingPointError, match="loss J is not finite"):
        list(sggn_iterations(w, b, lambda x: np.full(len(x), np.nan), rule))
    with pytest.raises(ValueError, match="mass_solver must be one of"):
        SgGNOptions(mass_solver="cg")
    with pytest.raises(ValueError, match="iterations must be an int >= 0"):
        SgGNOptions(iterations=-1)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        uniform_breakpoints_1d(0)
    with pytest.raises(TypeError, match="domain must be an Interval"):
        SplitGaussRule1D((0.0, 1.0))
    assert isinstance(ShallowReLU(w, b), ShallowReLU)


def test_separation_keeps_hyperplanes_apart_and_A_positive_definite():
    # 24 alternating neurons on the step: without the safeguard unneeded neurons pair up (same or
    # opposite facing) and A / Hhat become singular; with it no pair gets closer than 1e-6
    from rankscope.train.sggn import hyperplane_gap

    u = step_function(0.4)
    net = uniform_breakpoints_1d(24, u.domain, signs="mixed")
    rule = SplitGaussRule1D(u.domain, 64, 6, u.breaks)
    opts = SgGNOptions(iterations=40, separation=1e-6)
    recs = list(sggn_iterations(np.array(net.weights), np.array(net.biases), u, rule, opts, domain=u.domain))
    assert all(hyperplane_gap(r.weights, r.biases) >= 1e-6 for r in recs)
    assert all(r.mass.cholesky for r in recs) and recs[-1].loss < recs[0].loss
    # the distance ignores which way a neuron faces
    assert hyperplane_gap(np.array([[1.0], [-1.0]]), np.array([-0.3, 0.3])) == 0.0
    with pytest.raises(ValueError, match="separation must be a number >= 0"):
        SgGNOptions(separation=-1.0)
