"""The operators of paper 002 against closed-form derivatives (eq. (7), (16))."""

from __future__ import annotations

import math

import torch

from rankscope.operators.standard_operators import divergence_form, negative_laplacian


def _x1(n: int = 7) -> torch.Tensor:
    return torch.linspace(-1.0, 1.0, n, dtype=torch.float64)[:, None]


def _x2(n: int = 9) -> torch.Tensor:
    return torch.rand(n, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 - 1


def test_negative_laplacian_1d_sin() -> None:
    x = _x1()
    out = negative_laplacian(1).apply(lambda p: torch.sin(3 * p[:, 0]), x)
    torch.testing.assert_close(out, 9 * torch.sin(3 * x[:, 0]), rtol=1e-12, atol=1e-12)


def test_negative_laplacian_2d_polynomial_and_output_shape_n1() -> None:
    x = _x2()
    # u = x^2 y + y^3 -> Delta u = 2y + 6y; fn returns (N, 1)
    out = negative_laplacian(2).apply(lambda p: (p[:, 0] ** 2 * p[:, 1] + p[:, 1] ** 3)[:, None], x)
    torch.testing.assert_close(out, -8 * x[:, 1], rtol=1e-12, atol=1e-12)


def test_divergence_form_is_eq16() -> None:
    eps = 0.1

    def a0(y: torch.Tensor) -> torch.Tensor:
        return 1.0 / (2.1 + 2.0 * torch.sin(2 * math.pi * y))

    def a0_prime(y: torch.Tensor) -> torch.Tensor:
        return -4 * math.pi * torch.cos(2 * math.pi * y) / (2.1 + 2.0 * torch.sin(2 * math.pi * y)) ** 2

    x = _x1(11)
    op = divergence_form(lambda p: a0(p[:, 0] / eps))
    # u = x^3: eq. (16) L u = -(a(x/eps) 6x + (1/eps) a'(x/eps) 3x^2)
    y = x[:, 0]
    expected = -(a0(y / eps) * 6 * y + a0_prime(y / eps) / eps * 3 * y**2)
    torch.testing.assert_close(op.apply(lambda p: p[:, 0] ** 3, x), expected, rtol=1e-12, atol=1e-10)
    assert [t.alpha for t in op.terms] == [(2,), (1,)]


def test_divergence_form_2d_matches_constant_case() -> None:
    x = _x2()
    u = lambda p: torch.sin(p[:, 0]) * torch.exp(p[:, 1])  # noqa: E731
    out = divergence_form(lambda p: 3.0 + 0.0 * p[:, 0], 2).apply(u, x)
    torch.testing.assert_close(out, 3.0 * negative_laplacian(2).apply(u, x), rtol=1e-12, atol=1e-12)
