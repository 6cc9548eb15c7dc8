"""Differential operators applied to networks: exact derivatives by ``torch.func``, linear operators
with variable coefficients for PINN residuals (paper 002), and finite-difference stencils as sparse
matrices (paper 001)."""

from rankscope.operators.autodiff import derivative, gradient, hessian, laplacian, pointwise
from rankscope.operators.differential import (
    APPLY_METHODS,
    DifferentialOperator,
    Term,
    acts_row_by_row,
    as_operator,
    divergence_form,
    identity,
    negative_laplacian,
)
from rankscope.operators.stencils import (
    FD_OPERATORS,
    DiffOperator,
    FDGrid,
    Stencil,
    apply_stencil,
    diff_operator,
    fd_grid,
    fourth_derivative,
    laplacian_operator,
    second_derivative,
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
