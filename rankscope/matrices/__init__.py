"""Matrix builders: Gram/mass matrices of neuron functions (paper 000), random-feature system matrices
and the training kernel G (paper 001), empirical NTKs of PINN residuals (paper 002), partial
Jacobians of sub-networks (paper 004)."""

from rankscope.matrices.activation_derivatives import CLOSED_FORM_ACTIVATIONS, activation_derivative
from rankscope.matrices.ad_fd_comparison import ADFDComparison, compare_ad_fd, proposition2_bound
from rankscope.matrices.gram import GramEvaluator, gram_from_features, gram_matrices, gram_matrix
from rankscope.matrices.jacobian import JacobianMethod, default_layers, partial_jacobians
from rankscope.matrices.jacobian_ranks import PartialRanks, RankRule, partial_ranks
from rankscope.matrices.ntk import NTK_METHODS, output_ntk, residual_ntk
from rankscope.matrices.ntk_layerwise import layerwise_supported, layerwise_theta
from rankscope.matrices.ntk_matrix import ResidualNTK
from rankscope.matrices.ntk_recipe import recipe_theta
from rankscope.matrices.patch import Patch, patch_indices
from rankscope.matrices.random_features import (
    RandomFeatures,
    ad_matrix,
    feature_matrix,
    sample_features,
    system_matrix_ad,
    system_matrix_fd,
)
from rankscope.matrices.relu import (
    QuadratureError,
    active_intervals_1d,
    heaviside_matrix,
    layer_gauss_newton,
    load_vector,
    mass_2d,
    mass_matrix,
    neuron_report_1d,
    quadrature_error,
)
from rankscope.matrices.training_kernel import (
    PinnSpec,
    init_two_layer,
    kernel_spectrum,
    model_jacobian,
    model_residual,
    pinn_loss,
    residual_jacobian,
    training_kernel,
    two_layer_boundary,
    two_layer_residual,
)

__all__ = [
    "CLOSED_FORM_ACTIVATIONS",
    "NTK_METHODS",
    "ADFDComparison",
    "GramEvaluator",
    "JacobianMethod",
    "PartialRanks",
    "Patch",
    "PinnSpec",
    "QuadratureError",
    "RandomFeatures",
    "RankRule",
    "ResidualNTK",
    "activation_derivative",
    "active_intervals_1d",
    "ad_matrix",
    "compare_ad_fd",
    "default_layers",
    "feature_matrix",
    "gram_from_features",
    "gram_matrices",
    "gram_matrix",
    "heaviside_matrix",
    "init_two_layer",
    "kernel_spectrum",
    "layer_gauss_newton",
    "layerwise_supported",
    "layerwise_theta",
    "load_vector",
    "mass_2d",
    "mass_matrix",
    "model_jacobian",
    "model_residual",
    "neuron_report_1d",
    "output_ntk",
    "partial_jacobians",
    "partial_ranks",
    "patch_indices",
    "pinn_loss",
    "proposition2_bound",
    "quadrature_error",
    "recipe_theta",
    "residual_jacobian",
    "residual_ntk",
    "sample_features",
    "system_matrix_ad",
    "system_matrix_fd",
    "training_kernel",
    "two_layer_boundary",
    "two_layer_residual",
]
