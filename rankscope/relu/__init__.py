"""Shallow ReLU networks as matrices (paper 003 and the SgGN notes): the public face of code that lives
in the library's layers. Every name is re-exported from its home:

* networks — :mod:`rankscope.nets.shallow_relu` (``ShallowReLU`` and the neuron layouts);
* targets — :mod:`rankscope.problems.relu_targets`;
* mass, Heaviside and layer Gauss-Newton matrices — :mod:`rankscope.matrices.relu` (exact in 1D and 2D;
  the 2D entry oracle :mod:`rankscope.matrices.relu_2d`, the structured 2D least-squares solver
  :mod:`rankscope.matrices.relu_2d_solver`);
* structured solvers (PCG, HSS, orderings, the O(n) 1D solvers, backward error) —
  :mod:`rankscope.linalg.structured`;
* spectral structure measures — :mod:`rankscope.linalg.structure_measures`; growth exponents —
  :func:`rankscope.analysis.loglog_slope`;
* quadrature rules that follow the neurons — :mod:`rankscope.sampling.adaptive`;
* structure-guided Gauss-Newton training — :mod:`rankscope.train.sggn` and :mod:`rankscope.train.sggn_step`.
"""

from rankscope.analysis import loglog_slope
from rankscope.linalg.structure_measures import (
    OffDiagonalRanks,
    eigenvector_sign_changes,
    extreme_eigenvalues,
    offdiagonal_ranks,
)
from rankscope.linalg.structured import (
    HODLR,
    CGResult,
    HSSCholesky,
    HSSPreconditioner,
    IllConditionedWarning,
    NestedHSS,
    NestedHSSPreconditioner,
    ReluHeavisideSolver1D,
    ReluMassSolver1D,
    a_norm,
    backward_error,
    basis_change_preconditioner,
    hat_basis_1d,
    hodlr_from_entries,
    hss_cholesky,
    hss_nested,
    hyperplane_ordering,
    jacobi,
    pcg,
    relative_residual,
)
from rankscope.matrices.relu import (
    QuadratureError,
    heaviside_matrix,
    layer_gauss_newton,
    load_vector,
    mass_matrix,
    neuron_report_1d,
    quadrature_error,
)
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.matrices.relu_2d_solver import Fit2D, ReluLeastSquares2D
from rankscope.nets.shallow_relu import (
    ShallowReLU,
    random_breakpoints_1d,
    random_neurons,
    uniform_breakpoints_1d,
)
from rankscope.problems.relu_targets import (
    Target,
    kink_2d,
    line_discontinuity_2d,
    multi_frequency,
    smooth_2d,
    step_function,
    transition_layer,
)
from rankscope.sampling.adaptive import FixedRule, SplitGaussRule1D
from rankscope.sampling.polygon import ConvexPolygon
from rankscope.train.sggn import SgGNOptions, SgGNRecord, SgGNResult, sggn_fit, sggn_iterations
from rankscope.train.sggn_step import gauss_newton_direction, layer_gn_matrix, linear_step
from rankscope.train.sggn_step import gradient as sggn_gradient

__all__ = [
    "HODLR",
    "CGResult",
    "ConvexPolygon",
    "Fit2D",
    "FixedRule",
    "HSSCholesky",
    "HSSPreconditioner",
    "IllConditionedWarning",
    "NestedHSS",
    "NestedHSSPreconditioner",
    "OffDiagonalRanks",
    "QuadratureError",
    "ReluEntries2D",
    "ReluHeavisideSolver1D",
    "ReluLeastSquares2D",
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
    "hodlr_from_entries",
    "hss_cholesky",
    "hss_nested",
    "hyperplane_ordering",
    "jacobi",
    "kink_2d",
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
    "smooth_2d",
    "step_function",
    "transition_layer",
    "uniform_breakpoints_1d",
]
