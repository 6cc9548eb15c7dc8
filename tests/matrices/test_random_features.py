import numpy as np
import pytest
import torch
from torch import nn

from rankscope.matrices.activation_derivatives import activation_derivative
from rankscope.matrices.random_features import (
    ad_matrix,
    feature_matrix,
    sample_features,
    system_matrix_ad,
    system_matrix_fd,
)
from rankscope.operators import derivative
from rankscope.operators.constant_coefficient import DiffOperator, laplacian_operator, second_derivative
from rankscope.operators.fd_grids import fd_grid
from rankscope.operators.stencils import stencil_matrix

MIXED_2D = DiffOperator(
    "u_xx + 3 u_xy - u_y + 2 u", ((1.0, (2, 0)), (3.0, (1, 1)), (-1.0, (0, 1)), (2.0, (0, 0)))
)


class Shallow(nn.Module):
    """phi(x) = sum_j a_j sigma(w_j . x + b_j), an independent implementation for torch.func."""

    def __init__(self, feats, a, act):
        super().__init__()
        self.w, self.b, self.a, self.act = feats.weights, feats.biases, a, act

    def forward(self, x):
        return (self.act(x @ self.w.T + self.b) @ self.a)[:, None]


@pytest.mark.parametrize("act", ["sin", "tanh", "softplus"])
def test_ad_matrix_times_a_is_the_operator_applied_to_the_model(act):
    # A_AD a = L phi (eq. 7), phi differentiated by rankscope.operators (a second algorithm)
    torch.manual_seed(0)
    feats = sample_features(12, 2, activation=act, seed=1)
    a = torch.randn(12, dtype=torch.float64)
    fn = {"sin": torch.sin, "tanh": torch.tanh, "softplus": nn.functional.softplus}[act]
    model = Shallow(feats, a, fn)
    x = torch.rand(9, 2, dtype=torch.float64)
    lu = sum(c * derivative(model, x, alpha) for c, alpha in MIXED_2D.terms)
    torch.testing.assert_close(system_matrix_ad(feats, x, MIXED_2D) @ a, lu, rtol=1e-11, atol=1e-11)


def test_paper_form_of_a_ad_for_u_xx():
    feats = sample_features(8, seed=2)
    x = torch.linspace(-1, 1, 6, dtype=torch.float64)[:, None]
    a2 = -torch.sin(x @ feats.weights.T + feats.biases)  # A_2 = sigma''
    d2 = torch.diag(feats.weights[:, 0] ** 2)  # D_2
    torch.testing.assert_close(system_matrix_ad(feats, x, second_derivative()), a2 @ d2)  # eq. (11)


def test_batched_parameters_and_gradients():
    w = torch.rand(3, 5, 1, dtype=torch.float64, requires_grad=True)
    b = torch.rand(3, 5, dtype=torch.float64)
    x = torch.rand(4, 1, dtype=torch.float64)
    a = ad_matrix(x, w, b, second_derivative())
    assert a.shape == (3, 4, 5)
    a.sum().backward()
    assert w.grad is not None and torch.all(torch.isfinite(w.grad))


def test_fd_matrix_is_the_stencil_times_a0_on_the_extended_grid():
    feats = sample_features(10, seed=4)
    grid = fd_grid((-1.0,), (1.0,), 20)
    a0_ext = feature_matrix(feats, grid.points(ghost=1)).numpy()
    c = stencil_matrix("uxx", grid.shape, grid.h)
    np.testing.assert_allclose(
        system_matrix_fd(feats, grid, "uxx").numpy(), c @ a0_ext, rtol=1e-12, atol=1e-9
    )
    c2 = stencil_matrix("uxx", grid.shape, grid.h, boundary="truncate")
    a0 = feature_matrix(feats, grid.points()).numpy()
    np.testing.assert_allclose(
        system_matrix_fd(feats, grid, "uxx", boundary="truncate").numpy(), c2 @ a0, rtol=1e-12, atol=1e-9
    )


@pytest.mark.parametrize(
    "op,dim,sizes", [("uxx", 1, (40, 80, 160)), ("laplacian2d", 2, (20, 40, 80)), ("uxxxx", 1, (20, 40, 80))]
)
def test_a_fd_converges_to_a_ad_at_second_order(op, dim, sizes):
    # eq. (9): A_AD = A_FD + h^2 E; sizes in the asymptotic range, above the round-off floor eps / h^k
    feats = sample_features(6, dim, seed=5)
    errs = []
    for n in sizes:
        grid = fd_grid((0.0,) * dim, (1.0,) * dim, n)
        a_ad = system_matrix_ad(feats, grid.points(), stencil_op(op))
        errs.append(float((a_ad - system_matrix_fd(feats, grid, op)).abs().max()))
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    np.testing.assert_allclose(rates, 2.0, atol=0.05)  # all three stencils are O(h^2)


def stencil_op(name):
    from rankscope.operators.constant_coefficient import diff_operator

    return diff_operator(name)


def test_sampling_is_seeded_and_uniform_on_the_box():
    f1, f2 = sample_features(500, 2, seed=7, radius=2.0), sample_features(500, 2, seed=7, radius=2.0)
    torch.testing.assert_close(f1.weights, f2.weights)
    assert float(f1.weights.abs().max()) <= 2.0 and float(f1.biases.abs().max()) <= 2.0
    assert float(f1.weights.abs().max()) > 1.9
    assert f1.m == 500 and f1.dim == 2 and f1.weights.dtype == torch.float64


def test_errors_name_the_argument():
    feats = sample_features(4, seed=0, activation="gelu")
    x = torch.zeros(3, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"method='closed_form' needs an activation in \['sin', 'tanh'\]"):
        system_matrix_ad(feats, x, second_derivative(), method="closed_form")
    assert system_matrix_ad(feats, x, second_derivative()).shape == (3, 4)  # auto -> torch.func
    with pytest.raises(ValueError, match="method must be one of"):
        system_matrix_ad(feats, x, second_derivative(), method="fd")
    with pytest.raises(ValueError, match="is 2-D but the features have d = 1"):
        system_matrix_ad(feats, x, laplacian_operator(2))
    with pytest.raises(ValueError, match=r"x must be an \(N, 1\) array"):
        system_matrix_ad(feats, torch.zeros(3, 2), second_derivative())
    with pytest.raises(ValueError, match="no finite-difference stencil; supported operators"):
        system_matrix_fd(sample_features(4, 2), fd_grid((0.0, 0.0), (1.0, 1.0), 5), MIXED_2D)
    with pytest.raises(ValueError, match="activation must be one of"):
        sample_features(3, activation="swish")
    with pytest.raises(ValueError, match="order must be an integer >= 0"):
        activation_derivative("sin", x, -1)
