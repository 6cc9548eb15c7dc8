"""Poisson's equation with homogeneous Dirichlet data, solved by a PINN: paper 000 Example 4.2 (Fig. 7).

paper 000, Example 4.2: ``-Delta u = f`` in ``Omega = [-pi/2, pi/2]^2``, ``u = 0``
on the boundary, ``f(x, y) = 8 sin 2x sin 2y`` with the analytic solution ``u = sin 2x sin 2y``, and the
loss (4.4) ``L(u) = ||Delta u + f||^2_{L2(Omega)} + ||u||^2_{L2(dOmega)}``, the Laplacian by automatic
differentiation (``rankscope.operators.laplacian``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from rankscope.operators import laplacian
from rankscope.sampling import Box

__all__ = ["PoissonDirichlet", "poisson_example_4_2"]


@dataclass(frozen=True)
class PoissonDirichlet:
    """``-Delta u = f`` in ``domain``, ``u = 0`` on its boundary, with a known exact solution
    (paper 000 Example 4.2; :meth:`loss` is eq. (4.4)).

    ``source`` and ``exact`` map an ``(m, d)`` tensor to ``(m,)``.
    """

    domain: Box
    source: Callable[[torch.Tensor], torch.Tensor]
    exact: Callable[[torch.Tensor], torch.Tensor]

    def loss(
        self,
        model: nn.Module,
        interior: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
        bdry: tuple[torch.Tensor, torch.Tensor],
    ) -> torch.Tensor:
        """Loss (4.4) ``sum_k w_k (Delta u + f)^2(x_k) + sum_b w_b u(x_b)^2``: the two squared L2
        norms by quadrature. ``interior = (points, weights, f(points))``, ``bdry = (points, weights)``."""
        x, w, f = interior
        xb, wb = bdry
        residual = laplacian(model, x) + f
        ub = model(xb).reshape(-1)
        out: torch.Tensor = (w * residual**2).sum() + (wb * ub**2).sum()
        return out


def _sin2_source(x: torch.Tensor) -> torch.Tensor:
    return 8.0 * torch.sin(2 * x[:, 0]) * torch.sin(2 * x[:, 1])


def _sin2_exact(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(2 * x[:, 0]) * torch.sin(2 * x[:, 1])


def poisson_example_4_2() -> PoissonDirichlet:
    """Paper 000 Example 4.2: ``f = 8 sin 2x sin 2y`` on ``[-pi/2, pi/2]^2``, ``u = sin 2x sin 2y``."""
    h = math.pi / 2
    return PoissonDirichlet(Box((-h, -h), (h, h)), _sin2_source, _sin2_exact)
