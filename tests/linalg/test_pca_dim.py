import numpy as np
import pytest
import torch

from rankscope.linalg import numerical_rank
from rankscope.linalg.pca_dim import pca_dimension, pca_spectrum


def test_pca_dimension_of_known_subspaces():
    rng = np.random.default_rng(0)
    for dim in (1, 3, 7):
        basis = rng.standard_normal((dim, 20))
        x = rng.standard_normal((300, dim)) @ basis + 5.0  # affine subspace: the mean is removed
        assert pca_dimension(x) == dim
        assert pca_dimension(torch.tensor(x, dtype=torch.float64)) == dim


def test_threshold_is_float32_eps_times_the_number_of_eigenvalues():
    d = 10
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    # eigenvalues of the covariance: 1, then 2e-6 (above 1.19e-7 x 10) and 5e-7 (below)
    scales = np.sqrt(np.array([1.0, 2e-6, 5e-7] + [0.0] * 7))
    z = rng.standard_normal((4000, d))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z.T)).T)  # whiten exactly
    x = (z * scales) @ q.T
    spec = pca_spectrum(x)
    np.testing.assert_allclose(spec.values[:3], [1.0, 2e-6, 5e-7], rtol=1e-6)
    assert len(spec) == d
    assert pca_dimension(x) == 2
    assert pca_dimension(x, eps=1e-7) == 3 == numerical_rank(spec, 1e-7)


def test_fewer_samples_than_features_pads_zero_eigenvalues():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 40))
    spec = pca_spectrum(x)
    assert len(spec) == 40 and np.count_nonzero(spec.values > 1e-12) == 4
    ref = np.sort(np.linalg.eigvalsh(np.cov(x.T)))[::-1]
    np.testing.assert_allclose(spec.values, ref, atol=1e-12)
    assert pca_dimension(x) == 4


def test_bad_features():
    with pytest.raises(ValueError, match="at least 2 rows"):
        pca_dimension(np.ones((1, 3)))
    with pytest.raises(ValueError, match="features must be a 2-D matrix"):
        pca_dimension(np.ones(3))
