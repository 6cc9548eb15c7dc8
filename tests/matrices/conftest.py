"""What the NTK tests share: a brute-force residual Jacobian by plain ``torch.autograd``."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import torch
from torch import nn

from rankscope.operators.differential import DifferentialOperator


def _brute_jacobian(model: nn.Module, op: DifferentialOperator, x: torch.Tensor) -> torch.Tensor:
    """J row by row with plain torch.autograd (independent of torch.func): d(L u)(x_i)/d theta."""
    m = copy.deepcopy(model).to(torch.float64)
    params = list(m.parameters())
    coeffs = op.coefficients(x)
    rows = []
    for i in range(x.shape[0]):
        p = x[i : i + 1].clone().requires_grad_(True)
        u = m(p).reshape(())
        (grad,) = torch.autograd.grad(u, p, create_graph=True)
        total = torch.zeros((), dtype=torch.float64)
        for t, term in enumerate(op.terms):
            axes = [a for a, k in enumerate(term.alpha) for _ in range(k)]
            if not axes:
                d = u
            elif len(axes) == 1:
                d = grad[0, axes[0]]
            else:
                d = torch.autograd.grad(grad[0, axes[0]], p, create_graph=True)[0][0, axes[1]]
            total = total + coeffs[t, i] * d
        gs = torch.autograd.grad(total, params, allow_unused=True)
        rows.append(
            torch.cat(
                [
                    (torch.zeros_like(q) if g is None else g).reshape(-1)
                    for q, g in zip(params, gs, strict=True)
                ]
            )
        )
    return torch.stack(rows)


@pytest.fixture
def brute_jacobian() -> Callable[[nn.Module, DifferentialOperator, torch.Tensor], torch.Tensor]:
    """:func:`_brute_jacobian`, the reference the recipe and the output NTK are checked against."""
    return _brute_jacobian
