"""The problems of paper 001 (AD vs FD) as data: domain, operator, forcing, exact solution, BCs.

paper 001, Sec. 3-4 and appendix B:

* ``poisson1d`` (B.2.1): ``u_xx = f`` on ``[-1, 1]``, ``u(+-1) = 0``, ``f = -pi^2 sin(pi x)``,
  ``u = sin(pi x)``; ``lambda = 1``.
* ``poisson2d`` (B.3.1): ``Delta u = f`` on ``[0, 1]^2``, ``u = 0`` on the boundary,
  ``u = sin(pi x) sin(pi y)``, so ``f = -2 pi^2 sin(pi x) sin(pi y)``. Both the text of Sec. 4
  (``f = pi^2 sin sin``) and B.3 (``f = -pi^2 sin sin``) drop the factor 2 of the Laplacian of
  ``u``; we follow the mathematics. ``lambda = 1``.
* ``biharmonic`` (B.4.1): ``u'''' = exp(x)`` on ``[-1, 1]``, ``u(+-1) = u'(+-1) = 0``,
  ``u = c_0 + c_1 x + c_2 x^2 + c_3 x^3 + exp(x)``; ``lambda = 100``. The coefficients printed in
  Sec. 4 (B.4 prints the same numbers under permuted labels) meet ``u(1) = u'(+-1) = 0`` but give
  ``u(-1) = 0.245``; we solve the 4 x 4 boundary system instead
  (``c_0 = -e/4 - 3/(4e)``, ``c_1 = 1/e - e/2``, ``c_2 = (1/e - e)/4``, ``c_3 = -1/(2e)``).

Collocation follows the paper: a uniform grid of N points with spacing ``h = |Omega| / N`` per axis
(``h = 2/N`` on ``[-1, 1]``, ``h = 1/64`` for 64 x 64 on ``[0, 1]^2``), cell-centred so the
stencil's neighbours are equally spaced (:class:`rankscope.operators.fd_grids.FDGrid`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from rankscope._checks import check_choice, check_positive_int
from rankscope.operators.constant_coefficient import DiffOperator, diff_operator
from rankscope.operators.fd_grids import FDGrid, fd_grid
from rankscope.operators.stencils import stencil_for
from rankscope.problems.pinn import PinnSpec
from rankscope.sampling import Box, Interval, boundary

__all__ = ["PROBLEMS", "AdFdProblem", "adfd_problem", "biharmonic_coefficients"]

ArrayFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class AdFdProblem:
    """A linear boundary value problem ``L u = f`` in ``Omega``, ``B u = 0`` on the boundary.

    Attributes:
        name: ``"poisson1d"``, ``"poisson2d"`` or ``"biharmonic"``.
        domain: ``Interval`` or ``Box``.
        operator: ``L``.
        forcing: ``f``: (n, d) float64 array -> (n,).
        solution: the exact ``u``: (n, d) -> (n,).
        boundary_operators: the ``B`` (identity; identity and ``d/dx`` when clamped).
        bc_weight: ``lambda`` of the PINN loss (B.2.2, B.3.2, B.4.2).
        paper: where the paper states it.
    """

    name: str
    domain: Interval | Box
    operator: DiffOperator
    forcing: ArrayFn
    solution: ArrayFn
    boundary_operators: tuple[DiffOperator, ...]
    bc_weight: float
    paper: str

    @property
    def dim(self) -> int:
        return self.operator.dim

    def grid(self, n: int) -> FDGrid:
        """The collocation grid with ``n`` points per axis, ``h = side / n``."""
        return fd_grid(self.domain.lows, self.domain.highs, n)

    def boundary_points(self, n: int) -> np.ndarray:
        """Boundary points: the two end points in 1D, ``n`` midpoints per face in 2D."""
        return boundary(self.domain, n, rule="uniform").points

    def pinn_spec(
        self, n: int, method: str, *, dtype: torch.dtype = torch.float32, activation: str = "sin"
    ) -> PinnSpec:
        """The :class:`PinnSpec` of the AD (``"ad"``) or FD (``"fd"``) PINN loss on an n-point grid.

        Example:
            >>> s = adfd_problem("poisson1d").pinn_spec(100, "fd")
            >>> s.points.shape, s.ext_points.shape, s.h
            (torch.Size([100, 1]), torch.Size([102, 1]), 0.02)
        """
        check_choice("method", method, ("ad", "fd"))
        grid = self.grid(check_positive_int("n", n))
        r = stencil_for(self.operator).radius
        pts = grid.points()
        return PinnSpec(
            operator=self.operator,
            method=method,
            points=torch.as_tensor(pts, dtype=dtype),
            grid_shape=grid.shape,
            h=grid.h,
            ext_points=torch.as_tensor(grid.points(ghost=r), dtype=dtype),
            forcing=torch.as_tensor(self.forcing(pts), dtype=dtype),
            boundary_points=torch.as_tensor(np.array(self.boundary_points(n)), dtype=dtype),
            boundary_operators=self.boundary_operators,
            bc_weight=self.bc_weight,
            activation=activation,
        )


def _identity(dim: int) -> DiffOperator:
    return DiffOperator("u", ((1.0, (0,) * dim),))


def biharmonic_coefficients() -> tuple[float, float, float, float]:
    """``(c_0, c_1, c_2, c_3)`` with ``u = sum c_k x^k + e^x``, ``u(+-1) = u'(+-1) = 0`` (B.4.1).

    Solved from the 4 x 4 boundary system (the paper's printed values miss ``u(-1) = 0``).
    """
    e = math.e
    rows = [
        ([1.0, 1.0, 1.0, 1.0], -e),  # u(1) = 0
        ([1.0, -1.0, 1.0, -1.0], -1.0 / e),  # u(-1) = 0
        ([0.0, 1.0, 2.0, 3.0], -e),  # u'(1) = 0
        ([0.0, 1.0, -2.0, 3.0], -1.0 / e),  # u'(-1) = 0
    ]
    mat = np.array([r for r, _ in rows])
    rhs = np.array([v for _, v in rows])
    c = np.linalg.solve(mat, rhs)
    return float(c[0]), float(c[1]), float(c[2]), float(c[3])


def _poisson1d() -> AdFdProblem:
    return AdFdProblem(
        name="poisson1d",
        domain=Interval(-1.0, 1.0),
        operator=diff_operator("uxx"),
        forcing=lambda x: -(np.pi**2) * np.sin(np.pi * x[:, 0]),
        solution=lambda x: np.sin(np.pi * x[:, 0]),
        boundary_operators=(_identity(1),),
        bc_weight=1.0,
        paper="001 eq. (6)-(8), appendix B.2",
    )


def _poisson2d() -> AdFdProblem:
    return AdFdProblem(
        name="poisson2d",
        domain=Box((0.0, 0.0), (1.0, 1.0)),
        operator=diff_operator("laplacian2d"),
        forcing=lambda x: -2 * np.pi**2 * np.sin(np.pi * x[:, 0]) * np.sin(np.pi * x[:, 1]),
        solution=lambda x: np.sin(np.pi * x[:, 0]) * np.sin(np.pi * x[:, 1]),
        boundary_operators=(_identity(2),),
        bc_weight=1.0,
        paper="001 Sec. 4, appendix B.3",
    )


def _biharmonic() -> AdFdProblem:
    c0, c1, c2, c3 = biharmonic_coefficients()
    return AdFdProblem(
        name="biharmonic",
        domain=Interval(-1.0, 1.0),
        operator=diff_operator("uxxxx"),
        forcing=lambda x: np.exp(x[:, 0]),
        solution=lambda x: c0 + c1 * x[:, 0] + c2 * x[:, 0] ** 2 + c3 * x[:, 0] ** 3 + np.exp(x[:, 0]),
        boundary_operators=(_identity(1), DiffOperator("u_x", ((1.0, (1,)),))),
        bc_weight=100.0,
        paper="001 Sec. 4, appendix B.4",
    )


PROBLEMS: dict[str, Callable[[], AdFdProblem]] = {
    "poisson1d": _poisson1d,
    "poisson2d": _poisson2d,
    "biharmonic": _biharmonic,
}


def adfd_problem(name: str) -> AdFdProblem:
    """Paper 001's problem ``name`` (one of ``PROBLEMS``).

    Example:
        >>> p = adfd_problem("biharmonic")
        >>> p.operator.name, p.bc_weight
        ('uxxxx', 100.0)
    """
    check_choice("problem", name, tuple(PROBLEMS))
    return PROBLEMS[name]()
