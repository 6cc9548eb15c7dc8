"""Integration domains and quadrature rules for Gram/mass matrices (paper 000, Sec. 4, eq. 4.1).

Every rule's weights approximate the integral: they sum to the domain's volume (surface measure
for :func:`boundary`), except :func:`quadrature` without weights, which uses mean weights ``1/m``.
"""

from rankscope.sampling.adaptive import FixedRule, SplitGaussRule1D, breakpoints_1d
from rankscope.sampling.boundary_rules import BOUNDARY_RULES, boundary, boundary_normals
from rankscope.sampling.domains import Box, Domain, Interval, as_box, contains
from rankscope.sampling.gauss import gauss_legendre, tensor_product
from rankscope.sampling.grids import trapezoid, uniform_grid
from rankscope.sampling.quadrature import Quadrature, quadrature
from rankscope.sampling.random_rules import monte_carlo, sobol

__all__ = [
    "BOUNDARY_RULES",
    "Box",
    "Domain",
    "FixedRule",
    "Interval",
    "Quadrature",
    "SplitGaussRule1D",
    "as_box",
    "boundary",
    "boundary_normals",
    "breakpoints_1d",
    "contains",
    "gauss_legendre",
    "monte_carlo",
    "quadrature",
    "sobol",
    "tensor_product",
    "trapezoid",
    "uniform_grid",
]
