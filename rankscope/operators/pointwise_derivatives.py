"""Input derivatives of a function one point at a time (``torch.func``), and when a batch is enough.

:func:`point_derivatives` gives ``D^alpha f(p)`` for several multi-indices of total order <= 2 at one
point ``p``, to be mapped over the points with ``vmap``: right for any ``f``. Batch autograd (one
``torch.autograd.grad`` of the summed outputs) gives the same numbers only when output row ``i``
depends on input row ``i`` alone; :func:`acts_row_by_row` says when a module is known to do that.
``DifferentialOperator.apply`` (:mod:`rankscope.operators.differential`) chooses between the two, and
the NTK recipe of ``rankscope.matrices`` differentiates per point.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import jacfwd, jacrev

__all__ = ["acts_row_by_row", "point_derivatives"]


def acts_row_by_row(fn: object) -> bool:
    """Whether ``fn`` is a module built only of layers that map each input row to its output row alone
    (so batch derivatives equal per-point derivatives): Linear, elementwise activations, containers,
    and rankscope's MLP / ResidualMLP. Anything else (normalisation, attention, ...) is ``False``."""
    from torch import nn

    from rankscope.nets.activations import Cos, Sin
    from rankscope.nets.mlp import MLP, HiddenLayer

    if not isinstance(fn, nn.Module):
        return False
    allowed = (
        nn.Linear, nn.Sequential, nn.ModuleList, nn.Identity, nn.Tanh, nn.Sigmoid, nn.Softplus, nn.ReLU,
        nn.ELU, nn.GELU, nn.SiLU, Cos, Sin, MLP, HiddenLayer,
    )  # fmt: skip
    return all(type(m) in allowed or isinstance(m, MLP) for m in fn.modules())


def point_derivatives(
    f: Callable[[torch.Tensor], torch.Tensor], alphas: list[tuple[int, ...]]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """``p (d,) -> [D^alpha f(p) for alpha in alphas]`` (shape ``(len(alphas),)``), orders <= 2.

    Computes only what is needed: the value, the gradient (``jacrev``) and the Hessian
    (``jacfwd(jacrev)``).
    """
    order = max(sum(a) for a in alphas)

    def derivs(p: torch.Tensor) -> torch.Tensor:
        out: list[torch.Tensor] = []
        value = f(p) if any(sum(a) == 0 for a in alphas) else None
        grad = jacrev(f)(p) if any(sum(a) == 1 for a in alphas) else None
        hess = jacfwd(jacrev(f))(p) if order == 2 else None
        for a in alphas:
            axes = [i for i, k in enumerate(a) for _ in range(k)]
            if not axes:
                out.append(value)  # type: ignore[arg-type]
            elif len(axes) == 1:
                out.append(grad[axes[0]])  # type: ignore[index]
            else:
                out.append(hess[axes[0], axes[1]])  # type: ignore[index]
        return torch.stack(out)

    return derivs
