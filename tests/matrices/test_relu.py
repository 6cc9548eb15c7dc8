"""rankscope.matrices.relu: the builders, the 2D quadrature and its convergence orders."""

import numpy as np
import pytest

from rankscope.matrices.relu import (
    mass_2d,
    mass_matrix,
    quadrature_error,
)
from rankscope.nets.shallow_relu import random_neurons
from rankscope.sampling import Box, gauss_legendre


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
