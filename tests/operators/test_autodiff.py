import pytest
import torch
from torch import nn

from rankscope.nets import MLP
from rankscope.operators import derivative, gradient, hessian, laplacian


class SinProduct(nn.Module):
    def forward(self, x):
        return (torch.sin(2 * x[:, :1]) * torch.sin(2 * x[:, 1:2])).reshape(-1, 1)


def test_laplacian_of_the_paper_000_poisson_solution():
    # -Delta (sin 2x sin 2y) = 8 sin 2x sin 2y  (paper 000 Example 4.2)
    x = torch.rand(20, 2, dtype=torch.float64) * 3 - 1.5
    u = SinProduct()(x)[:, 0]
    torch.testing.assert_close(-laplacian(SinProduct(), x), 8 * u)


def test_fourth_derivative_and_mixed_partials():
    class Poly(nn.Module):
        def forward(self, x):
            return x[:, :1] ** 5 + x[:, :1] ** 2

    x = torch.linspace(-1, 1, 7, dtype=torch.float64)[:, None]
    torch.testing.assert_close(derivative(Poly(), x, (4,)), 120 * x[:, 0])
    x2 = torch.rand(5, 2, dtype=torch.float64)
    torch.testing.assert_close(
        derivative(SinProduct(), x2, (1, 1)), 4 * torch.cos(2 * x2[:, 0]) * torch.cos(2 * x2[:, 1])
    )


def test_network_derivatives_agree_with_autograd_and_are_trainable():
    net = MLP(2, 8, 2, seed=0).double()
    x = torch.rand(6, 2, dtype=torch.float64, requires_grad=True)
    g = gradient(net, x)
    g_ref = torch.autograd.grad(net(x).sum(), x, create_graph=True)[0]
    torch.testing.assert_close(g, g_ref)
    h = hessian(net, x)
    h_ref = torch.stack(
        [torch.autograd.grad(g_ref[:, i].sum(), x, retain_graph=True)[0] for i in range(2)], dim=1
    )
    torch.testing.assert_close(h, h_ref)
    laplacian(net, x.detach()).pow(2).mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_bad_input():
    net = MLP(1, 4, 1)
    with pytest.raises(ValueError, match=r"x must be a tensor of points of shape \(m, d\)"):
        laplacian(net, torch.zeros(3))
    with pytest.raises(ValueError, match="alpha must hold 1 non-negative orders"):
        derivative(net, torch.zeros(3, 1), (1, 1))
    with pytest.raises(ValueError, match="scalar output per point"):
        laplacian(MLP(1, 4, 1, out_dim=2), torch.zeros(3, 1))
