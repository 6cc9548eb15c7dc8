"""Paper 002's one-dimensional boundary value problems as data: multiscale elliptic, two-scale, Fourier.

All problems live on ``(-pi, pi)`` with homogeneous Dirichlet data (the paper's choice throughout) and
are solved by the PINN loss (8) of paper 002::

    L(theta) = 1/N_c sum_i 1/2 |L u(x_i) - f(x_i)|^2 + lam/N_b sum_i 1/2 |u(s_i) - g(s_i)|^2

with ``L`` a :class:`rankscope.operators.differential.DifferentialOperator`:

- eq. (15)/(16): ``-(a(x/scale) u')'`` with the one-periodic ``a(y) = 1/(2.1 + 2 sin 2 pi y)`` of Sec. 4.1
  (:func:`multiscale_bvp`, the NTK experiments);
- eq. (27): the Poisson problem ``-u'' = 4 sin 2x + (1/scale) sin(x/scale)`` solved by the two-scale
  function ``u^epsilon`` of eq. (26) (:func:`two_scale_poisson`);
- eq. (28): the Darcy problem ``-(a(x/scale) u')' = f^epsilon`` with ``a(x/scale) = 1/(2.1 + 2
  sin(x/scale))`` (note: ``sin(x/scale)``, not ``sin(2 pi x/scale)``; appendix D's forcing is exact for
  this one, checked in the tests by autodiff of ``u^epsilon``) and ``f^epsilon = g^epsilon/h^epsilon``
  of appendix D (:func:`two_scale_darcy`);
- eq. (4): ``-u'' = sin x + sin 5x + sin 15x + sin 55x`` with ``lam = 80`` (:func:`frequency_bvp`).

``scale`` is the paper's small length ``epsilon`` of the oscillations (``a(x/scale)``); the name ``eps`` is
kept for rank thresholds throughout rankscope.

Coefficients, forcings and exact solutions take ``torch`` tensors or numpy arrays (elementwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import torch
from torch import nn

from rankscope.linalg.types import ArrayT
from rankscope.operators.differential import DifferentialOperator, check_points
from rankscope.operators.standard_operators import divergence_form, negative_laplacian

__all__ = [
    "FREQUENCIES",
    "DirichletBVP1D",
    "darcy_coefficient",
    "darcy_forcing",
    "frequency_bvp",
    "frequency_forcing",
    "frequency_solution",
    "multiscale_bvp",
    "periodic_coefficient",
    "periodic_coefficient_derivative",
    "poisson_forcing",
    "two_scale_darcy",
    "two_scale_poisson",
    "two_scale_solution",
]

#: The frequencies of the forcing of paper 002 eq. (4).
FREQUENCIES = (1, 5, 15, 55)


def _lib(x: torch.Tensor | np.ndarray) -> ModuleType:
    return torch if isinstance(x, torch.Tensor) else np


def _col(x: torch.Tensor) -> torch.Tensor:
    """The first coordinate of points ``(N, 1)`` (or a plain ``(N,)`` vector)."""
    return x[:, 0] if x.ndim == 2 else x


def periodic_coefficient(y: ArrayT) -> ArrayT:
    """``a(y) = 1/(2.1 + 2 sin(2 pi y))``: the one-periodic coefficient of paper 002 Sec. 4.1 (Fig. 2).

    Example:
        >>> float(periodic_coefficient(np.array([0.0]))[0])
        0.47619047619047616
    """
    m = _lib(y)
    out: ArrayT = 1.0 / (2.1 + 2.0 * m.sin(2.0 * math.pi * y))
    return out


def periodic_coefficient_derivative(y: ArrayT) -> ArrayT:
    """``a'(y) = -4 pi cos(2 pi y) / (2.1 + 2 sin(2 pi y))^2`` (for the explicit form of eq. 16)."""
    m = _lib(y)
    out: ArrayT = -4.0 * math.pi * m.cos(2.0 * math.pi * y) / (2.1 + 2.0 * m.sin(2.0 * math.pi * y)) ** 2
    return out


def darcy_coefficient(y: ArrayT) -> ArrayT:
    """``a(y) = 1/(2.1 + 2 sin y)``: the coefficient of the Darcy problem, paper 002 eq. (28)."""
    m = _lib(y)
    out: ArrayT = 1.0 / (2.1 + 2.0 * m.sin(y))
    return out


def two_scale_solution(x: ArrayT, scale: float) -> ArrayT:
    """``u^epsilon(x) = sin 2x + scale sin(x/scale) - (scale/pi) sin(pi/scale) x``, paper 002 eq. (26).

    Zero at ``x = +-pi``. Example:
        >>> abs(float(two_scale_solution(np.array([np.pi]), 1 / 32)[0])) < 1e-12
        True
    """
    m = _lib(x)
    out: ArrayT = (
        m.sin(2.0 * x) + scale * m.sin(x / scale) - (scale / math.pi) * math.sin(math.pi / scale) * x
    )
    return out


def poisson_forcing(x: ArrayT, scale: float) -> ArrayT:
    """``-u^epsilon'' = 4 sin 2x + (1/scale) sin(x/scale)``, paper 002 eq. (27)."""
    m = _lib(x)
    out: ArrayT = 4.0 * m.sin(2.0 * x) + m.sin(x / scale) / scale
    return out


def darcy_forcing(x: ArrayT, scale: float) -> ArrayT:
    """``f^epsilon = g^epsilon / h^epsilon`` of paper 002 appendix D, the right-hand side of eq. (28)::

        g = 10 [20 pi + 168 pi scale cos x sin x - 20 (2 pi - 4 pi cos^2 x + scale sin(pi/scale)) cos(x/scale)
                + (21 pi + 160 pi scale cos x sin x) sin(x/scale)]
        h = 400 pi scale sin^2(x/scale) + 840 pi scale sin(x/scale) + 441 pi scale

    (``h = 100 pi scale (2.1 + 2 sin(x/scale))^2``.)
    """
    m = _lib(x)
    pi = math.pi
    c, s = m.cos(x), m.sin(x)
    sx, cx = m.sin(x / scale), m.cos(x / scale)
    g = 10.0 * (
        20 * pi
        + 168 * pi * scale * c * s
        - 20 * (2 * pi - 4 * pi * c**2 + scale * math.sin(pi / scale)) * cx
        + (21 * pi + 160 * pi * scale * c * s) * sx
    )
    h = 400 * pi * scale * sx**2 + 840 * pi * scale * sx + 441 * pi * scale
    out: ArrayT = g / h
    return out


def frequency_forcing(x: ArrayT) -> ArrayT:
    """``f(x) = sin x + sin 5x + sin 15x + sin 55x``, paper 002 eq. (4)."""
    m = _lib(x)
    out: ArrayT = sum(m.sin(k * x) for k in FREQUENCIES)
    return out


def frequency_solution(x: ArrayT) -> ArrayT:
    """The solution of eq. (4): ``u = sum_k sin(kx)/k^2`` over ``k in (1, 5, 15, 55)``, zero at ``+-pi``."""
    m = _lib(x)
    out: ArrayT = sum(m.sin(k * x) / k**2 for k in FREQUENCIES)
    return out


@dataclass(frozen=True)
class DirichletBVP1D:
    """``L u = f`` on ``(a, b)``, ``u(a) = g_a``, ``u(b) = g_b``, solved by the PINN loss (8) of paper 002.

    Attributes:
        name: a label.
        interval: ``(a, b)``.
        operator: the linear operator ``L`` (``dim == 1``).
        forcing: ``f``, maps points ``(N, 1)`` to ``(N,)``.
        exact: the exact solution (points ``(N, 1)`` to ``(N,)``) or ``None`` when unknown.
        boundary_values: ``(g_a, g_b)``.
        lam: the boundary weight ``lambda`` of eq. (8).
    """

    name: str
    interval: tuple[float, float]
    operator: DifferentialOperator
    forcing: Callable[[torch.Tensor], torch.Tensor]
    exact: Callable[[torch.Tensor], torch.Tensor] | None = None
    boundary_values: tuple[float, float] = (0.0, 0.0)
    lam: float = 1.0

    def collocation(self, n: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """``n`` equispaced interior points ``a + k (b - a)/(n + 1)``, ``k = 1..n``: shape ``(n, 1)``."""
        if not (isinstance(n, int) and n > 0):
            raise ValueError(f"n must be a positive integer number of collocation points; got {n!r}")
        a, b = self.interval
        return torch.linspace(a, b, n + 2, dtype=torch.float64)[1:-1, None].to(dtype)

    def boundary(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The two boundary points ``[[a], [b]]``."""
        return torch.tensor([[self.interval[0]], [self.interval[1]]], dtype=dtype)

    def check_inside(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """``x`` as ``(N, 1)`` points, or a ValueError naming ``name`` if any lies outside the interval."""
        x = check_points(name, x, 1)
        a, b = self.interval
        # slack of a few ulps: the end points rounded to float32 may land just outside
        slack = 4 * torch.finfo(x.dtype).eps * max(abs(a), abs(b), 1.0)
        outside = ((x[:, 0] < a - slack) | (x[:, 0] > b + slack)).nonzero().flatten()
        if outside.numel():
            first = outside[:5].tolist()
            raise ValueError(
                f"{name} must lie in the problem's interval [{a:g}, {b:g}]; {outside.numel()} points do not, "
                f"e.g. rows {first} with values {x[first, 0].tolist()}"
            )
        return x

    def residual(
        self, model: nn.Module | Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
    ) -> torch.Tensor:
        """``r_pde = L u(x_i) - f(x_i)``, eq. (9): shape ``(N,)``."""
        x = self.check_inside("x", x)
        return self.operator.apply(model, x) - self.forcing(x)

    def loss_fn(
        self, x: torch.Tensor, xb: torch.Tensor | None = None
    ) -> Callable[[nn.Module | Callable[[torch.Tensor], torch.Tensor]], torch.Tensor]:
        """The loss (8) at collocation points ``x (N_c, 1)`` and boundary points ``xb (N_b, 1)`` (default
        the two end points), with ``f(x)`` and the boundary data evaluated once."""
        x = self.check_inside("x", x)
        xb = self.boundary(x.dtype) if xb is None else self.check_inside("xb", xb)
        f = self.forcing(x).detach()
        g = torch.where(
            xb[:, 0] < 0.5 * (self.interval[0] + self.interval[1]),
            torch.tensor(self.boundary_values[0], dtype=x.dtype),
            torch.tensor(self.boundary_values[1], dtype=x.dtype),
        )
        lam, nb = float(self.lam), xb.shape[0]

        def loss(model: nn.Module | Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
            r = self.operator.apply(model, x) - f
            rb = model(xb).reshape(-1) - g
            out: torch.Tensor = 0.5 * (r**2).mean() + lam / nb * 0.5 * (rb**2).sum()
            return out

        return loss


def _x(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    def g(x: torch.Tensor) -> torch.Tensor:
        return fn(_col(x))

    return g


def multiscale_bvp(
    scale: float, forcing: Callable[[torch.Tensor], torch.Tensor] | None = None, *, lam: float = 1.0
) -> DirichletBVP1D:
    """Eq. (15) on ``(-pi, pi)`` with ``u(+-pi) = 0`` and ``a^epsilon(x) = a(x/scale)``, ``a`` of
    :func:`periodic_coefficient`; ``L^epsilon u = -(a(x/scale) u')'`` as in eq. (16).

    The paper states no forcing for Sec. 4.1 (the NTK does not depend on it); default ``f = 1``.
    """
    if not (isinstance(scale, (int, float)) and scale > 0):
        raise ValueError(f"scale must be a positive number; got {scale!r}")

    def a(x: torch.Tensor) -> torch.Tensor:
        return periodic_coefficient(_col(x) / scale)

    def one(x: torch.Tensor) -> torch.Tensor:
        return torch.ones_like(_col(x))

    return DirichletBVP1D(
        f"multiscale eq. (15), scale={scale:g}",
        (-math.pi, math.pi),
        divergence_form(a, 1),
        forcing or one,
        None,
        lam=lam,
    )


def two_scale_poisson(scale: float = 1 / 32, *, lam: float = 2.0) -> DirichletBVP1D:
    """Eq. (27): ``-u'' = 4 sin 2x + sin(x/scale)/scale`` on ``(-pi, pi)``, exact ``u^epsilon`` of eq. (26).

    ``lam = 2`` makes eq. (8) the loss of Sec. 4.2 (``... + 1/2 (u(-pi)^2 + u(pi)^2)``).
    """
    return DirichletBVP1D(
        f"two-scale Poisson eq. (27), scale={scale:g}",
        (-math.pi, math.pi),
        negative_laplacian(1),
        _x(lambda t: poisson_forcing(t, scale)),
        _x(lambda t: two_scale_solution(t, scale)),
        lam=lam,
    )


def two_scale_darcy(scale: float = 1 / 32, *, lam: float = 2.0) -> DirichletBVP1D:
    """Eq. (28): ``-(a(x/scale) u')' = f^epsilon`` with ``a(y) = 1/(2.1 + 2 sin y)`` and appendix D's forcing;
    exact ``u^epsilon`` of eq. (26). ``lam = 2`` as in :func:`two_scale_poisson`."""

    def a(x: torch.Tensor) -> torch.Tensor:
        return darcy_coefficient(_col(x) / scale)

    return DirichletBVP1D(
        f"two-scale Darcy eq. (28), scale={scale:g}",
        (-math.pi, math.pi),
        divergence_form(a, 1),
        _x(lambda t: darcy_forcing(t, scale)),
        _x(lambda t: two_scale_solution(t, scale)),
        lam=lam,
    )


def frequency_bvp(*, lam: float = 80.0) -> DirichletBVP1D:
    """Eq. (4)-(5): ``-u'' = sin x + sin 5x + sin 15x + sin 55x`` on ``(-pi, pi)``, ``u(+-pi) = 0``,
    boundary weight ``lam = 80`` (Sec. 2)."""
    return DirichletBVP1D(
        "frequency principle eq. (4)",
        (-math.pi, math.pi),
        negative_laplacian(1),
        _x(frequency_forcing),
        _x(frequency_solution),
        lam=lam,
    )
