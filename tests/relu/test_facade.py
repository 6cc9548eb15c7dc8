"""rankscope.relu is a thin public face: every name is the object from its home in the layers."""

import importlib

import pytest

import rankscope.relu as facade

HOMES = {
    "rankscope.analysis": ["loglog_slope"],
    "rankscope.linalg.structure_measures": [
        "OffDiagonalRanks",
        "eigenvector_sign_changes",
        "extreme_eigenvalues",
        "offdiagonal_ranks",
    ],
    "rankscope.linalg.structured": [
        "CGResult",
        "HODLR",
        "HSSCholesky",
        "HSSPreconditioner",
        "IllConditionedWarning",
        "NestedHSS",
        "NestedHSSPreconditioner",
        "ReluHeavisideSolver1D",
        "ReluMassSolver1D",
        "a_norm",
        "backward_error",
        "basis_change_preconditioner",
        "hat_basis_1d",
        "hodlr_from_entries",
        "hss_cholesky",
        "hss_nested",
        "hyperplane_ordering",
        "jacobi",
        "pcg",
        "relative_residual",
    ],
    "rankscope.matrices.relu": [
        "QuadratureError",
        "heaviside_matrix",
        "layer_gauss_newton",
        "load_vector",
        "mass_matrix",
        "neuron_report_1d",
        "quadrature_error",
    ],
    "rankscope.matrices.relu_2d": ["ReluEntries2D"],
    "rankscope.matrices.relu_2d_solver": ["Fit2D", "ReluLeastSquares2D"],
    "rankscope.nets.shallow_relu": [
        "ShallowReLU",
        "random_breakpoints_1d",
        "random_neurons",
        "uniform_breakpoints_1d",
    ],
    "rankscope.problems.relu_targets": [
        "Target",
        "kink_2d",
        "line_discontinuity_2d",
        "multi_frequency",
        "smooth_2d",
        "step_function",
        "transition_layer",
    ],
    "rankscope.sampling.adaptive": ["FixedRule", "SplitGaussRule1D"],
    "rankscope.sampling.polygon": ["ConvexPolygon"],
    "rankscope.train.sggn": ["SgGNOptions", "SgGNRecord", "SgGNResult", "sggn_fit", "sggn_iterations"],
    "rankscope.train.sggn_step": ["gauss_newton_direction", "layer_gn_matrix", "linear_step"],
}
RENAMED = {"sggn_gradient": ("rankscope.train.sggn_step", "gradient")}


def test_facade_exports_exactly_the_names_of_their_homes():
    expected = {n for names in HOMES.values() for n in names} | set(RENAMED)
    assert set(facade.__all__) == expected
    assert len(facade.__all__) == len(expected) == 58


@pytest.mark.parametrize("module", sorted(HOMES))
def test_facade_names_are_the_objects_of_their_homes(module):
    home = importlib.import_module(module)
    for name in HOMES[module]:
        assert getattr(facade, name) is getattr(home, name), name


def test_renamed_export():
    for name, (module, attr) in RENAMED.items():
        assert getattr(facade, name) is getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize(
    "old",
    ["analysis", "cg", "hss", "hss_nested", "matrices", "neurons", "ordering", "sggn", "solve1d", "targets"],
)
def test_old_submodules_are_gone(old):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"rankscope.relu.{old}")
