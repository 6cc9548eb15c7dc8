"""Wrapping symmetric PSD operators (rankscope.linalg.psd_operator): inputs, checks, counts, dense eigs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from rankscope.linalg.psd_operator import CountedOperator, aslinearoperator_psd, dense_eigenvalues


def test_aslinearoperator_psd_accepts_and_checks():
    op = aslinearoperator_psd(np.eye(3))
    assert op.shape == (3, 3)
    assert aslinearoperator_psd(op) is op
    f = aslinearoperator_psd(lambda x: 2.0 * x, n=4)
    np.testing.assert_allclose(f.matvec(np.ones(4)), 2.0)
    g = aslinearoperator_psd(lambda x: torch.as_tensor(3.0 * x), n=2)
    np.testing.assert_allclose(g.matvec(np.ones(2)), 3.0)


@pytest.mark.parametrize(
    ("call", "err", "match"),
    [
        (lambda: aslinearoperator_psd(np.ones((3, 4))), ValueError, r"op must be square"),
        (lambda: aslinearoperator_psd(np.zeros((0, 0))), ValueError, "op must have dimension n >= 1"),
        (
            lambda: aslinearoperator_psd(np.array([[1.0, np.nan], [np.nan, 1.0]])),
            ValueError,
            "op must be finite",
        ),
        (
            lambda: aslinearoperator_psd(np.array([[1.0, 1e-3], [0.0, 1.0]])),
            ValueError,
            "op must be symmetric",
        ),
        (lambda: aslinearoperator_psd(np.eye(3), n=4), ValueError, "n = 4 does not match"),
        (lambda: aslinearoperator_psd(lambda x: x), TypeError, "n must be given"),
        (lambda: aslinearoperator_psd(lambda x: x, n=0), ValueError, "n must be a positive integer"),
        (lambda: aslinearoperator_psd(lambda x: x, n=2.5), TypeError, "n must be a positive integer"),
        (lambda: aslinearoperator_psd("matrix"), TypeError, "op must be a square ndarray/tensor"),
        (
            lambda: aslinearoperator_psd(LinearOperator((2, 3), matvec=lambda x: x[:2])),
            ValueError,
            "op must be a square operator",
        ),
        (
            lambda: aslinearoperator_psd(lambda x: x[:2], n=3).matvec(np.ones(3)),
            ValueError,
            "op\\(x\\) must return a vector of length n = 3",
        ),
    ],
)
def test_bad_operator_raises_naming_the_argument(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_counted_operator_counts_one_application_per_column():
    a = CountedOperator(aslinearoperator(np.diag([3.0, 2.0, 1.0])))
    np.testing.assert_allclose(a.matvec(np.ones(3)), [3.0, 2.0, 1.0])
    np.testing.assert_allclose(a.matmat(np.eye(3)[:, :2]), np.diag([3.0, 2.0, 1.0])[:, :2])
    assert a.count == 3 and a.dtype == np.float64 and a.H is a


@pytest.mark.parametrize("as_callable", [False, True])
def test_dense_eigenvalues_are_all_eigenvalues_descending(as_callable):
    rng = np.random.default_rng(0)
    m = rng.standard_normal((300, 300))
    m = m @ m.T
    op = aslinearoperator_psd((lambda x: m @ x) if as_callable else m, n=300)
    a = CountedOperator(op)
    vals = dense_eigenvalues(a)
    np.testing.assert_allclose(vals, np.linalg.eigvalsh(m)[::-1], rtol=1e-10, atol=1e-9)
    assert a.count == (300 if as_callable else 0)  # a dense matrix is read, not applied
