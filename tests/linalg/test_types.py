"""The type aliases of ``rankscope.linalg.types`` name what the functions really accept."""

import typing

import numpy as np
import pytest
import scipy.sparse
import torch
from scipy.sparse.linalg import aslinearoperator

from rankscope._checks import as_matrix, as_vector
from rankscope.linalg import aslinearoperator_psd, dist_to_span
from rankscope.linalg import types as t
from rankscope.linalg.structured import backward_error
from rankscope.sampling import quadrature


def _members(alias: object) -> tuple[object, ...]:
    return typing.get_args(alias)


def test_matrix_and_vector_like_include_torch_tensors():
    assert torch.Tensor in _members(t.MatrixLike)
    assert torch.Tensor in _members(t.VectorLike)


@pytest.mark.parametrize(
    "value",
    [
        np.eye(2),
        np.eye(2, dtype=np.float32),
        torch.eye(2),
        torch.eye(2, dtype=torch.float32),
        [[1.0, 0.0], [0.0, 1.0]],
    ],
)
def test_every_matrix_like_kind_is_read_by_as_matrix(value):
    assert np.array_equal(as_matrix("m", value), np.eye(2))


@pytest.mark.parametrize("value", [np.ones(3), torch.ones(3), [1.0, 1.0, 1.0], (1, 1, 1)])
def test_every_vector_like_kind_is_read_by_as_vector(value):
    assert np.array_equal(as_vector("v", value), np.ones(3))


def test_sparse_matrix_names_both_scipy_kinds():
    assert set(_members(t.SparseMatrix)) == {scipy.sparse.sparray, scipy.sparse.spmatrix}
    assert isinstance(scipy.sparse.csr_array(np.eye(2)), t.SparseMatrix)
    assert isinstance(scipy.sparse.csr_matrix(np.eye(2)), t.SparseMatrix)


@pytest.mark.parametrize(
    "a",
    [
        np.diag([2.0, 3.0]),
        scipy.sparse.csr_matrix(np.diag([2.0, 3.0])),
        aslinearoperator(np.diag([2.0, 3.0])),
    ],
)
def test_every_operator_like_kind_is_applied(a):
    x = np.array([0.5, 1.0 / 3.0])
    assert backward_error(a, x, np.ones(2), ord=np.inf) < 1e-15


@pytest.mark.parametrize(
    "op",
    [np.diag([2.0, 1.0]), torch.diag(torch.tensor([2.0, 1.0])), aslinearoperator(np.diag([2.0, 1.0]))],
)
def test_every_psd_operator_kind_is_wrapped(op):
    assert aslinearoperator_psd(op).matvec(np.ones(2)).tolist() == [2.0, 1.0]


def test_a_matvec_returning_a_tensor_is_wrapped():
    def matvec(x: t.FloatArray) -> torch.Tensor:
        return torch.from_numpy(2.0 * x)

    assert aslinearoperator_psd(matvec, n=2).matvec(np.ones(2)).tolist() == [2.0, 2.0]


def test_a_quadrature_is_weighted():
    x = np.linspace(-1.0, 1.0, 5)
    q = quadrature(x, np.full(5, 0.4))
    feats = np.stack([np.ones(5), x], axis=1)
    assert dist_to_span(feats, x + 2, q, [0]) == dist_to_span(feats, x + 2, q.weights, [0])


def test_array_t_is_a_tensor_or_an_array():
    assert t.ArrayT.__constraints__ == (torch.Tensor, np.ndarray)
