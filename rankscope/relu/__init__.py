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
from rankscope.relu.hss_nested import NestedHSS, NestedHSSPreconditioner, hss_nested
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
from rankscope.relu.sggn import (
    FixedRule,
    SgGNOptions,
    SgGNRecord,
    SgGNResult,
    SplitGaussRule1D,
    gauss_newton_direction,
    layer_gn_matrix,
    linear_step,
    sggn_fit,
    sggn_iterations,
)
from rankscope.relu.sggn import gradient as sggn_gradient
from rankscope.relu.solve1d import (
    IllConditionedWarning,
    ReluHeavisideSolver1D,
    ReluMassSolver1D,
    a_norm,
    backward_error,
    relative_residual,
)
from rankscope.relu.targets import (
    Target,
    line_discontinuity_2d,
    multi_frequency,
    step_function,
    transition_layer,
)

__all__ = [
    "CGResult",
    "FixedRule",
    "HSSCholesky",
    "HSSPreconditioner",
    "IllConditionedWarning",
    "NestedHSS",
    "NestedHSSPreconditioner",
    "OffDiagonalRanks",
    "QuadratureError",
    "ReluHeavisideSolver1D",
    "ReluMassSolver1D",
    "SgGNOptions",
    "SgGNRecord",
    "SgGNResult",
    "ShallowReLU",
    "SplitGaussRule1D",
    "Target",
    "a_norm",
    "backward_error",
    "basis_change_preconditioner",
    "eigenvector_sign_changes",
    "extreme_eigenvalues",
    "gauss_newton_direction",
    "hat_basis_1d",
    "heaviside_matrix",
    "hss_cholesky",
    "hss_nested",
    "hyperplane_ordering",
    "jacobi",
    "layer_gauss_newton",
    "layer_gn_matrix",
    "line_discontinuity_2d",
    "linear_step",
    "load_vector",
    "loglog_slope",
    "mass_matrix",
    "multi_frequency",
    "neuron_report_1d",
    "offdiagonal_ranks",
    "pcg",
    "quadrature_error",
    "random_breakpoints_1d",
    "random_neurons",
    "relative_residual",
    "sggn_fit",
    "sggn_gradient",
    "sggn_iterations",
    "step_function",
    "transition_layer",
    "uniform_breakpoints_1d",
]
