import numpy as np
import pytest
import torch

import rankscope.matrices
from rankscope.linalg import gram_from_features


def test_gram_from_features_is_d_transpose_w_d():
    rng = np.random.default_rng(0)
    d = rng.standard_normal((20, 4))
    w = rng.random(20)
    np.testing.assert_allclose(gram_from_features(d, w), d.T @ np.diag(w) @ d, rtol=1e-12)


def test_gram_of_monomials_by_gauss_legendre_is_the_closed_form():
    # int_{-1}^{1} x^(i+j) dx = 2/(i+j+1) for i+j even, 0 otherwise; 5 Gauss points are exact to degree 9
    x, w = np.polynomial.legendre.leggauss(5)
    d = np.stack([x**0, x, x**2], axis=1)
    exact = np.array([[2, 0, 2 / 3], [0, 2 / 3, 0], [2 / 3, 0, 2 / 5]])
    np.testing.assert_allclose(gram_from_features(d, w), exact, rtol=1e-13, atol=1e-15)


def test_torch_features_give_float64_and_a_symmetric_matrix():
    d = torch.randn(7, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float32)
    m = gram_from_features(d, np.ones(7))
    assert m.dtype == np.float64 and m.shape == (3, 3)
    np.testing.assert_array_equal(m, m.T)


def test_matrices_re_exports_the_same_function():
    assert rankscope.matrices.gram_from_features is gram_from_features


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="weights has 2 entries but features has 3 rows"):
        gram_from_features(np.ones((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match="weights must be non-negative"):
        gram_from_features(np.ones((2, 2)), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="features must be finite"):
        gram_from_features(np.array([[np.nan, 1.0]]), np.ones(1))
