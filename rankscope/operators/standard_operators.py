"""The differential operators of paper 002: the identity, ``-Laplacian`` and the divergence form.

Each is a :class:`~rankscope.operators.differential.DifferentialOperator`: ``identity`` is the
boundary residual (eq. (10)), ``negative_laplacian`` eq. (7) with ``a = 1`` and ``divergence_form``
eq. (7), in 1D with an oscillating coefficient eq. (16).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from rankscope._checks import check_positive_int, describe
from rankscope.operators.differential import DifferentialOperator, Term

__all__ = ["divergence_form", "identity", "negative_laplacian"]


def _unit(dim: int, axis: int, order: int) -> tuple[int, ...]:
    return tuple(order if i == axis else 0 for i in range(dim))


def identity(dim: int = 1) -> DifferentialOperator:
    """``L u = u`` (the boundary residual of paper 002 eq. (10)).

    Example:
        >>> identity(2).terms[0].alpha
        (0, 0)
    """
    check_positive_int("dim", dim)
    return DifferentialOperator(dim, (Term(1.0, (0,) * dim),))


def negative_laplacian(dim: int = 1) -> DifferentialOperator:
    """``L u = -Delta u = -sum_i d^2 u / dx_i^2`` (``-u''`` in 1D; paper 002 eq. (7) with ``a = 1``).

    Example:
        >>> [t.alpha for t in negative_laplacian(2).terms]
        [(2, 0), (0, 2)]
    """
    check_positive_int("dim", dim)
    return DifferentialOperator(dim, tuple(Term(-1.0, _unit(dim, i, 2)) for i in range(dim)))


def divergence_form(a: Callable[[torch.Tensor], torch.Tensor], dim: int = 1) -> DifferentialOperator:
    """``L u = -div(a grad u) = -a Delta u - grad a . grad u`` for a scalar coefficient ``a(x)``.

    Paper 002 eq. (7); in 1D with ``a(x) = a0(x / eps)`` this is eq. (16),
    ``-(a0(x/eps) u'' + (1/eps) a0'(x/eps) u')``. ``grad a`` is computed by autograd of ``a``, which must
    act row-wise (``a(x)[i]`` depends on ``x[i]`` only) and map ``(N, d)`` to ``(N,)`` or ``(N, 1)``.

    Example:
        >>> op = divergence_form(lambda x: 1.0 + x[:, 0])
        >>> x = torch.tensor([[0.5]], dtype=torch.float64)
        >>> float(op.apply(lambda p: p[:, 0] ** 2, x))  # -((1 + x) 2x)' = -(2 + 4x)
        -4.0
    """
    check_positive_int("dim", dim)
    if not callable(a) or isinstance(a, DifferentialOperator):
        raise TypeError(f"a must be a callable x (N, d) -> (N,); got {describe(a)}")

    def a_flat(x: torch.Tensor) -> torch.Tensor:
        v = a(x)
        return v[:, 0] if v.ndim == 2 else v

    def da(axis: int) -> Callable[[torch.Tensor], torch.Tensor]:
        def coefficient(x: torch.Tensor) -> torch.Tensor:
            with torch.enable_grad():
                xg = x.detach().clone().requires_grad_(True)
                (g,) = torch.autograd.grad(a_flat(xg).sum(), xg)
            return -g[:, axis]

        return coefficient

    def neg_a(x: torch.Tensor) -> torch.Tensor:
        return -a_flat(x)

    terms = [Term(neg_a, _unit(dim, i, 2)) for i in range(dim)]
    terms += [Term(da(i), _unit(dim, i, 1)) for i in range(dim)]
    return DifferentialOperator(dim, tuple(terms))
