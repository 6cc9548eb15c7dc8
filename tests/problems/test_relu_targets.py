"""Target functions for the SgGN experiment (rankscope.problems.relu_targets)."""

import numpy as np
import pytest

from rankscope.problems.relu_targets import (
    Target,
    line_discontinuity_2d,
    multi_frequency,
    step_function,
    transition_layer,
)
from rankscope.sampling import Box, Interval, gauss_legendre


def test_step_function_values_and_break():
    u = step_function(0.4, low=-1.0, high=2.0)
    assert u(np.array([[0.0], [0.3999], [0.4], [1.0]])).tolist() == [-1.0, -1.0, 2.0, 2.0]
    assert u.breaks == (0.4,) and u.dim == 1 and u.domain == Interval(0.0, 1.0)


def test_transition_layer_is_tanh_with_a_break_at_its_centre():
    u = transition_layer(0.5, 0.01)
    x = np.array([[0.49], [0.5], [0.52]])
    np.testing.assert_allclose(u(x), np.tanh([-1.0, 0.0, 2.0]), atol=1e-12)
    assert u.breaks == (0.5,)
    # int_0^1 tanh((x - 1/2)/delta) dx = 0 by antisymmetry about 1/2
    q = gauss_legendre(u.domain, 8, panels=200)
    assert abs(q.integrate(lambda p: u(p))) < 1e-12


def test_multi_frequency_norm_matches_parseval():
    # integer frequencies on [0, 1]: ||sum a_k sin(2 pi f_k x)||^2 = sum a_k^2 / 2
    u = multi_frequency((1.0, 3.0, 7.0), (1.0, 0.5, 0.25))
    q = gauss_legendre(u.domain, 10, panels=20)
    assert q.integrate(lambda p: u(p) ** 2) == pytest.approx((1 + 0.25 + 0.0625) / 2, rel=1e-12)
    assert u.breaks == ()


def test_line_discontinuity_2d_moments():
    u = line_discontinuity_2d()
    assert u(np.array([[0.5, 0.51], [0.5, 0.49], [1.0, 0.76]])).tolist() == [1.0, 0.0, 1.0]
    # int u = 1/2, int u x1 = 5/24 (above x2 = x1/2 + 1/4 in the unit square), up to the rule's
    # error along the cut cells (~h^2 per cut cell with h = 1/400)
    q = gauss_legendre(u.domain, 4, panels=400)
    assert q.integrate(lambda p: u(p)) == pytest.approx(0.5, abs=1e-5)
    assert q.integrate(lambda p: u(p) * p[:, 0]) == pytest.approx(5 / 24, abs=1e-5)


def test_bad_targets_raise_naming_the_argument():
    with pytest.raises(TypeError, match="target function must be callable"):
        Target("bad", 3.0, Interval(0.0, 1.0))
    with pytest.raises(TypeError, match="target domain must be an Interval or a Box"):
        Target("bad", lambda x: x[:, 0], (0.0, 1.0))
    with pytest.raises(ValueError, match="delta must be > 0"):
        transition_layer(0.5, 0.0)
    with pytest.raises(ValueError, match="x0 must lie inside the domain"):
        step_function(1.5)
    with pytest.raises(TypeError, match="x0 must be a finite real number"):
        step_function("0.5")
    with pytest.raises(ValueError, match="frequencies and amplitudes"):
        multi_frequency((1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match="normal must be a non-zero vector"):
        line_discontinuity_2d((0.0, 0.0))
    with pytest.raises(ValueError, match="domain must be a 2D Box"):
        line_discontinuity_2d(domain=Box((0.0,), (1.0,)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1\)"):
        step_function()(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="must return"):
        Target("bad", lambda x: np.zeros(2), Interval(0.0, 1.0))(np.zeros((3, 1)))


def test_2d_targets_carry_their_lines():
    from rankscope.problems.relu_targets import kink_2d, smooth_2d

    k = kink_2d()
    x = np.array([[0.6, 0.0], [0.2, 1.0]])
    assert np.allclose(k(x), [0.0, 0.0])  # on the kink line and at sin(pi) = 0
    assert smooth_2d().lines == ()
    assert line_discontinuity_2d().lines == ((-0.5, 1.0, -0.25),)
    with pytest.raises(ValueError, match="non-zero"):
        kink_2d((0.0, 0.0))
