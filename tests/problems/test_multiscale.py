"""Paper 002's problems: coefficients, exact solutions and forcings checked by autodiff and sympy."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from rankscope.operators.differential import DifferentialOperator, Term
from rankscope.problems.multiscale import (
    FREQUENCIES,
    darcy_coefficient,
    darcy_forcing,
    frequency_bvp,
    frequency_forcing,
    frequency_solution,
    multiscale_bvp,
    periodic_coefficient,
    periodic_coefficient_derivative,
    poisson_forcing,
    two_scale_darcy,
    two_scale_poisson,
    two_scale_solution,
)

SCALE = 1 / 32


class Exact(nn.Module):
    """A closed-form function as a model ``(N, 1) -> (N, 1)``."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x[:, 0])[:, None]


def _points(n=257):
    return torch.linspace(-math.pi, math.pi, n, dtype=torch.float64)[1:-1, None]


def test_periodic_coefficient_is_one_periodic_with_the_stated_range_and_derivative():
    y = torch.linspace(-2, 2, 401, dtype=torch.float64)
    a = periodic_coefficient(y)
    torch.testing.assert_close(periodic_coefficient(y + 1), a)
    # 1/(2.1 + 2 sin): between 1/4.1 and 1/0.1
    assert float(a.min()) >= 1 / 4.1 - 1e-12 and float(a.max()) <= 10.0 + 1e-9
    assert periodic_coefficient(np.array([0.25]))[0] == pytest.approx(1 / 4.1)
    yg = y.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(periodic_coefficient(yg).sum(), yg)
    torch.testing.assert_close(periodic_coefficient_derivative(y), g)
    assert darcy_coefficient(np.array([math.pi / 2]))[0] == pytest.approx(1 / 4.1)


def test_two_scale_solution_vanishes_at_the_ends_for_any_eps():
    for scale in (1 / 32, 0.3, 1 / 7.5):
        ends = two_scale_solution(np.array([-math.pi, math.pi]), scale)
        np.testing.assert_allclose(ends, 0.0, atol=1e-14)


def test_poisson_forcing_is_minus_the_second_derivative_of_u_eps():
    p = two_scale_poisson(SCALE)
    x = _points()
    lu = p.operator.apply(Exact(lambda t: two_scale_solution(t, SCALE)), x)
    torch.testing.assert_close(lu, poisson_forcing(x[:, 0], SCALE), rtol=1e-10, atol=1e-10)
    assert float(p.residual(Exact(p.exact), x).abs().max()) < 1e-9


@pytest.mark.parametrize("scale", [1 / 32, 0.1, 1 / 7])
def test_appendix_d_forcing_equals_the_darcy_operator_applied_to_u_eps(scale):
    # -(a(x/scale) u^epsilon')' by autodiff through divergence_form, in float64, vs g/h of appendix D
    p = two_scale_darcy(scale)
    x = _points(2001)
    lu = p.operator.apply(Exact(lambda t: two_scale_solution(t, scale)), x)
    f = darcy_forcing(x[:, 0], scale)
    torch.testing.assert_close(lu, f, rtol=1e-9, atol=1e-9 * float(f.abs().max()))


def test_appendix_d_forcing_symbolically():
    sp = pytest.importorskip("sympy")
    x, e = sp.symbols("x epsilon", positive=True)
    u = sp.sin(2 * x) + e * sp.sin(x / e) - e / sp.pi * sp.sin(sp.pi / e) * x
    a = 1 / (sp.Rational(21, 10) + 2 * sp.sin(x / e))
    lhs = -sp.diff(a * sp.diff(u, x), x)
    pi = sp.pi
    g = 10 * (
        20 * pi
        + 168 * pi * e * sp.cos(x) * sp.sin(x)
        - 20 * (2 * pi - 4 * pi * sp.cos(x) ** 2 + e * sp.sin(pi / e)) * sp.cos(x / e)
        + (21 * pi + 160 * pi * e * sp.cos(x) * sp.sin(x)) * sp.sin(x / e)
    )
    h = 400 * pi * e * sp.sin(x / e) ** 2 + 840 * pi * e * sp.sin(x / e) + 441 * pi * e
    assert sp.simplify(sp.expand_trig(sp.together(lhs - g / h))) == 0


def test_appendix_d_would_be_wrong_for_the_sin_2_pi_coefficient():
    # eq. (28) uses sin(x/scale); with Sec. 4.1's a(y) = 1/(2.1 + 2 sin 2 pi y) the forcing does not match
    x = _points(501)
    op = multiscale_bvp(SCALE).operator
    lu = op.apply(Exact(lambda t: two_scale_solution(t, SCALE)), x)
    assert float((lu - darcy_forcing(x[:, 0], SCALE)).abs().max()) > 1.0


def test_multiscale_operator_is_eq_16():
    scale = 1 / 20
    explicit = DifferentialOperator(
        1,
        (
            Term(lambda x: -periodic_coefficient(x[:, 0] / scale), (2,)),
            Term(lambda x: -periodic_coefficient_derivative(x[:, 0] / scale) / scale, (1,)),
        ),
    )
    x = _points(301)

    def u(t):
        return torch.sin(3 * t) * torch.exp(0.2 * t)

    a = multiscale_bvp(scale).operator.apply(Exact(u), x)
    torch.testing.assert_close(a, explicit.apply(Exact(u), x), rtol=1e-10, atol=1e-8)


def test_frequency_problem_solution_and_weight():
    p = frequency_bvp()
    assert p.lam == 80.0 and FREQUENCIES == (1, 5, 15, 55)
    x = _points(513)
    lu = p.operator.apply(Exact(frequency_solution), x)
    torch.testing.assert_close(lu, frequency_forcing(x[:, 0]), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(frequency_solution(np.array([-math.pi, math.pi])), 0.0, atol=1e-14)


def test_loss_is_eq_8_by_hand():
    # u = c constant: L u = 0 for -u'', so r = -f; boundary residual c at both ends
    p = two_scale_poisson(SCALE, lam=2.0)
    x = p.collocation(64, torch.float64)
    c = 0.3

    class Const(nn.Module):
        def forward(self, z):
            return torch.full_like(z, c) + 0 * z

    got = float(p.loss_fn(x)(Const()))
    f = poisson_forcing(x[:, 0].numpy(), SCALE)
    want = 0.5 * np.mean(f**2) + 2.0 / 2 * 0.5 * (2 * c**2)
    assert got == pytest.approx(want, rel=1e-12)
    # the exact solution zeroes it
    assert float(p.loss_fn(x)(Exact(p.exact))) < 1e-18
    assert float(two_scale_darcy(SCALE).loss_fn(p.collocation(128, torch.float64))(Exact(p.exact))) < 1e-16


def test_collocation_points_are_interior_and_equispaced():
    p = frequency_bvp()
    x = p.collocation(511, torch.float64)[:, 0]
    assert x.shape == (511,) and float(x[0]) > -math.pi and float(x[-1]) < math.pi
    torch.testing.assert_close(torch.diff(x), torch.full((510,), 2 * math.pi / 512, dtype=torch.float64))
    assert p.boundary().tolist() == [[pytest.approx(-math.pi)], [pytest.approx(math.pi)]]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"n must be a positive integer.*got 0"):
        frequency_bvp().collocation(0)
    with pytest.raises(ValueError, match="scale must be a positive number; got -1"):
        multiscale_bvp(-1)


def test_points_outside_the_interval_are_rejected_by_name():
    from rankscope.nets import MLP
    from rankscope.problems.multiscale import multiscale_bvp

    p = multiscale_bvp(0.1)
    net = MLP(1, 4, 1, seed=0)
    with pytest.raises(ValueError, match=r"x must lie in the problem's interval .* rows \[1\]"):
        p.residual(net, torch.tensor([[0.0], [10.0]]))
    with pytest.raises(ValueError, match="xb must lie in the problem's interval"):
        p.loss_fn(torch.zeros(3, 1), torch.tensor([[-4.0]]))
    assert p.residual(net, p.collocation(8)).shape == (8,)


def test_end_points_rounded_to_float32_are_inside():
    from rankscope.problems.multiscale import multiscale_bvp

    p = multiscale_bvp(0.1)
    xb = p.boundary(torch.float32)  # float32(pi) > pi
    assert p.check_inside("xb", xb).shape == (2, 1)
    p.loss_fn(p.collocation(8), xb)
