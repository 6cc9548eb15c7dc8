import numpy as np
import pytest
import scipy.sparse as sp
import torch

from rankscope.operators.constant_coefficient import (
    DiffOperator,
    diff_operator,
    fourth_derivative,
    laplacian_operator,
    second_derivative,
)
from rankscope.operators.fd_grids import fd_grid
from rankscope.operators.stencils import (
    FD_OPERATORS,
    apply_stencil,
    second_difference_eigenvalues,
    stencil_for,
    stencil_matrix,
)


def _ghost_values(grid, fn, r):
    pts = grid.points(ghost=r)
    ext = tuple(n + 2 * r for n in grid.shape)
    return fn(pts).reshape(ext), grid.points()


def test_second_difference_is_exact_for_cubics():
    grid = fd_grid((-1.0,), (1.0,), 17)
    vals, pts = _ghost_values(grid, lambda p: 3 * p[:, 0] ** 3 - p[:, 0] ** 2 + 5 * p[:, 0] + 2, 1)
    exact = 18 * pts[:, 0] - 2
    np.testing.assert_allclose(apply_stencil("uxx", vals, grid.h), exact, atol=1e-10)
    mat = stencil_matrix("uxx", grid.shape, grid.h)
    np.testing.assert_allclose(mat @ vals.ravel(), exact, atol=1e-10)


def test_second_difference_is_not_exact_for_quartics():
    grid = fd_grid((-1.0,), (1.0,), 10)
    vals, pts = _ghost_values(grid, lambda p: p[:, 0] ** 4, 1)
    err = apply_stencil("uxx", vals, grid.h) - 12 * pts[:, 0] ** 2
    np.testing.assert_allclose(err, grid.h**2 * 2.0, rtol=1e-9)  # h^2/12 * u'''' = 2 h^2


def test_fourth_difference_is_exact_for_quintics():
    grid = fd_grid((-1.0,), (1.0,), 12)
    vals, pts = _ghost_values(grid, lambda p: p[:, 0] ** 5 - 2 * p[:, 0] ** 4 + p[:, 0], 2)
    exact = 120 * pts[:, 0] - 48
    np.testing.assert_allclose(apply_stencil("uxxxx", vals, grid.h), exact, atol=1e-8)
    np.testing.assert_allclose(stencil_matrix("uxxxx", grid.shape, grid.h) @ vals.ravel(), exact, atol=1e-8)


def test_five_point_laplacian_is_exact_for_cubics():
    grid = fd_grid((0.0, 0.0), (1.0, 1.0), 9)
    vals, pts = _ghost_values(grid, lambda p: p[:, 0] ** 3 + p[:, 1] ** 3 + p[:, 0] ** 2 * p[:, 1], 1)
    exact = 6 * pts[:, 0] + 6 * pts[:, 1] + 2 * pts[:, 1]
    got = apply_stencil("laplacian2d", vals, grid.h).ravel()
    np.testing.assert_allclose(got, exact, atol=1e-9)
    mat = stencil_matrix(laplacian_operator(2), grid.shape, grid.h)
    assert mat.shape == (81, 121)
    np.testing.assert_allclose(mat @ vals.ravel(), exact, atol=1e-9)


def test_second_order_convergence_on_sin():
    errs = []
    for n in (20, 40, 80):
        grid = fd_grid((-1.0,), (1.0,), n)
        vals, pts = _ghost_values(grid, lambda p: np.sin(np.pi * p[:, 0]), 1)
        errs.append(np.max(np.abs(apply_stencil("uxx", vals, grid.h) + np.pi**2 * np.sin(np.pi * pts[:, 0]))))
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    np.testing.assert_allclose(rates, 2.0, atol=0.02)


def test_apply_stencil_matches_the_sparse_matrix_for_tensors_with_batch_dims():
    st = stencil_for("laplacian2d")
    vals = torch.randn(3, 7, 8, dtype=torch.float64)
    out = apply_stencil(st, vals, 0.1)
    assert out.shape == (3, 5, 6)
    mat = stencil_matrix(st, (5, 6), 0.1)
    for i in range(3):
        np.testing.assert_allclose(out[i].numpy().ravel(), mat @ vals[i].numpy().ravel(), rtol=1e-12)


def test_truncated_matrices_are_the_printed_ones():
    n, h = 6, 0.5
    c2 = stencil_matrix("uxx", (n,), h, boundary="truncate").toarray()
    expected = (np.diag(-2 * np.ones(n)) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1)) / h**2
    np.testing.assert_array_equal(c2, expected)  # eq. (12)
    m = 4
    lap = stencil_matrix("laplacian2d", (m, m), h, boundary="truncate").toarray()
    d = np.diag(4 * np.ones(m)) - np.diag(np.ones(m - 1), 1) - np.diag(np.ones(m - 1), -1)
    printed = (np.kron(np.eye(m), d) - np.kron(np.eye(m, k=1) + np.eye(m, k=-1), np.eye(m))) / h**2
    np.testing.assert_array_equal(lap, -printed)  # appendix B.3 prints -Delta_h
    c4 = stencil_matrix("uxxxx", (7,), 1.0, boundary="truncate").toarray()
    np.testing.assert_array_equal(c4[0, :4], [6, -4, 1, 0])
    np.testing.assert_array_equal(c4[1, :5], [-4, 6, -4, 1, 0])
    np.testing.assert_array_equal(c4[3], [0, 1, -4, 6, -4, 1, 0])
    np.testing.assert_array_equal(c4[-1, -4:], [0, 1, -4, 6])
    assert sp.issparse(stencil_matrix("uxx", (5,), 1.0))


def test_dirichlet_second_difference_eigenvalues_match_the_closed_form():
    for n in (5, 50, 100):
        h = 2.0 / n
        lam = np.linalg.eigvalsh(stencil_matrix("uxx", (n,), h, boundary="truncate").toarray())
        closed = second_difference_eigenvalues(n, h)
        np.testing.assert_allclose(np.sort(lam), np.sort(closed), rtol=1e-11, atol=1e-9 / h**2)
        # lambda_min(C_2) >= 1 for h = 2/N (paper 001 Sec. 3.1); it tends to pi^2/4
        assert 1.0 <= np.min(np.abs(closed)) <= np.pi**2 / 4
    n = 9
    h = 1.0 / (n + 1)  # the unit-interval form (4/h^2) sin^2(k pi h / 2)
    k = np.arange(1, n + 1)
    np.testing.assert_allclose(
        second_difference_eigenvalues(n, h), -(4 / h**2) * np.sin(k * np.pi * h / 2) ** 2
    )


def test_operators_are_matched_by_their_terms():
    assert stencil_for(laplacian_operator(1)) is stencil_for(second_derivative())
    swapped = DiffOperator("yy + xx", ((1.0, (0, 2)), (1.0, (2, 0))))
    assert stencil_for(swapped).name == "laplacian2d"
    assert stencil_for(fourth_derivative()).order == 4
    assert diff_operator("uxxxx").order == 4 and DiffOperator("m", ((1.0, (1, 1)),)).dim == 2


def test_unsupported_operator_error_lists_the_supported_ones():
    op = DiffOperator("u_xy", ((1.0, (1, 1)),))
    with pytest.raises(ValueError, match=r"no finite-difference stencil; supported operators are \['uxx'"):
        stencil_for(op)
    with pytest.raises(ValueError, match="laplacian2d"):
        stencil_for("u_t")
    assert set(FD_OPERATORS) == {"uxx", "laplacian2d", "uxxxx"}


def test_bad_grids_and_arguments_raise():
    with pytest.raises(
        ValueError, match=r"too small for the 'uxxxx' stencil of radius 2: it needs at least 5"
    ):
        stencil_matrix("uxxxx", (4,), 0.1)
    with pytest.raises(ValueError, match="too small"):
        apply_stencil("uxx", np.zeros(4), 1.0)  # 2 interior points < 3
    with pytest.raises(ValueError, match="has 1 axes but the 'laplacian2d' stencil is 2-D"):
        stencil_matrix("laplacian2d", (10,), 0.1)
    with pytest.raises(ValueError, match="boundary must be one of"):
        stencil_matrix("uxx", (5,), 0.1, boundary="periodic")
    with pytest.raises(ValueError, match="h must be a finite number > 0"):
        stencil_matrix("uxx", (5,), 0.0)
