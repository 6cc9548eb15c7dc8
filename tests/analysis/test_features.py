import numpy as np
import pytest
import torch

from rankscope.analysis.features import (
    accuracy_curve,
    classification_dimension,
    independence_deficit,
    lasso_eta_max,
    principal_directions,
)


def _synthetic(n_per=60, classes=4, informative=3, d=12, seed=0):
    """Classes separated along 3 high-variance directions; 9 more directions of small pure noise."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    centres = 10.0 * rng.standard_normal((classes, informative))
    y = np.repeat(np.arange(classes), n_per)
    coords = np.zeros((len(y), d))
    coords[:, :informative] = centres[y] + 0.3 * rng.standard_normal((len(y), informative))
    coords[:, informative:] = 0.05 * rng.standard_normal((len(y), d - informative))
    x = coords @ q.T
    x -= x.mean(0)  # centred: the projection through the origin of eq. (6) is then PCA's
    means = np.stack([x[y == c].mean(0) for c in range(classes)])  # nearest-centroid linear classifier

    def head(f):
        m = torch.tensor(means, dtype=f.dtype)
        return f @ m.T - 0.5 * (m**2).sum(1)

    return x, y, head


def test_classification_dimension_recovers_the_number_of_informative_directions():
    x, y, head = _synthetic()
    res = classification_dimension(x, y, head, eps=0.05)
    lin = classification_dimension(x, y, head, eps=0.05, search="linear")
    assert res.full_accuracy == 1.0
    assert res.dim == lin.dim
    assert 2 <= res.dim <= 3 and res.ambient == 12
    curve = accuracy_curve(x, y, head, range(1, 13))
    assert curve[res.dim - 1] >= 0.95 and (res.dim == 1 or curve[res.dim - 2] < 0.95)
    assert curve[-1] == 1.0 and len(res.evaluated) <= 5


def test_projection_is_through_the_origin_unless_centred():
    x = np.array([[5.0, 1.0], [5.0, -1.0], [5.0, 1.0], [5.0, -1.0]])
    y = np.array([0, 1, 0, 1])

    def head(f):
        return torch.stack([f[:, 1] + 0 * f[:, 0], -f[:, 1] + 0.1 * f[:, 0] - 0.5], dim=1)

    q = principal_directions(x)
    assert abs(abs(q[1, 0]) - 1.0) < 1e-12  # top direction is e_2 (the mean direction e_1 has no variance)
    assert classification_dimension(x, y, head).dim == 1
    # with centring, k = 1 keeps e_2 and the mean: the same accuracy
    assert classification_dimension(x, y, head, centre_projection=True).dim == 1


def test_lasso_recovers_exact_linear_dependencies():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((400, 8))
    z[:, 5] = 1.5 * z[:, 1] - 0.7 * z[:, 6]  # class 5's logit is an exact combination of classes 1 and 6
    y = z.argmax(1)
    res = independence_deficit(z, y, 5, eta=1e-4)
    assert res.support == (1, 6)
    np.testing.assert_allclose(res.coefficients, [0, 1.5, 0, 0, 0, 0, -0.7, 0], atol=2e-3)
    assert res.r2 > 0.999
    assert res.accuracy == res.original_accuracy and res.positive_accuracy == res.original_positive_accuracy
    # eta above eta_max zeroes every coefficient; just below it keeps exactly one
    emax = lasso_eta_max(z, y, 5)
    assert independence_deficit(z, y, 5, eta=1.01 * emax).support == ()
    assert len(independence_deficit(z, y, 5, eta=0.99 * emax).support) == 1
    # eq. (11) scaling: sklearn's alpha = eta / 2 gives the minimiser of mse + eta * ||lambda||_1
    res2 = independence_deficit(z, y, 5, eta=0.3)
    lam = np.delete(res2.coefficients, 5)
    xs, ys = np.delete(z, 5, axis=1), z[:, 5]

    def objective(v):
        return np.mean((ys - xs @ v) ** 2) + 0.3 * np.abs(v).sum()

    for step in (1e-3, -1e-3):
        for j in range(7):
            bumped = lam.copy()
            bumped[j] += step
            assert objective(bumped) >= objective(lam) - 1e-9


def test_fit_on_class_uses_only_the_target_samples():
    rng = np.random.default_rng(4)
    z = rng.standard_normal((300, 4))
    y = np.repeat([0, 1, 2], 100)
    z[y == 2, 2] = 2.0 * z[y == 2, 0]  # dependency only on class-2 samples
    res = independence_deficit(z, y, 2, eta=1e-4, fit_on="class")
    assert res.support == (0,)
    assert abs(res.coefficients[0] - 2.0) < 1e-2
    assert independence_deficit(z, y, 2, eta=1e-4, fit_on="all").r2 < 0.9


def test_bad_arguments():
    z = np.zeros((4, 3))
    y = np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"target must be a class index in 0\.\.2; got 3"):
        independence_deficit(z, y, 3, eta=1.0)
    with pytest.raises(ValueError, match="fit_on must be one of"):
        independence_deficit(z, y, 0, eta=1.0, fit_on="some")
    with pytest.raises(ValueError, match="labels must be 4 integer class labels"):
        independence_deficit(z, y[:3], 0, eta=1.0)
    with pytest.raises(ValueError, match=r"eps must be in \[0, 1\)"):
        classification_dimension(z, y, lambda f: f, eps=1.0)
    with pytest.raises(ValueError, match="search must be one of"):
        classification_dimension(z, y, lambda f: f, search="ternary")
    with pytest.raises(ValueError, match=r"ks must lie in 1\.\.3"):
        accuracy_curve(z, y, lambda f: f, [0])
