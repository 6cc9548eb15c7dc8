from __future__ import annotations

import torch

from rankscope.operators.pointwise_derivatives import acts_row_by_row, point_derivatives
from rankscope.operators.standard_operators import negative_laplacian


def test_auto_takes_the_batch_path_only_for_row_by_row_modules() -> None:
    from torch import nn

    from rankscope.nets import MLP

    assert acts_row_by_row(MLP(1, 4, 2, seed=0))
    assert acts_row_by_row(nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1)))

    class Centre(nn.Module):  # couples rows through the batch mean, as batch normalisation does
        def forward(self, h: torch.Tensor) -> torch.Tensor:
            return h - 0.5 * h.mean(0, keepdim=True)

    torch.manual_seed(0)
    coupled = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), Centre(), nn.Tanh(), nn.Linear(4, 1)).double()
    assert not acts_row_by_row(coupled)
    assert not acts_row_by_row(nn.Sequential(nn.Linear(1, 4), nn.BatchNorm1d(4)))
    assert not acts_row_by_row(lambda p: p.sum(1))
    # the reason: batch statistics couple rows, so batch derivatives are not per-point derivatives
    x = torch.linspace(0, 1, 8, dtype=torch.float64)[:, None]
    op = negative_laplacian(1)
    auto = op.apply(coupled, x)
    torch.testing.assert_close(auto, op.apply(coupled, x, method="func"))
    assert not torch.allclose(auto, op.apply(coupled, x, method="autograd"))


def test_point_derivatives_of_a_monomial_by_hand() -> None:
    # f = x^2 y^3 at (1, 2): f = 8, f_x = 2 x y^3 = 16, f_y = 3 x^2 y^2 = 12, f_xy = 6 x y^2 = 24,
    # f_xx = 2 y^3 = 16, f_yy = 6 x^2 y = 12
    p = torch.tensor([1.0, 2.0], dtype=torch.float64)
    alphas = [(0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (0, 2)]
    got = point_derivatives(lambda q: q[0] ** 2 * q[1] ** 3, alphas)(p)
    torch.testing.assert_close(got, torch.tensor([8.0, 16.0, 12.0, 24.0, 16.0, 12.0], dtype=torch.float64))
    first = point_derivatives(lambda q: q[0] ** 2 * q[1] ** 3, [(0, 1)])(p)  # no Hessian needed
    torch.testing.assert_close(first, torch.tensor([12.0], dtype=torch.float64))
