"""Matrix builders: Gram/mass matrices of neuron functions (paper 000), random-feature system matrices
and the training kernel G (paper 001), empirical NTKs of PINN residuals (paper 002), partial
Jacobians of sub-networks (paper 004)."""

from rankscope.matrices.gram import GramEvaluator, gram_from_features, gram_matrices, gram_matrix
from rankscope.matrices.jacobian import (
    JacobianMethod,
    PartialRanks,
    RankRule,
    default_layers,
    partial_jacobians,
    partial_ranks,
)
from rankscope.matrices.ntk import NTK_METHODS, ResidualNTK, output_ntk, recipe_theta, residual_ntk
from rankscope.matrices.ntk_layerwise import layerwise_supported, layerwise_theta
from rankscope.matrices.patch import Patch, patch_indices
from rankscope.matrices.random_features import (
    CLOSED_FORM_ACTIVATIONS,
    ADFDComparison,
    RandomFeatures,
    activation_derivative,
    ad_matrix,
    compare_ad_fd,
    feature_matrix,
    proposition2_bound,
    sample_features,
    system_matrix_ad,
    system_matrix_fd,
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
    "RandomFeatures",
    "RankRule",
    "ResidualNTK",
    "activation_derivative",
    "ad_matrix",
    "compare_ad_fd",
    "default_layers",
    "feature_matrix",
    "gram_from_features",
    "gram_matrices",
    "gram_matrix",
    "init_two_layer",
    "kernel_spectrum",
    "layerwise_supported",
    "layerwise_theta",
    "model_jacobian",
    "model_residual",
    "output_ntk",
    "partial_jacobians",
    "partial_ranks",
    "patch_indices",
    "pinn_loss",
    "proposition2_bound",
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
