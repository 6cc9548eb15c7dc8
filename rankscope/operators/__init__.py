"""Differential operators applied to networks: exact derivatives by ``torch.func`` and
finite-difference stencils as sparse matrices (paper 001)."""

from rankscope.operators.autodiff import derivative, gradient, hessian, laplacian, pointwise
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
    "FD_OPERATORS",
    "DiffOperator",
    "FDGrid",
    "Stencil",
    "apply_stencil",
    "derivative",
    "diff_operator",
    "fd_grid",
    "fourth_derivative",
    "gradient",
    "hessian",
    "laplacian",
    "laplacian_operator",
    "pointwise",
    "second_derivative",
    "second_difference_eigenvalues",
    "stencil_for",
    "stencil_matrix",
]
