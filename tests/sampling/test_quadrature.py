"""The Quadrature value type (rankscope.sampling.quadrature) and the contract every rule meets:
weights that sum to the domain's volume, validated arguments."""

import math

import numpy as np
import pytest
import torch

from rankscope.sampling import (
    Box,
    Interval,
    Quadrature,
    boundary,
    contains,
    gauss_legendre,
    monte_carlo,
    quadrature,
    sobol,
    trapezoid,
    uniform_grid,
)

A, B = -0.7, 1.9  # a generic, asymmetric interval


DOMAINS = [
    Interval(A, B),
    (0.0, 3.0),
    Box((0.0, -1.0), (2.0, 0.5)),
    Box((0.0, 0.0, 1.0), (1.0, 3.0, 1.5)),
]


VOLUMES = [B - A, 3.0, 3.0, 1.5]


@pytest.mark.parametrize(("domain", "volume"), list(zip(DOMAINS, VOLUMES, strict=True)))
@pytest.mark.parametrize(
    "make",
    [
        lambda d: gauss_legendre(d, 4),
        lambda d: gauss_legendre(d, 2, panels=3),
        lambda d: trapezoid(d, 5),
        lambda d: uniform_grid(d, 5),
        lambda d: monte_carlo(d, 100, seed=0),
        lambda d: sobol(d, 128, seed=0),
    ],
)
def test_weights_sum_to_volume(domain, volume, make):
    q = make(domain)
    np.testing.assert_allclose(q.weights.sum(), volume, rtol=1e-13)
    np.testing.assert_allclose(q.total_weight, volume, rtol=1e-13)
    assert np.all(q.weights > 0)
    assert contains(domain, q.points).all()
    assert q.points.dtype == np.float64 and q.weights.dtype == np.float64


def test_quadrature_from_user_data_numpy_and_torch():
    q = quadrature(np.array([0.0, 0.5, 1.0]))
    assert q.points.shape == (3, 1) and q.rule == "points"
    np.testing.assert_allclose(q.weights, [1 / 3] * 3)
    assert q.total_weight == pytest.approx(1.0)
    qt = quadrature(torch.tensor([[0.0, 1.0], [2.0, 3.0]]), torch.tensor([0.25, 0.75]))
    assert qt.points.dtype == np.float64 and qt.dim == 2 and len(qt) == 2
    np.testing.assert_array_equal(qt.weights, [0.25, 0.75])


def test_quadrature_arrays_are_readonly_copies():
    src = np.array([[0.0], [1.0]])
    w = np.array([0.5, 0.5])
    q = Quadrature(src, w, "points")
    src[0, 0] = 9.0
    w[0] = 9.0
    assert q.points[0, 0] == 0.0 and q.weights[0] == 0.5
    assert not q.points.flags.writeable and not q.weights.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        q.points[0, 0] = 1.0
    with pytest.raises(AttributeError):
        q.rule = "other"  # type: ignore[misc]


def test_integrate_vector_valued_and_torch_output():
    q = gauss_legendre((0.0, 1.0), 3)
    out = q.integrate(lambda x: np.stack([np.ones(len(x)), x[:, 0], x[:, 0] ** 2], axis=1))
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    np.testing.assert_allclose(out, [1.0, 0.5, 1 / 3], rtol=1e-14)
    scalar = q.integrate(lambda x: torch.from_numpy(np.array(x[:, 0])))
    assert isinstance(scalar, float) and scalar == pytest.approx(0.5, rel=1e-14)
    with pytest.raises(ValueError, match=r"f must return an array of shape \(3,\) or \(3, k\)"):
        q.integrate(lambda x: np.ones(2))
    with pytest.raises(ValueError, match=r"f must return an array of shape"):
        q.integrate(lambda x: 1.0)


def test_gram_matrix_as_in_paper_eq_4_1():
    # M = D^T W D for phi = (1, x) on [0, 1]: [[1, 1/2], [1/2, 1/3]]
    q = gauss_legendre((0.0, 1.0), 2)
    d = np.stack([np.ones(len(q)), q.points[:, 0]], axis=1)
    m = d.T @ (q.weights[:, None] * d)
    np.testing.assert_allclose(m, [[1.0, 0.5], [0.5, 1 / 3]], rtol=1e-14)


def test_to_torch():
    q = trapezoid(Box.cube(0.0, 1.0, 2), 3)
    pts, w = q.to_torch()
    assert pts.dtype == torch.float64 and w.dtype == torch.float64
    assert tuple(pts.shape) == (9, 2) and tuple(w.shape) == (9,)
    np.testing.assert_array_equal(pts.numpy(), q.points)
    pts32, w32 = q.to_torch(dtype=torch.float32, device="cpu")
    assert pts32.dtype == torch.float32 and w32.device.type == "cpu"
    pts[0, 0] = 5.0  # a fresh tensor: the rule is untouched
    assert q.points[0, 0] == 0.0


def test_quadrature_rejects_negative_weights():
    with pytest.raises(ValueError, match=r"weights must be non-negative; got 1 negative .*-0\.5"):
        quadrature([[0.0], [1.0]], [1.0, -0.5])


def test_quadrature_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"points has shape \(3, 1\) .* weights has shape \(2,\)"):
        quadrature([0.0, 0.5, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"weights must be a 1-D array; got ndarray of shape"):
        quadrature([0.0, 1.0], [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"points must be a 2-D matrix; got ndarray of shape \(2,\)"):
        Quadrature(np.zeros(2), np.ones(2), "points")


def test_quadrature_rejects_nan_and_empty():
    with pytest.raises(ValueError, match=r"points must be finite; it has 1 NaN or Inf"):
        quadrature([[0.0], [math.nan]])
    with pytest.raises(ValueError, match=r"weights must be finite"):
        quadrature([[0.0], [1.0]], [1.0, math.inf])
    with pytest.raises(ValueError, match=r"points must contain at least one point"):
        quadrature(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"m >= 1 and d >= 1; got shape \(0, 2\)"):
        Quadrature(np.zeros((0, 2)), np.zeros(0), "points")
    with pytest.raises(TypeError, match=r"rule must be a non-empty string"):
        Quadrature(np.zeros((1, 1)), np.ones(1), "")


@pytest.mark.parametrize(
    "call",
    [
        lambda: gauss_legendre((0.0, 1.0), 0),
        lambda: trapezoid((0.0, 1.0), 0),
        lambda: uniform_grid((0.0, 1.0), 0),
        lambda: monte_carlo((0.0, 1.0), 0),
        lambda: sobol((0.0, 1.0), 0),
        lambda: boundary(Box.cube(0.0, 1.0, 2), 0),
    ],
)
def test_rules_reject_n_zero(call):
    with pytest.raises(ValueError, match=r"n must be a positive integer \(>= 1\); got 0"):
        call()


def test_rules_reject_other_bad_arguments():
    with pytest.raises(TypeError, match=r"n must be a positive integer; got 2\.5"):
        gauss_legendre((0.0, 1.0), 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"panels must be a positive integer \(>= 1\); got 0"):
        gauss_legendre((0.0, 1.0), 2, panels=0)
    with pytest.raises(ValueError, match=r"n must be >= 2 for the trapezoid rule.*got 1"):
        trapezoid((0.0, 1.0), 1)
    with pytest.raises(ValueError, match=r"n must be >= 2 for the trapezoid face rule; got 1"):
        boundary(Box.cube(0.0, 1.0, 2), 1, rule="trapezoid")
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer; got -1"):
        monte_carlo((0.0, 1.0), 3, seed=-1)
    with pytest.raises(TypeError, match=r"seed must be a non-negative integer; got 1\.0"):
        sobol((0.0, 1.0), 3, seed=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"scramble must be a bool; got 'yes'"):
        sobol((0.0, 1.0), 3, scramble="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", [gauss_legendre, trapezoid, uniform_grid, monte_carlo, sobol, boundary])
def test_rules_reject_bad_domain(rule):
    with pytest.raises(ValueError, match=r"domain Interval must have low < high; got low=1\.0"):
        rule((1.0, 1.0), 3)
    with pytest.raises(TypeError, match=r"domain must be an Interval, a Box or a \(low, high\)"):
        rule([0.0, 1.0], 3)


def test_image_shaped_points_are_samples():
    import torch

    from rankscope.matrices import gram_matrix

    imgs = np.random.default_rng(0).random((12, 1, 8, 8))
    q = quadrature(imgs)
    assert q.points.shape == (12, 1, 8, 8) and q.sample_shape == (1, 8, 8) and q.dim == 64
    assert q.total_weight == pytest.approx(1.0)
    pts, _ = q.to_torch(dtype=torch.float32)
    assert pts.shape == (12, 1, 8, 8)
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(108, 5),
        torch.nn.Tanh(),
    )
    g = gram_matrix(cnn, "last", q)  # the last hidden layer: the ReLU after the convolution
    feats = cnn.double()[:3](torch.tensor(imgs)).detach().numpy()
    assert g.shape == (108, 108)
    assert np.allclose(g, feats.T @ feats / 12, rtol=1e-12, atol=1e-14)  # D^T W D, W = 1/m
    bad = imgs.copy()
    bad[3, 0, 2, 2] = np.nan
    with pytest.raises(ValueError, match="points must be finite"):
        quadrature(bad)
    with pytest.raises(ValueError, match=r"every axis >= 1"):
        quadrature(np.zeros((4, 0, 8, 8)), np.ones(4))
