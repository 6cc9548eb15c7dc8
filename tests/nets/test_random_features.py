"""RandomFeatureModel (paper 000 Sec. 4.2): partition of unity, least squares, Gram matrix, eps-rank."""

import numpy as np
import pytest
import torch

from rankscope.linalg import eps_rank
from rankscope.nets.random_features import RandomFeatureModel
from rankscope.sampling import Box, Interval, gauss_legendre, tensor_product

SQUARE = Box((-1.0, -1.0), (1.0, 1.0))


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """OpenBLAS threads spin on a shared, loaded machine (100x slower SVDs); use one if we can."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1):
        yield


def _points(m: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (m, 2))


def _aligned(n: int, px: int, py: int, box: Box = SQUARE):
    return tensor_product(
        gauss_legendre(Interval(box.lows[0], box.highs[0]), n, panels=px),
        gauss_legendre(Interval(box.lows[1], box.highs[1]), n, panels=py),
    )


def test_features_are_local_features_times_indicators():
    box = Box((0.0, -1.0), (3.0, 1.0))
    m = RandomFeatureModel(24, box, partition=(3, 2), weight_scale=2.0, seed=1)
    assert len(m.subdomains) == 6 and m.features_per_subdomain == 4
    x = np.column_stack(
        [np.random.default_rng(2).uniform(0, 3, 200), np.random.default_rng(3).uniform(-1, 1, 200)]
    )
    d = m.features(x)
    idx = m.subdomain_index(x)
    for k in range(len(x)):
        i = idx[k]
        cell = m.subdomains[i]
        assert np.all(x[k] >= cell.lows) and np.all(x[k] <= cell.highs)
        # by hand: local variable xi = (x - c_i)/h_i in [-1, 1]^2, phi_ij = tanh(k_ij . xi + b_ij)
        c = 0.5 * (np.asarray(cell.lows) + cell.highs)
        h = 0.5 * np.asarray(cell.widths)
        xi = (x[k] - c) / h
        assert np.all(np.abs(xi) <= 1 + 1e-12)
        local = np.tanh(m.inner_weights[i] @ xi + m.inner_biases[i])
        np.testing.assert_allclose(d[k, 4 * i : 4 * i + 4], local, rtol=1e-13)
        assert np.count_nonzero(np.delete(d[k], np.s_[4 * i : 4 * i + 4])) == 0
    assert np.all(np.abs(m.inner_weights) <= 2.0) and np.all(np.abs(m.inner_biases) <= 2.0)


def test_elm_is_rfm_with_one_subdomain():
    x = _points(50)
    a = RandomFeatureModel(30, SQUARE, seed=4, weight_scale=3.0)
    b = RandomFeatureModel(30, SQUARE, partition=(1, 1), seed=4, weight_scale=3.0)
    np.testing.assert_array_equal(a.features(x), b.features(x))


def test_fit_reproduces_a_target_in_the_span():
    x = _points(400)
    m = RandomFeatureModel(45, SQUARE, partition=(3, 3), seed=5)
    coef = np.random.default_rng(6).standard_normal(45)
    y = m.features(x) @ coef
    m.fit(x, y)
    assert m.rank_ == 45
    np.testing.assert_allclose(m.predict(x), y, atol=1e-9)
    assert m.score(x, y) == pytest.approx(1.0, abs=1e-12)
    assert m.relative_l2_error(x, y) < 1e-10
    x_new = _points(100, seed=7)
    np.testing.assert_allclose(m.predict(x_new), m.features(x_new) @ coef, atol=1e-8)


def test_partitioned_least_squares_decouples_into_subdomains():
    # disjoint supports make the normal equations block diagonal: one global solve equals one
    # independent least-squares solve per subdomain (a second algorithm, numpy's lstsq per block)
    x = _points(600, seed=8)
    y = np.cos(3 * x[:, 0]) * np.sin(2 * x[:, 1]) + x[:, 0] ** 2
    m = RandomFeatureModel(36, SQUARE, partition=(2, 2), weight_scale=2.0, seed=9).fit(x, y)
    d, idx = m.features(x), m.subdomain_index(x)
    pred = np.empty_like(y)
    for i in range(4):
        rows, cols = idx == i, slice(9 * i, 9 * i + 9)
        c = np.linalg.lstsq(d[np.ix_(rows, np.arange(9 * i, 9 * i + 9))], y[rows], rcond=None)[0]
        np.testing.assert_allclose(m.coef_[cols], c, rtol=1e-8, atol=1e-10)
        pred[rows] = d[rows][:, cols] @ c
    np.testing.assert_allclose(m.predict(x), pred, atol=1e-10)


def test_score_and_relative_error_follow_their_definitions():
    x = _points(300, seed=10)
    y = np.exp(x[:, 0]) - x[:, 1]
    w = np.random.default_rng(11).uniform(0.5, 2.0, 300)
    m = RandomFeatureModel(20, SQUARE, seed=12).fit(x, y)
    u = m.predict(x)
    assert m.score(x, y) == pytest.approx(1 - np.sum((y - u) ** 2) / np.sum((y - y.mean()) ** 2), rel=1e-12)
    expected = np.sqrt(np.sum(w * (u - y) ** 2) / np.sum(w * y**2))
    assert m.relative_l2_error(x, y, w) == pytest.approx(expected, rel=1e-12)
    # y as a column and x as a tensor are accepted
    assert m.score(torch.from_numpy(x), y[:, None]) == pytest.approx(m.score(x, y), rel=1e-12)


def test_gram_diagonal_matches_the_closed_form_in_1d():
    # on an interval: int_cell tanh(k xi + b)^2 dx = h * (2 - (tanh(k + b) - tanh(b - k)) / k)
    domain = Interval(-1.0, 2.0)
    m = RandomFeatureModel(8, domain, partition=(2,), weight_scale=3.0, seed=13)
    q = gauss_legendre(domain, 40, panels=2)
    diag = np.diag(m.gram(q))
    h = 0.75
    k, b = m.inner_weights[:, :, 0].ravel(), m.inner_biases.ravel()
    exact = h * (2 - (np.tanh(k + b) - np.tanh(b - k)) / k)
    np.testing.assert_allclose(diag, exact, rtol=1e-12)


def test_gram_is_block_diagonal_and_eps_rank_adds_up():
    m = RandomFeatureModel(72, SQUARE, partition=(3, 3), weight_scale=1.0, seed=14)
    q = _aligned(12, 3, 3)
    g = m.gram(q)
    blocks = [g[8 * i : 8 * i + 8, 8 * i : 8 * i + 8] for i in range(9)]
    off = g.copy()
    for i in range(9):
        off[8 * i : 8 * i + 8, 8 * i : 8 * i + 8] = 0
    assert np.all(off == 0.0)
    eps = 1e-6
    assert m.eps_rank(q, eps) == sum(eps_rank(b, eps) for b in blocks)
    assert 0 < m.eps_rank(q, eps) <= 72


def test_truncated_svd_keeps_exactly_the_eps_rank_directions():
    # sigma_k^2 of sqrt(W) D are the eigenvalues of D^T W D = gram(q): so rank_ == eps_rank(q)
    q = _aligned(8, 3, 3)
    y = np.cos(10 * q.points[:, 0]) * np.cos(10 * q.points[:, 1])
    for partition in [(3, 3), None]:
        m = RandomFeatureModel(
            90, SQUARE, partition=partition, seed=15, solver="truncated_svd", truncation_eps=1e-6
        )
        m.fit(q.points, y, sample_weight=q.weights)
        assert m.rank_ == m.eps_rank(q, 1e-6)
        full = RandomFeatureModel(90, SQUARE, partition=partition, seed=15).fit(q.points, y, q.weights)
        # the truncated fit is a restriction: it cannot beat the full least-squares residual
        res_t = m.relative_l2_error(q.points, y, q.weights)
        res_f = full.relative_l2_error(q.points, y, q.weights)
        assert res_t >= res_f - 1e-12


def test_errors_name_the_argument():
    m = RandomFeatureModel(9, SQUARE, partition=(3, 3), seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(m, 2\)"):
        m.features(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="outside the domain"):
        m.features(np.array([[0.0, 1.5]]))
    with pytest.raises(ValueError, match="not fitted yet"):
        m.predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="divisible by the number of subdomains 9"):
        RandomFeatureModel(10, SQUARE, partition=(3, 3))
    with pytest.raises(ValueError, match="solver must be one of"):
        RandomFeatureModel(9, SQUARE, solver="qr")
    with pytest.raises(ValueError, match="activation must be one of"):
        RandomFeatureModel(9, SQUARE, activation="swish-ish")
    with pytest.raises(ValueError, match="weight_scale must be > 0"):
        RandomFeatureModel(9, SQUARE, weight_scale=0.0)
    with pytest.raises(ValueError, match=r"y must have shape \(4,\)"):
        m.fit(_points(4), np.zeros(5))
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        m.fit(_points(4), np.zeros(4), sample_weight=-np.ones(4))
