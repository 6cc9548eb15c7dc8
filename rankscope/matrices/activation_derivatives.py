"""Derivatives of every order of an activation, ``sigma^{(k)}(z)``, in closed form or by ``torch.func``.

The random-feature system matrices of paper 001 (eq. 7, 11, 17: ``A_2``, ``A_3``) and the training
kernel hold these values. ``sigma^{(k)}`` comes in closed form for ``sin`` and ``tanh`` or, for any
activation, from ``torch.func`` (the ``k``-fold ``torch.func.grad`` of ``sum(sigma(z))``, exact for
elementwise activations); the method is chosen by an argument (``"auto"``: closed form where there
is one).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Literal

import numpy as np
import torch
from torch.func import grad

from rankscope._checks import check_choice, describe
from rankscope.nets.activations import ACTIVATIONS
from rankscope.nets.activations import activation as make_activation

__all__ = ["CLOSED_FORM_ACTIVATIONS", "activation_derivative"]

#: Activations whose derivatives of every order have a closed form here.
CLOSED_FORM_ACTIVATIONS = ("sin", "tanh")
Method = Literal["auto", "closed_form", "autodiff"]
_METHODS = ("auto", "closed_form", "autodiff")
ActivationLike = str | Callable[[torch.Tensor], torch.Tensor]


@lru_cache(maxsize=32)
def _tanh_poly(order: int) -> tuple[float, ...]:
    """Coefficients (low to high) of ``P_k`` with ``tanh^{(k)}(z) = P_k(tanh z)``.

    ``P_0(t) = t`` and ``P_{k+1}(t) = P_k'(t) (1 - t^2)`` since ``d tanh/dz = 1 - tanh^2``.
    """
    p = np.polynomial.Polynomial([0.0, 1.0])
    one_minus_t2 = np.polynomial.Polynomial([1.0, 0.0, -1.0])
    for _ in range(order):
        p = p.deriv() * one_minus_t2
    return tuple(float(c) for c in p.coef)


def _closed_form(name: str, z: torch.Tensor, order: int) -> torch.Tensor:
    if name == "sin":
        return (torch.sin, torch.cos, lambda v: -torch.sin(v), lambda v: -torch.cos(v))[order % 4](z)
    t = torch.tanh(z)
    out = torch.zeros_like(t)
    for c in reversed(_tanh_poly(order)):  # Horner
        out = out * t + c
    return out


def _autodiff(fn: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor, order: int) -> torch.Tensor:
    """``fn^{(order)}(z)`` of an elementwise ``fn`` by ``torch.func.grad``, nested ``order`` times.

    For an elementwise function the Jacobian is diagonal, so the gradient of ``sum(fn(z))`` is
    ``fn'(z)`` entrywise; nesting gives the higher derivatives with no ``vmap`` over the entries.
    (A ``vmap`` of nested scalar ``grad``s gives the same values about 20% slower; nested
    forward-mode ``jvp`` is an order of magnitude slower on CPU in torch 2.x.)
    """
    g = fn
    for _ in range(order):
        g = (lambda h: grad(lambda v: h(v).sum()))(g)
    return g(z)


def _resolve(activation: ActivationLike, method: str) -> tuple[str, ActivationLike]:
    check_choice("method", method, _METHODS)
    closed = isinstance(activation, str) and activation in CLOSED_FORM_ACTIVATIONS
    if method == "closed_form" and not closed:
        raise ValueError(
            f"method='closed_form' needs an activation in {list(CLOSED_FORM_ACTIVATIONS)}; got "
            f"{activation!r}; use method='autodiff' (torch.func) for other activations"
        )
    if method == "auto":
        method = "closed_form" if closed else "autodiff"
    if isinstance(activation, str):
        check_choice("activation", activation, tuple(ACTIVATIONS))
    elif not callable(activation):
        raise TypeError(f"activation must be a name or an elementwise callable; got {describe(activation)}")
    return method, activation


def activation_derivative(
    activation: ActivationLike, z: torch.Tensor, order: int, *, method: Method = "auto"
) -> torch.Tensor:
    """The ``order``-th derivative ``sigma^{(k)}(z)`` of an activation, entrywise.

    ``method="closed_form"``: ``sin^{(k)} = sin, cos, -sin, -cos`` (k mod 4) and
    ``tanh^{(k)} = P_k(tanh)`` (``P_{k+1} = P_k' (1 - t^2)``); ``"autodiff"``: ``torch.func.grad``
    of ``sum(sigma(z))``, nested k times
    of the activation (any elementwise torch function or a name in ``ACTIVATIONS``); ``"auto"``:
    closed form where there is one. Paper 001 eq. (7), (11), (17): ``A_2``, ``A_3`` hold these values.

    Example:
        >>> z = torch.tensor([0.3], dtype=torch.float64)
        >>> bool(torch.allclose(activation_derivative("tanh", z, 2, method="autodiff"),
        ...                     activation_derivative("tanh", z, 2, method="closed_form")))
        True
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"order must be an integer >= 0; got {order!r}")
    how, act = _resolve(activation, method)
    if how == "closed_form":
        return _closed_form(str(act), z, int(order))
    fn = make_activation(act) if isinstance(act, str) else act
    return _autodiff(fn, z, int(order))
