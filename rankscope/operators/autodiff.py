"""Exact derivatives of a network in its input by automatic differentiation (``torch.func``).

A network ``u: R^d -> R`` (an ``nn.Module`` mapping ``(m, d)`` to ``(m, 1)`` or ``(m,)``) is turned into
a function of one point, differentiated with nested ``torch.func.jacfwd``/``jacrev``, and mapped over
the points with ``vmap``. The results stay differentiable with respect to the network's parameters,
so a PINN loss built from them can be back-propagated (paper 000 eq. 4.4, paper 001 eq. 7).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.func import functional_call, jacfwd, jacrev, vmap

__all__ = ["derivative", "gradient", "hessian", "laplacian", "pointwise"]

PointFn = Callable[[torch.Tensor], torch.Tensor]


def pointwise(model: nn.Module | Callable[[torch.Tensor], torch.Tensor]) -> PointFn:
    """The scalar function ``x (d,) -> u(x) ()`` of a batched model ``(m, d) -> (m, 1)``."""
    if isinstance(model, nn.Module):
        params = dict(model.named_parameters())
        buffers = dict(model.named_buffers())

        def f(x: torch.Tensor) -> torch.Tensor:
            out = functional_call(model, {**params, **buffers}, (x[None, :],))
            if out.numel() != 1:
                raise ValueError(
                    f"model must have a scalar output per point; got output shape {tuple(out.shape)} "
                    "for one point"
                )
            result: torch.Tensor = out.reshape(())
            return result

        return f

    def g(x: torch.Tensor) -> torch.Tensor:
        return model(x[None, :]).reshape(())

    return g


def _check_points(x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError(f"x must be a tensor of points of shape (m, d); got {getattr(x, 'shape', type(x))}")
    return x


def gradient(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``grad_x u`` at each point: shape ``(m, d)``."""
    f = pointwise(model)
    out: torch.Tensor = vmap(jacrev(f))(_check_points(x))
    return out


def hessian(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The Hessian ``D_x^2 u`` at each point: shape ``(m, d, d)``."""
    f = pointwise(model)
    out: torch.Tensor = vmap(jacfwd(jacrev(f)))(_check_points(x))
    return out


def laplacian(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``Delta u = sum_i d^2 u / dx_i^2`` at each point: shape ``(m,)``.

    Example:
        >>> class Sq(nn.Module):
        ...     def forward(self, x):
        ...         return (x**2).sum(1, keepdim=True)
        >>> laplacian(Sq(), torch.ones(3, 2)).tolist()
        [4.0, 4.0, 4.0]
    """
    return torch.diagonal(hessian(model, x), dim1=-2, dim2=-1).sum(-1)


def derivative(model: nn.Module, x: torch.Tensor, alpha: Sequence[int]) -> torch.Tensor:
    """The partial derivative ``D^alpha u`` for a multi-index ``alpha`` (one order per input axis).

    ``alpha = (4,)`` is ``u''''`` in 1-D; ``alpha = (1, 1)`` is ``u_xy`` in 2-D. Shape ``(m,)``.
    """
    x = _check_points(x)
    alpha = tuple(int(a) for a in alpha)
    if len(alpha) != x.shape[1] or any(a < 0 for a in alpha):
        raise ValueError(f"alpha must hold {x.shape[1]} non-negative orders, one per input axis; got {alpha}")
    f: PointFn = pointwise(model)
    for axis, order in enumerate(alpha):
        for _ in range(order):
            f = _partial(f, axis)
    return vmap(f)(x)


def _partial(f: PointFn, axis: int) -> PointFn:
    def df(x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = jacfwd(f)(x)[axis]
        return out

    return df
