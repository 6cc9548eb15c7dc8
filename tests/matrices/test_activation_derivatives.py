import pytest
import torch

from rankscope.matrices.activation_derivatives import activation_derivative
from rankscope.matrices.random_features import sample_features, system_matrix_ad
from rankscope.operators.constant_coefficient import (
    DiffOperator,
    fourth_derivative,
    laplacian_operator,
    second_derivative,
)

MIXED_2D = DiffOperator(
    "u_xx + 3 u_xy - u_y + 2 u", ((1.0, (2, 0)), (3.0, (1, 1)), (-1.0, (0, 1)), (2.0, (0, 0)))
)


@pytest.mark.parametrize("act", ["sin", "tanh"])
@pytest.mark.parametrize(
    "op,dim",
    [(second_derivative(), 1), (fourth_derivative(), 1), (laplacian_operator(2), 2), (MIXED_2D, 2)],
)
def test_closed_form_matches_torch_func(act, op, dim):
    feats = sample_features(30, dim, activation=act, seed=3)
    x = torch.rand(25, dim, dtype=torch.float64) * 2 - 1
    closed = system_matrix_ad(feats, x, op, method="closed_form")
    auto = system_matrix_ad(feats, x, op, method="autodiff")
    torch.testing.assert_close(closed, auto, rtol=1e-12, atol=1e-12)


def test_tanh_derivatives_have_the_known_forms():
    z = torch.linspace(-3, 3, 11, dtype=torch.float64)
    t = torch.tanh(z)
    torch.testing.assert_close(activation_derivative("tanh", z, 1), 1 - t**2)
    torch.testing.assert_close(activation_derivative("tanh", z, 2), -2 * t * (1 - t**2))
    torch.testing.assert_close(activation_derivative("tanh", z, 3), -2 * (1 - t**2) * (1 - 3 * t**2))
    torch.testing.assert_close(activation_derivative("sin", z, 5), torch.cos(z))


def test_autodiff_of_a_callable_activation_matches_its_closed_form():
    def cube(v):
        return v**3

    z = torch.linspace(-2, 2, 9, dtype=torch.float64)
    torch.testing.assert_close(activation_derivative(cube, z, 1), 3 * z**2)
    torch.testing.assert_close(activation_derivative(cube, z, 2), 6 * z)
    torch.testing.assert_close(activation_derivative(cube, z, 4), torch.zeros_like(z))
    torch.testing.assert_close(activation_derivative("sin", z, 0), torch.sin(z))
