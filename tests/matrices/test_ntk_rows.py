import numpy as np
import pytest
import torch
from torch import nn
from torch.func import functional_call, jacrev

from rankscope.matrices.ntk_rows import ntk_by_rows, parameter_groups


def _cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3),
        nn.BatchNorm2d(3),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(3 * 4 * 4, 4),
    ).double()


def _jacrev_kernel(net: nn.Module, x: torch.Tensor) -> np.ndarray:
    """The second algorithm: the whole batch through ``jacrev`` of a functional call, then ``J J^T``."""
    params = {n: p.detach() for n, p in net.named_parameters()}
    buffers = dict(net.named_buffers())
    jac = jacrev(lambda p: functional_call(net, {**p, **buffers}, (x,)).reshape(-1))(params)
    rows = next(iter(jac.values())).shape[0]
    j = torch.cat([v.reshape(rows, -1) for v in jac.values()], dim=1)
    return (j @ j.T).numpy()


def test_the_kernel_equals_jacrev_of_the_batch_and_rows_are_point_major():
    net = _cnn().eval()
    x = torch.rand(5, 1, 6, 6, dtype=torch.float64)
    k = ntk_by_rows(net, x)
    assert k.shape == (20, 20) and k.dtype == torch.float64
    np.testing.assert_allclose(k.numpy(), _jacrev_kernel(net, x), rtol=1e-12, atol=1e-12)
    # row i * c + o: point 2, output 3 against the gradient computed by hand
    g = torch.autograd.grad(net(x[2:3])[0, 3], list(net.parameters()))
    flat = torch.cat([v.reshape(-1) for v in g])
    assert float(k[2 * 4 + 3, 2 * 4 + 3]) == pytest.approx(float(flat @ flat), rel=1e-12)


def test_grouping_by_a_small_budget_gives_the_same_kernel():
    net = _cnn().eval()
    x = torch.rand(3, 1, 6, 6, dtype=torch.float64)
    whole = ntk_by_rows(net, x)
    per_tensor = ntk_by_rows(net, x, memory_budget=1)  # every tensor its own group
    np.testing.assert_allclose(per_tensor.numpy(), whole.numpy(), rtol=1e-13, atol=1e-13)


def test_the_model_is_left_as_it_was():
    net = _cnn().train()
    net[0].bias.requires_grad_(False)
    before = {n: p.detach().clone() for n, p in net.state_dict().items()}
    with torch.no_grad():  # the caller's no_grad does not stop it
        k = ntk_by_rows(net, torch.rand(2, 1, 6, 6, dtype=torch.float64))
    assert torch.all(torch.linalg.eigvalsh(k) > -1e-10)
    assert net.training and net[1].training
    assert net[0].bias.requires_grad is False and net[0].weight.requires_grad is True
    for n, v in net.state_dict().items():
        assert torch.equal(v, before[n]), n


def test_frozen_parameters_are_not_in_the_kernel():
    net = nn.Linear(3, 1, bias=True).double()
    net.weight.requires_grad_(False)
    x = torch.rand(4, 3, dtype=torch.float64)
    np.testing.assert_allclose(ntk_by_rows(net, x).numpy(), np.ones((4, 4)))  # d f / d b = 1


def test_parameter_groups_and_bad_input():
    assert parameter_groups([10, 1, 1], n_rows=1, itemsize=1, budget=2) == [[0], [1, 2]]
    with pytest.raises(ValueError, match="memory_budget"):
        parameter_groups([1], 1, 8, 0)
    with pytest.raises(ValueError, match="x must be a batch"):
        ntk_by_rows(nn.Linear(2, 1), torch.zeros(()))
    frozen = nn.Linear(2, 1).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        ntk_by_rows(frozen, torch.zeros(3, 2))


def test_a_scalar_mlp_agrees_with_the_float64_output_ntk():
    from rankscope.matrices.ntk import output_ntk
    from rankscope.nets import MLP

    net = MLP(2, 8, 2, seed=0).double()
    x = torch.rand(7, 2, dtype=torch.float64)
    np.testing.assert_allclose(ntk_by_rows(net, x).numpy(), output_ntk(net, x), rtol=1e-12, atol=1e-13)
