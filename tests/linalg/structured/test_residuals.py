"""linalg.structured.residuals: the Rigal-Gaches backward error in both norms, the relative residual and
the A-norm, by hand on a 2 x 2 matrix."""

import math

import numpy as np
import pytest
from scipy.sparse.linalg import aslinearoperator

from rankscope.linalg.structured.residuals import a_norm, backward_error, relative_residual

A = np.array([[2.0, 1.0], [1.0, 2.0]])  # ||A||_inf = max(A 1) = 3 = ||A||_2 (eigenvalues 1 and 3)


def test_backward_error_by_hand_in_both_norms():
    x, b = np.array([1.0, 0.0]), np.array([1.0, 0.0])  # r = b - A x = (-1, -1)
    assert backward_error(A, x, b) == pytest.approx(1 / (3 + 1), rel=1e-15)
    assert backward_error(A, x, b, ord=2) == pytest.approx(math.sqrt(2) / (3 + 1), rel=1e-15)
    assert backward_error(A, x, b, anorm=10.0) == pytest.approx(1 / (10 + 1), rel=1e-15)
    op = aslinearoperator(A)
    assert backward_error(op, x, b) == backward_error(A, x, b)  # ||A||_inf from A 1
    assert backward_error(op, x, b, ord=2, anorm=3.0) == pytest.approx(math.sqrt(2) / 4, rel=1e-15)
    assert backward_error(A, np.linalg.solve(A, b), b, ord=2) < 1e-16


def test_backward_error_rejects_other_norms_and_needs_anorm_for_an_operator():
    with pytest.raises(ValueError, match=r"ord must be 2 or numpy\.inf"):
        backward_error(A, np.ones(2), np.ones(2), ord=1)
    with pytest.raises(TypeError, match=r"pass anorm=\|\|A\|\|_2"):
        backward_error(aslinearoperator(A), np.ones(2), np.ones(2), ord=2)


def test_relative_residual_and_a_norm_by_hand():
    assert relative_residual(A, np.array([1.0, 0.0]), np.array([1.0, 0.0])) == pytest.approx(math.sqrt(2))
    assert a_norm(A, np.array([1.0, 1.0])) == pytest.approx(math.sqrt(6))  # e^T A e = 6
    assert a_norm(A, np.array([1.0, -1.0])) == pytest.approx(math.sqrt(2))
    assert a_norm(-np.eye(2), np.array([1.0, 0.0])) == 0.0  # a negative quadratic form is clipped
