"""Tests of rankscope.operators.differential against closed-form derivatives (paper 002 eq. (16))."""

from __future__ import annotations

import pytest
import torch

from rankscope.operators.differential import DifferentialOperator, Term, as_operator
from rankscope.operators.standard_operators import identity, negative_laplacian


def _x1(n: int = 7) -> torch.Tensor:
    return torch.linspace(-1.0, 1.0, n, dtype=torch.float64)[:, None]


def _x2(n: int = 9) -> torch.Tensor:
    return torch.rand(n, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 - 1


def test_mixed_first_and_value_terms_with_variable_coefficients() -> None:
    x = _x2()
    op = DifferentialOperator(
        2,
        (
            Term(lambda p: p[:, 0], (1, 1)),  # x * u_xy
            Term(2.0, (0, 1)),  # 2 u_y
            Term(lambda p: torch.cos(p[:, 1])[:, None], (0, 0)),  # cos(y) u, coefficient (N, 1)
        ),
    )
    u = lambda p: p[:, 0] ** 2 * p[:, 1] ** 2  # noqa: E731
    a, b = x[:, 0], x[:, 1]
    expected = a * (4 * a * b) + 2 * (2 * a**2 * b) + torch.cos(b) * a**2 * b**2
    torch.testing.assert_close(op.apply(u, x), expected, rtol=1e-12, atol=1e-12)


def test_identity_and_apply_is_differentiable_in_parameters() -> None:
    w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    x = _x1(5)
    out = negative_laplacian(1).apply(lambda p: torch.sin(w * p[:, 0]), x).sum()
    (g,) = torch.autograd.grad(out, w)
    # d/dw sum w^2 sin(w x) = sum 2w sin(wx) + w^2 x cos(wx)
    expected = (2 * w * torch.sin(w * x[:, 0]) + w**2 * x[:, 0] * torch.cos(w * x[:, 0])).sum()
    torch.testing.assert_close(g, expected.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(identity(1).apply(lambda p: p[:, 0] + 1, x), x[:, 0] + 1)


def test_term_validation() -> None:
    with pytest.raises(ValueError, match="total order <= 2"):
        Term(1.0, (3,))
    with pytest.raises(ValueError, match="non-negative"):
        Term(1.0, (-1, 1))
    with pytest.raises(TypeError, match="alpha must be a tuple"):
        Term(1.0, [2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="coefficient must be a number or a callable"):
        Term("a", (1,))  # type: ignore[arg-type]


def test_operator_validation() -> None:
    with pytest.raises(ValueError, match="length dim = 2"):
        DifferentialOperator(2, (Term(1.0, (2,)),))
    with pytest.raises(ValueError, match="non-empty tuple"):
        DifferentialOperator(1, ())
    with pytest.raises(TypeError, match=r"terms\[0\] must be a Term"):
        DifferentialOperator(1, ((1.0, (2,)),))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"shape \(N, 1\)"):
        negative_laplacian(1).apply(lambda p: p[:, 0], torch.zeros(3, 2))
    with pytest.raises(ValueError, match="at least one point"):
        negative_laplacian(1).apply(lambda p: p[:, 0], torch.zeros(0, 1))
    bad = DifferentialOperator(1, (Term(lambda p: p, (0,)), Term(lambda p: p[:2, 0], (1,))))
    with pytest.raises(ValueError, match="coefficient of the term with alpha="):
        bad.apply(lambda p: p[:, 0], _x1())


def test_as_operator_rejects_a_lambda_and_says_how_to_build_one() -> None:
    with pytest.raises(TypeError, match=r"operator must be a DifferentialOperator.*negative_laplacian"):
        as_operator("operator", lambda u: u)
    assert as_operator("operator", identity(2)) == identity(2)


def _general_2d() -> DifferentialOperator:
    return DifferentialOperator(
        2,
        (
            Term(lambda x: 1.0 + x[:, 0] ** 2, (2, 0)),
            Term(-0.5, (1, 1)),
            Term(lambda x: torch.sin(x[:, 1]), (0, 2)),
            Term(3.0, (1, 0)),
            Term(lambda x: x[:, 0] * x[:, 1], (0, 0)),
        ),
    )


def test_autograd_and_func_paths_agree_in_values_and_parameter_gradients() -> None:
    from rankscope.nets import MLP

    net = MLP(2, 12, 2, act="tanh", seed=3).double()
    x = torch.rand(40, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    op = _general_2d()
    results = {}
    for method in ("func", "autograd"):
        net.zero_grad()
        r = op.apply(net, x, method=method)
        (r**2).sum().backward()
        results[method] = (r.detach(), [p.grad.clone() for p in net.parameters()])
    torch.testing.assert_close(results["func"][0], results["autograd"][0], rtol=1e-12, atol=1e-12)
    for g1, g2 in zip(results["func"][1], results["autograd"][1], strict=True):
        torch.testing.assert_close(g1, g2, rtol=1e-10, atol=1e-12)


def test_autograd_path_works_under_no_grad_and_rejects_bad_method() -> None:
    from rankscope.nets import MLP

    net = MLP(1, 8, 2, seed=1).double()
    x = torch.linspace(-1, 1, 5, dtype=torch.float64)[:, None]
    op = negative_laplacian(1)
    with torch.no_grad():
        r = op.apply(net, x, method="autograd")
    torch.testing.assert_close(r, op.apply(net, x, method="func").detach())
    with pytest.raises(ValueError, match="method"):
        op.apply(net, x, method="fast")
