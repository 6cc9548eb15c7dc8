import pytest
import torch

import rankscope.matrices
from rankscope.operators.constant_coefficient import DiffOperator, diff_operator
from rankscope.problems import PinnSpec
from rankscope.problems.adfd import adfd_problem


def _spec(**over):
    kw = dict(
        operator=diff_operator("laplacian2d"),
        method="ad",
        points=torch.zeros(4, 2),
        grid_shape=(2, 2),
        h=0.1,
        ext_points=torch.zeros(16, 2),
        forcing=torch.zeros(4),
        boundary_points=torch.zeros(2, 2),
        boundary_operators=(),
        bc_weight=1.0,
    )
    kw.update(over)
    return PinnSpec(**kw)


def test_the_adfd_problem_builds_a_consistent_spec():
    spec = adfd_problem("poisson1d").pinn_spec(10, "fd")
    assert isinstance(spec, PinnSpec)
    assert spec.points.shape == (10, 1) and spec.forcing.shape == (10,)
    assert spec.grid_shape == (10,) and spec.h == pytest.approx(2 / 10)
    assert spec.dtype == spec.points.dtype


def test_matrices_re_exports_the_same_class():
    assert rankscope.matrices.PinnSpec is PinnSpec


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="no finite-difference stencil; supported operators"):
        _spec(operator=DiffOperator("u_xy", ((1.0, (1, 1)),)), method="fd")
    with pytest.raises(ValueError, match="method must be one of"):
        _spec(method="spectral")
    with pytest.raises(ValueError, match=r"points must be \(N, 2\)"):
        _spec(points=torch.zeros(4, 3))
    with pytest.raises(ValueError, match="grid_shape"):
        _spec(grid_shape=(3, 2))
    with pytest.raises(ValueError, match=r"forcing must be \(4,\)"):
        _spec(forcing=torch.zeros(5))
