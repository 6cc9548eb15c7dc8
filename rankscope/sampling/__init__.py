"""Integration domains and quadrature rules for Gram/mass matrices (paper 000, Sec. 4, eq. 4.1).

Every rule's weights approximate the integral: they sum to the domain's volume (surface measure
for :func:`boundary`), except :func:`quadrature` without weights, which uses mean weights ``1/m``.
"""

from rankscope.sampling.domains import Box, Domain, Interval, as_box, contains
from rankscope.sampling.quadrature import (
    BOUNDARY_RULES,
    Quadrature,
    boundary,
    boundary_normals,
    gauss_legendre,
    monte_carlo,
    quadrature,
    sobol,
    tensor_product,
    trapezoid,
    uniform_grid,
)

__all__ = [
    "BOUNDARY_RULES",
    "Box",
    "Domain",
    "Interval",
    "Quadrature",
    "as_box",
    "boundary",
    "boundary_normals",
    "contains",
    "gauss_legendre",
    "monte_carlo",
    "quadrature",
    "sobol",
    "tensor_product",
    "trapezoid",
    "uniform_grid",
]
