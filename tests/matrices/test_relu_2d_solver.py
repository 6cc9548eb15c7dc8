"""rankscope.matrices.relu_2d_solver: the structured 2D least-squares solve against dense Cholesky."""

import numpy as np
import pytest
import scipy.linalg

from rankscope.matrices import relu_2d
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.matrices.relu_2d_solver import ReluLeastSquares2D
from rankscope.nets.shallow_relu import ShallowReLU, random_neurons
from rankscope.problems.relu_targets import kink_2d, smooth_2d


def _dense_error(net, u):
    e = ReluEntries2D(net)
    a = e.matrix()
    f, u2 = e.load_vector(u, lines=u.lines), e.norm2(u, lines=u.lines)
    c = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), f)
    return e.function_error(c, f, u2, ac=a @ c)


@pytest.mark.parametrize("target", [smooth_2d(), kink_2d()], ids=["smooth", "kink"])
@pytest.mark.parametrize("method", ["direct", "pcg"])
def test_fit_reaches_the_dense_function_error_within_one_percent(target, method):
    net = random_neurons(600, 2, seed=1)
    solver = ReluLeastSquares2D(net, method=method, leaf_size=64)
    fit = solver.fit(target)
    dense = _dense_error(net, target)
    assert fit.function_error <= 1.01 * dense
    assert fit.backward_error < 1e-10
    assert max(solver.hodlr.level_ranks) < 300  # compressed: blocks of 300 and smaller
    if method == "pcg":
        assert solver.last_iterations >= 1


def test_solve_takes_the_nets_own_load_vector_in_its_order():
    net = random_neurons(200, 2, seed=9)
    e = ReluEntries2D(net)
    a = e.matrix()
    f = e.load_vector(smooth_2d())
    c = ReluLeastSquares2D(net, leaf_size=32).solve(f)
    assert np.linalg.norm(a @ c - f) <= 1e-9 * np.linalg.norm(f)


def test_never_forms_the_matrix(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the solver formed A")

    monkeypatch.setattr(relu_2d.ReluEntries2D, "matrix", refuse)
    solver = ReluLeastSquares2D(random_neurons(300, 2, seed=2), leaf_size=32)
    solver.fit(smooth_2d())
    assert solver.seconds.keys() >= {"order", "compress", "factor"}


def test_loose_tolerance_costs_function_accuracy():
    net = random_neurons(400, 2, seed=3)
    tight = ReluLeastSquares2D(net, tol=1e-13, leaf_size=50).fit(kink_2d())
    loose = ReluLeastSquares2D(net, tol=1e-6, leaf_size=50).fit(kink_2d())
    assert loose.function_error > 1.05 * tight.function_error  # the reason the default tol is tight


def test_duplicates_are_refused_or_merged():
    base = random_neurons(40, 2, seed=4)
    w = np.vstack([base.weights, 2.5 * base.weights[:2]])  # neurons 40, 41 = 2.5 x neurons 0, 1
    b = np.concatenate([base.biases, 2.5 * base.biases[:2]])
    net = ShallowReLU(w, b)
    with pytest.raises(ValueError, match=r"duplicate neurons.*\[0, 40\].*duplicates='merge'"):
        ReluLeastSquares2D(net, leaf_size=8)
    solver = ReluLeastSquares2D(net, leaf_size=8, duplicates="merge")
    assert solver.shape == (40, 40) and len(solver.merged) == 2
    fit = solver.fit(smooth_2d())
    ref = ReluLeastSquares2D(base, leaf_size=8).fit(smooth_2d())
    x = np.random.default_rng(0).random((50, 2))
    v = net.features(x) @ fit.coefficients
    assert np.allclose(v, base.features(x) @ ref.coefficients, rtol=1e-8, atol=1e-10)  # the same function
    assert abs(fit.coefficients[40]) < abs(fit.coefficients[0]) * 2.5 + 1e-12  # split, min-norm


def test_bad_neurons_raise_naming_net():
    good = random_neurons(10, 2, seed=5)
    zero = ShallowReLU(np.vstack([good.weights, [[0.0, 0.0]]]), np.append(good.biases, 1.0))
    with pytest.raises(ValueError, match=r"net must have non-zero weights.*\[10\]"):
        ReluLeastSquares2D(zero)
    dead = ShallowReLU(np.vstack([good.weights, [[1.0, 0.0]]]), np.append(good.biases, -3.0))  # x1 >= 3
    with pytest.raises(ValueError, match=r"dead neurons.*\[10\]"):
        ReluLeastSquares2D(dead)
    lin = ShallowReLU(
        np.vstack([good.weights, [[1, 0], [0, 1], [1, 1], [1, -1]]]), np.append(good.biases, [2, 2, 3, 2])
    )
    with pytest.raises(ValueError, match="4 linear neurons"):
        ReluLeastSquares2D(lin)
    with pytest.raises(TypeError, match="net must be a ShallowReLU"):
        ReluLeastSquares2D(np.eye(2))
    with pytest.raises(ValueError, match="method"):
        ReluLeastSquares2D(good, method="lu")
    s = ReluLeastSquares2D(good, leaf_size=4)
    with pytest.raises(ValueError, match=r"f must have shape \(10,\)"):
        s.solve(np.ones(3))
