"""Differential operators applied to networks: exact derivatives by ``torch.func``, linear operators
with variable coefficients for PINN residuals (paper 002), and finite-difference stencils as sparse
matrices (paper 001)."""

from rankscope.operators.autodiff import derivative, gradient, hessian, laplacian, pointwise
from rankscope.operators.constant_coefficient import (
    DiffOperator,
    diff_operator,
    fourth_derivative,
    laplacian_operator,
    second_derivative,
)
from rankscope.operators.differential import APPLY_METHODS, DifferentialOperator, Term, as_operator
from rankscope.operators.fd_grids import FDGrid, fd_grid
from rankscope.operators.pointwise_derivatives import acts_row_by_row
from rankscope.operators.standard_operators import divergence_form, identity, negative_laplacian
from rankscope.operators.stencils import (
    FD_OPERATORS,
    Stencil,
    apply_stencil,
    second_difference_eigenvalues,
    stencil_for,
    stencil_matrix,
)

__all__ = [
    "APPLY_METHODS",
    "FD_OPERATORS",
    "DiffOperator",
    "DifferentialOperator",
    "FDGrid",
    "Stencil",
    "Term",
    "acts_row_by_row",
    "apply_stencil",
    "as_operator",
    "derivative",
    "diff_operator",
    "divergence_form",
    "fd_grid",
    "fourth_derivative",
    "gradient",
    "hessian",
    "identity",
    "laplacian",
    "laplacian_operator",
    "negative_laplacian",
    "pointwise",
    "second_derivative",
    "second_difference_eigenvalues",
    "stencil_for",
    "stencil_matrix",
]
