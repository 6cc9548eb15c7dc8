"""Shallow ReLU networks as matrices (paper 003 and the SgGN notes): mass and Gauss-Newton matrices,
their analysis, fast structured solvers and structure-guided Gauss-Newton training."""

from rankscope.relu.analysis import (
    OffDiagonalRanks,
    eigenvector_sign_changes,
    extreme_eigenvalues,
    loglog_slope,
    offdiagonal_ranks,
)
from rankscope.relu.cg import CGResult, basis_change_preconditioner, hat_basis_1d, jacobi, pcg
from rankscope.relu.hss import HSSCholesky, HSSPreconditioner, hss_cholesky
from rankscope.relu.matrices import (
    QuadratureError,
    heaviside_matrix,
    layer_gauss_newton,
    load_vector,
    mass_matrix,
    neuron_report_1d,
    quadrature_error,
)
from rankscope.relu.neurons import ShallowReLU, random_breakpoints_1d, random_neurons, uniform_breakpoints_1d
from rankscope.relu.ordering import hyperplane_ordering
from rankscope.relu.solve1d import (
    ReluHeavisideSolver1D,
    ReluMassSolver1D,
    a_norm,
    backward_error,
    relative_residual,
)

__all__ = [
    "CGResult",
    "HSSCholesky",
    "HSSPreconditioner",
    "OffDiagonalRanks",
    "QuadratureError",
    "ReluHeavisideSolver1D",
    "ReluMassSolver1D",
    "ShallowReLU",
    "a_norm",
    "backward_error",
    "basis_change_preconditioner",
    "eigenvector_sign_changes",
    "extreme_eigenvalues",
    "hat_basis_1d",
    "heaviside_matrix",
    "hss_cholesky",
    "hyperplane_ordering",
    "jacobi",
    "layer_gauss_newton",
    "load_vector",
    "loglog_slope",
    "mass_matrix",
    "neuron_report_1d",
    "offdiagonal_ranks",
    "pcg",
    "quadrature_error",
    "random_breakpoints_1d",
    "random_neurons",
    "relative_residual",
    "uniform_breakpoints_1d",
]
