"""rankscope.matrices.relu, relu_1d: 1D closed forms vs Gauss-Legendre split at the breakpoints; 2D orders."""

import itertools

import numpy as np
import pytest

from rankscope.matrices.relu import (
    heaviside_matrix,
    layer_gauss_newton,
    load_vector,
    mass_2d,
    mass_matrix,
    neuron_report_1d,
    quadrature_error,
)
from rankscope.nets.shallow_relu import ShallowReLU, random_breakpoints_1d, random_neurons
from rankscope.sampling import Box, gauss_legendre, quadrature


def _split_rule(net, low, high, nodes=6):
    """Gauss-Legendre on each cell between breakpoints: exact for the piecewise cubic integrands."""
    t = net.breakpoints()
    cuts = np.unique(np.clip(np.concatenate([[low, high], t[np.isfinite(t)]]), low, high))
    pts, wts = [], []
    for a, b in itertools.pairwise(cuts):
        q = gauss_legendre((a, b), nodes)
        pts.append(q.points)
        wts.append(q.weights)
    return quadrature(np.concatenate(pts), np.concatenate(wts))


@pytest.mark.parametrize("seed", [0, 1])
def test_closed_forms_match_split_quadrature(seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.3, 2.0, 12) * rng.choice([-1.0, 1.0], 12)
    t = rng.uniform(-1.3, 2.4, 12)  # some outside [-1, 2]: dead or linear neurons
    net = ShallowReLU(w, -w * t)
    dom = (-1.0, 2.0)
    q = _split_rule(net, *dom)
    with pytest.warns(RuntimeWarning):
        a, h, g = mass_matrix(net, dom), heaviside_matrix(net, dom), layer_gauss_newton(net, dom)
    np.testing.assert_allclose(a, mass_matrix(net, dom, quadrature=q), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h, heaviside_matrix(net, dom, quadrature=q), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g, layer_gauss_newton(net, dom, quadrature=q), rtol=1e-12, atol=1e-13)
    u = lambda x: 1.0 - 2.0 * x[:, 0] + x[:, 0] ** 3  # noqa: E731  (both rules exact)
    np.testing.assert_allclose(
        load_vector(net, u, dom), load_vector(net, u, dom, quadrature=q), rtol=1e-11, atol=1e-12
    )


def test_hand_values():
    net = ShallowReLU(np.array([1.0, -1.0]), np.array([0.0, 1.0]))  # x and 1 - x on [0, 1]
    with pytest.warns(RuntimeWarning, match="linear on it"):
        a = mass_matrix(net, (0.0, 1.0))
    np.testing.assert_allclose(a, [[1 / 3, 1 / 6], [1 / 6, 1 / 3]], rtol=1e-15)
    with pytest.warns(RuntimeWarning, match="linear on it"):
        h = heaviside_matrix(net, (0.0, 1.0))
    np.testing.assert_allclose(h, np.ones((2, 2)))


def test_zero_weight_is_constant_and_reported():
    net = ShallowReLU(np.array([0.0, 1.0]), np.array([2.0, -0.5]))
    with pytest.warns(RuntimeWarning, match=r"neurons \[0\] have weight w = 0"):
        a = mass_matrix(net, (0.0, 1.0))
    assert a[0, 0] == pytest.approx(4.0)  # int_0^1 2^2
    assert a[0, 1] == pytest.approx(2 * 0.125)  # int_0.5^1 2 (x - 0.5)


def test_report_coincident():
    net = ShallowReLU(np.array([1.0, 2.0, -1.0]), np.array([-0.5, -1.0, 0.5]))
    rep = neuron_report_1d(net, (0.0, 1.0), warn=False)
    assert rep["coincident"].tolist() == [1]  # neuron 1 duplicates neuron 0 (same sign); 2 faces left
    with pytest.warns(RuntimeWarning, match=r"neurons \[1\] have the same breakpoint"):
        neuron_report_1d(net, (0.0, 1.0))


def test_domain_dimension_mismatch():
    with pytest.raises(ValueError, match="network's dimension 2"):
        mass_matrix(random_neurons(3, 2, 0), (0.0, 1.0))
    with pytest.raises(TypeError, match="net must be a ShallowReLU"):
        mass_matrix(np.eye(2), (0.0, 1.0))


def test_2d_quadrature_convergence_orders():
    net = random_neurons(10, 2, seed=3)
    box = Box.cube(0.0, 1.0, 2)
    ea = quadrature_error(net, box, "mass", panels=8)
    eh = quadrature_error(net, box, "heaviside", panels=8)
    assert ea.order >= 1.8  # kinks: O(h^2)
    assert 0.8 <= eh.order  # jumps: O(h) (often ~h^1.5 on average)
    assert ea.error < eh.error
    assert ea.matrix.shape == (10, 10)


def test_1d_mass_symmetric_positive_definite():
    net = random_breakpoints_1d(40, 0, signs="mixed")
    a = mass_matrix(net, (0.0, 1.0))
    np.testing.assert_array_equal(a, a.T)
    assert np.linalg.eigvalsh(a)[0] > 0


def test_mass_2d_is_phi_t_w_phi_on_the_tensor_gauss_rule_by_hand():
    # the rule from numpy's Gauss-Legendre nodes mapped to [0, 1], independently of rankscope.sampling
    a, net = mass_2d(12, 7, seed=3)
    ref = random_neurons(12, 2, seed=3)
    np.testing.assert_array_equal(net.weights, ref.weights)
    np.testing.assert_array_equal(net.biases, ref.biases)
    t, wt = np.polynomial.legendre.leggauss(7)
    x, w = (t + 1) / 2, wt / 2
    pts = np.array([(u, v) for u in x for v in x])
    wts = np.array([wu * wv for wu in w for wv in w])
    phi = np.maximum(pts @ ref.weights.T + ref.biases, 0.0)
    np.testing.assert_allclose(a, phi.T @ (wts[:, None] * phi), rtol=1e-12, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(a) > 0)  # about 4n nodes: SPD


def test_mass_2d_converges_to_the_fine_composite_rule():
    box = Box.cube(0.0, 1.0, 2)
    a_fine = mass_matrix(random_neurons(6, 2, seed=1), box, quadrature=gauss_legendre(box, 2, panels=256))
    errs = [np.linalg.norm(mass_2d(6, q, seed=1)[0] - a_fine) for q in (4, 16, 64)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 1e-3 * np.linalg.norm(a_fine)
