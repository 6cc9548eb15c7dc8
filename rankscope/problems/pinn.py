"""What a PINN residual needs besides the network's parameters, as data (paper 001 Sec. 3.2, eq. 5).

A :class:`PinnSpec` is built by a problem (``rankscope.problems.adfd.AdFdProblem.pinn_spec``) and
consumed by the builders of ``rankscope.matrices.training_kernel`` (residual, loss, Jacobian and the
training kernel ``G`` of eq. 16-19).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rankscope._checks import check_choice, describe
from rankscope.operators.constant_coefficient import DiffOperator
from rankscope.operators.stencils import stencil_for

__all__ = ["PinnSpec"]


@dataclass(frozen=True)
class PinnSpec:
    """Everything a PINN residual needs besides the parameters (build it with
    ``rankscope.problems.adfd.AdFdProblem.pinn_spec``).

    Attributes:
        operator: the differential operator ``L``.
        method: ``"ad"`` (exact derivatives) or ``"fd"`` (stencil on the grid).
        points: (N, d) interior collocation points (the FD grid, C-ordered).
        grid_shape: grid shape with ``prod = N``.
        h: grid spacing.
        ext_points: (N_ext, d) grid with the stencil's ghost layers (used by ``"fd"``).
        forcing: (N,) ``f`` at ``points``.
        boundary_points: (Nb, d) boundary points ``y_i``.
        boundary_operators: operators ``B`` with ``B u = 0`` on the boundary (``u``; ``u, u_x`` for
            the clamped biharmonic problem), applied exactly (as (B.4.3) writes ``phi_x``).
        bc_weight: ``lambda`` of eq. (5) / (B.2.2).
        activation: the network's activation (``"sin"`` in the paper).
    """

    operator: DiffOperator
    method: str
    points: torch.Tensor
    grid_shape: tuple[int, ...]
    h: float
    ext_points: torch.Tensor
    forcing: torch.Tensor
    boundary_points: torch.Tensor
    boundary_operators: tuple[DiffOperator, ...]
    bc_weight: float
    activation: str = "sin"

    def __post_init__(self) -> None:
        check_choice("method", self.method, ("ad", "fd"))
        if self.points.ndim != 2 or self.points.shape[1] != self.operator.dim:
            raise ValueError(f"points must be (N, {self.operator.dim}); got {describe(self.points)}")
        if int(np.prod(self.grid_shape)) != self.points.shape[0]:
            raise ValueError(f"grid_shape {self.grid_shape} does not hold the {self.points.shape[0]} points")
        if self.forcing.shape != self.points.shape[:1]:
            raise ValueError(f"forcing must be ({self.points.shape[0]},); got {describe(self.forcing)}")
        if self.method == "fd":
            stencil_for(self.operator)  # raises listing the supported operators

    @property
    def dtype(self) -> torch.dtype:
        return self.points.dtype
