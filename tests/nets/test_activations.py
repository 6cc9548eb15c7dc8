import math

import pytest
import torch

from rankscope.nets.activations import ACTIVATIONS, Cos, Sin, activation


@pytest.mark.parametrize("name", ["tanh", "relu", "elu", "cos", "sin", "sigmoid", "gelu", "silu"])
def test_activations_build(name):
    act = activation(name)
    assert act(torch.zeros(3)).shape == (3,)


def test_cos_and_sin_are_the_elementwise_functions_and_each_name_builds_a_fresh_module():
    x = torch.tensor([0.0, math.pi / 2, math.pi], dtype=torch.float64)
    torch.testing.assert_close(Cos()(x), torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64))
    torch.testing.assert_close(Sin()(x), torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64))
    assert isinstance(activation("cos"), Cos) and isinstance(activation("elu"), torch.nn.ELU)
    assert activation("tanh") is not activation("tanh")
    assert float(activation("relu")(torch.tensor(-2.0))) == 0.0
    assert float(activation("softplus")(torch.tensor(0.0))) == pytest.approx(math.log(2.0))
    with pytest.raises(ValueError, match=r"activation must be one of \['cos', 'elu', 'gelu'"):
        activation("swish")
    assert set(ACTIVATIONS) >= {"tanh", "relu", "elu", "cos"}  # paper 000 Example 2.6 (iii)
