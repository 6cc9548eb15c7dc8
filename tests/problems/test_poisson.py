import math

import torch

from rankscope.problems import PoissonDirichlet, poisson_example_4_2
from rankscope.sampling import Box, boundary, gauss_legendre


def test_poisson_problem_has_the_stated_exact_solution():
    # -Delta u = f for u = sin 2x sin 2y (Delta u = -8 u), u = 0 on the boundary of [-pi/2, pi/2]^2
    p = poisson_example_4_2()
    x, _ = gauss_legendre(p.domain, 5).to_torch()
    torch.testing.assert_close(p.source(x), 8 * p.exact(x))
    xb, _ = boundary(p.domain, 5).to_torch()
    assert float(p.exact(xb).abs().max()) < 1e-15
    assert p.domain.lows == (-math.pi / 2, -math.pi / 2)

    class Exact(torch.nn.Module):
        def forward(self, z):
            return p.exact(z)[:, None]

    q, qb = gauss_legendre(p.domain, 12).to_torch(), boundary(p.domain, 12).to_torch()
    loss = p.loss(Exact(), (q[0], q[1], p.source(q[0])), qb)
    assert float(loss) < 1e-20  # the exact solution zeroes loss (4.4)


def test_loss_is_eq_4_4_by_hand_for_a_constant_network():
    # u = c: Delta u = 0, so L = sum_k w_k f(x_k)^2 + c^2 sum_b w_b (= c^2 * perimeter with exact weights)
    p = PoissonDirichlet(Box((0.0, 0.0), (1.0, 2.0)), lambda x: x[:, 0] + 1.0, lambda x: 0 * x[:, 0])

    class Const(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c = torch.nn.Parameter(torch.tensor(3.0, dtype=torch.float64))

        def forward(self, z):
            return self.c + 0 * z.sum(1, keepdim=True)

    x, w = gauss_legendre(p.domain, 4).to_torch()
    xb, wb = boundary(p.domain, 4).to_torch()
    loss = p.loss(Const(), (x, w, p.source(x)), (xb, wb))
    # int_0^1 int_0^2 (x + 1)^2 dy dx = 2 * 7/3; the perimeter is 6
    assert math.isclose(float(loss.detach()), 2 * 7 / 3 + 9.0 * 6, rel_tol=1e-12)
