"""rankscope.matrices.relu_1d: 1D closed forms vs Gauss-Legendre split at the breakpoints, hand values
and the 1D neuron report."""

import itertools

import numpy as np
import pytest

from rankscope.matrices.relu import heaviside_matrix, layer_gauss_newton, load_vector, mass_matrix
from rankscope.matrices.relu_1d import active_intervals_1d, neuron_report_1d
from rankscope.nets.shallow_relu import ShallowReLU, random_breakpoints_1d
from rankscope.sampling import gauss_legendre, quadrature


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


def test_1d_mass_symmetric_positive_definite():
    net = random_breakpoints_1d(40, 0, signs="mixed")
    a = mass_matrix(net, (0.0, 1.0))
    np.testing.assert_array_equal(a, a.T)
    assert np.linalg.eigvalsh(a)[0] > 0


def test_active_intervals_by_hand():
    # x - 0.25 (active right of 0.25), 0.5 - x (left of 0.5), relu(2) (w = 0: everywhere), relu(-1) (dead),
    # x - 2 (breakpoint right of the domain: dead)
    net = ShallowReLU(np.array([1.0, -1.0, 0.0, 0.0, 1.0]), np.array([-0.25, 0.5, 2.0, -1.0, -2.0]))
    lo, hi = active_intervals_1d(net, 0.0, 1.0)
    np.testing.assert_array_equal(lo, [0.25, 0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(hi, [1.0, 0.5, 1.0, 1.0, 1.0])
    rep = neuron_report_1d(net, (0.0, 1.0), warn=False)
    assert rep["zero_weight"].tolist() == [2, 3] and rep["dead"].tolist() == [3, 4]
    assert rep["linear"].tolist() == [] and rep["coincident"].tolist() == []
