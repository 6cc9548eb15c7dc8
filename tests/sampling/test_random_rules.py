"""Monte Carlo and Sobol' rules (rankscope.sampling.random_rules): constants, accuracy, seeds."""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import qmc

from rankscope.sampling import Box, contains, monte_carlo, sobol


def power(k: int, axis: int = 0):
    return lambda x: x[:, axis] ** k


def test_monte_carlo_constants_reproducibility_and_domain():
    box = Box((-1.0, 2.0), (3.0, 2.5))
    q = monte_carlo(box, 500, seed=3)
    assert q.rule == "monte_carlo" and q.points.shape == (500, 2)
    np.testing.assert_allclose(q.integrate(lambda x: np.full(len(x), 3.0)), 6.0, rtol=1e-12)
    assert contains(box, q.points).all()
    again = monte_carlo(box, 500, seed=3)
    np.testing.assert_array_equal(q.points, again.points)
    other = monte_carlo(box, 500, seed=4)
    assert not np.array_equal(q.points, other.points)


def test_monte_carlo_converges_loosely():
    q = monte_carlo((0.0, 1.0), 20_000, seed=0)
    assert abs(q.integrate(power(1)) - 0.5) < 0.02


def test_sobol_constants_accuracy_and_reproducibility():
    box = Box((0.0, 0.0), (1.0, 2.0))
    q = sobol(box, 4096, seed=1)
    assert q.rule == "sobol" and q.points.shape == (4096, 2)
    assert contains(box, q.points).all()
    np.testing.assert_allclose(q.integrate(lambda x: np.full(len(x), -2.0)), -4.0, rtol=1e-12)
    got = q.integrate(lambda x: np.exp(x[:, 0]) * np.sin(x[:, 1]))
    exact = (math.e - 1.0) * (1.0 - math.cos(2.0))
    assert abs(got - exact) < 1e-3
    np.testing.assert_array_equal(q.points, sobol(box, 4096, seed=1).points)
    assert not np.array_equal(q.points, sobol(box, 4096, seed=2).points)


@pytest.mark.parametrize("n", [1, 64, 100])
def test_sobol_is_warning_free_and_matches_scipy(n):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = sobol((0.0, 1.0), n, seed=5)
    ref_engine = qmc.Sobol(1, scramble=True, rng=np.random.default_rng(5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ref_engine.random(n)
    np.testing.assert_array_equal(q.points, ref)


def test_sobol_unscrambled_starts_at_corner():
    q = sobol(Box((1.0, -1.0), (2.0, 1.0)), 8, scramble=False)
    np.testing.assert_array_equal(q.points[0], [1.0, -1.0])
