"""Function fitting as data (paper 000 Example 2.6): the staircase target and the mean square error."""

import math

import pytest
import torch
from torch import nn

from rankscope.problems.fitting import FunctionFitting, staircase_target
from rankscope.sampling import Interval


class _Constant(nn.Module):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.full((x.shape[0], 1), self.value, dtype=x.dtype)


def test_staircase_target_is_eq_2_5_on_the_unit_interval():
    prob = staircase_target()
    assert prob.domain == Interval(-1.0, 1.0)
    x = torch.tensor([[0.0], [math.pi / 30], [1.0]], dtype=torch.float64)
    expected = [
        3.0,
        math.cos(math.pi / 30) + math.cos(math.pi / 15) - 1.0,
        math.cos(1) + math.cos(2) + math.cos(30),
    ]
    torch.testing.assert_close(prob.target(x)[:, 0], torch.tensor(expected, dtype=torch.float64))


def test_mse_is_the_mean_of_squared_residuals_at_the_samples():
    prob = FunctionFitting("x", Interval(0.0, 1.0), lambda x: x)
    x = torch.tensor([[0.0], [0.5], [1.0]], dtype=torch.float64)
    # u = 1/2: residuals -1/2, 0, 1/2 -> mean square 1/6
    assert float(prob.mse(_Constant(0.5), x)) == pytest.approx(1 / 6, rel=1e-15)
    assert float(prob.mse(_Constant(0.5), x, y=torch.full((3, 1), 0.5, dtype=torch.float64))) == 0.0
