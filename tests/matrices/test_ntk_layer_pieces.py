"""The x-derivatives of an MLP's forward and backward vectors (the layerwise NTK's pieces), by hand."""

from __future__ import annotations

import torch
from torch import nn

from rankscope.matrices.ntk_layer_pieces import _activation_derivatives, _below, _binom, _layer_pieces


def test_multi_index_helpers() -> None:
    assert _below((1, 2)) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert _binom((2, 1), (1, 0)) == 2 and _binom((2, 2), (1, 1)) == 4 and _binom((3,), (0,)) == 1


def test_activation_derivatives_closed_forms_match_the_autograd_fallback() -> None:
    z = torch.linspace(-2, 2, 7, dtype=torch.float64)
    t = torch.tanh(z)
    closed = _activation_derivatives(nn.Tanh(), z, 3)
    torch.testing.assert_close(closed[1], 1 - t**2)
    torch.testing.assert_close(closed[3], -2 * (1 - t**2) * (1 - 3 * t**2))

    class Wrapped(nn.Module):  # not special-cased: derivatives by nested autograd
        def forward(self, v: torch.Tensor) -> torch.Tensor:
            return torch.tanh(v)

    for a, b in zip(closed, _activation_derivatives(Wrapped(), z, 3), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    s = torch.sigmoid(z)  # softplus' = sigmoid, softplus'' = sigmoid (1 - sigmoid)
    soft = _activation_derivatives(nn.Softplus(), z, 2)
    torch.testing.assert_close(soft[1], s)
    torch.testing.assert_close(soft[2], s * (1 - s))


def test_layer_pieces_of_a_one_hidden_layer_tanh_net_by_hand() -> None:
    # u = W2 tanh(W1 x + b1) + b2 in 1D; z = W1 x + b1 so dz/dx = W1 and d^2 z/dx^2 = 0
    w1 = torch.tensor([[0.5], [-1.5]], dtype=torch.float64)
    b1 = torch.tensor([0.1, 0.3], dtype=torch.float64)
    w2 = torch.tensor([[2.0, -0.7]], dtype=torch.float64)
    b2 = torch.tensor([0.2], dtype=torch.float64)
    x = torch.tensor([[-0.4], [0.0], [0.9]], dtype=torch.float64)
    (g1, a1), (g2, a2) = _layer_pieces([(w1, b1, nn.Tanh()), (w2, b2, nn.Identity())], x, [(0,), (1,), (2,)])
    z = x @ w1.T + b1
    t = torch.tanh(z)
    d1, d2 = 1 - t**2, -2 * t * (1 - t**2)
    d3 = -2 * (1 - t**2) * (1 - 3 * t**2)
    w, one, zero = w1[:, 0], torch.ones(3, 1, dtype=torch.float64), torch.zeros(3, 1, dtype=torch.float64)
    # the first layer reads [x; 1] and its derivative [1; 0]; g_1 = tanh'(z) W2^T and its x-derivatives
    torch.testing.assert_close(a1[(0,)], torch.cat([x, one], 1))
    torch.testing.assert_close(a1[(1,)], torch.cat([one, zero], 1))
    assert a1[(2,)] is None
    torch.testing.assert_close(g1[(0,)], d1 * w2[0])
    torch.testing.assert_close(g1[(1,)], d2 * w * w2[0])
    torch.testing.assert_close(g1[(2,)], d3 * w**2 * w2[0])
    # the head reads [y_1; 1] with y_1 = tanh(z); du/du = 1 has no x-derivative
    torch.testing.assert_close(a2[(0,)], torch.cat([t, one], 1))
    torch.testing.assert_close(a2[(1,)], torch.cat([d1 * w, zero], 1))
    torch.testing.assert_close(a2[(2,)], torch.cat([d2 * w**2, zero], 1))
    torch.testing.assert_close(g2[(0,)], one)
    assert g2[(1,)] is None and g2[(2,)] is None
