"""Tests of the nested-basis HSS approximation and its extended sparse solve (relu.hss_nested)."""

from __future__ import annotations

import numpy as np
import pytest

from rankscope.linalg.structured.hss_nested import hss_nested
from rankscope.linalg.structured.hss_nested_factor import NestedHSSPreconditioner
from rankscope.linalg.structured.ordering import hyperplane_ordering
from rankscope.linalg.structured.pcg import pcg
from rankscope.nets.shallow_relu import random_neurons
from rankscope.sampling import Box, gauss_legendre


def _relu_mass(n: int) -> tuple[np.ndarray, np.ndarray]:
    net = random_neurons(n, 2, seed=0)
    q = gauss_legendre(Box.cube(0.0, 1.0, 2), int(np.ceil(2 * np.sqrt(n))))
    phi = net.features(q.points)
    a = (phi * q.weights[:, None]).T @ phi
    return 0.5 * (a + a.T), hyperplane_ordering(net.weights, net.biases, leaf_size=32)


def _hss_reference(n: int, leaf: int) -> np.ndarray:
    """Independent check of the HSS *structure*: a matrix whose off-diagonal blocks at every level
    have rank <= 3 inside nested bases (built directly from generators), returned dense."""
    rng = np.random.default_rng(5)
    out = np.zeros((n, n))

    def rec(lo: int, hi: int) -> np.ndarray:  # returns a nested basis of the block row, (hi-lo, 3)
        if hi - lo <= leaf:
            g = rng.standard_normal((hi - lo, hi - lo))
            out[lo:hi, lo:hi] = g @ g.T + (hi - lo) * np.eye(hi - lo)
            return np.linalg.qr(rng.standard_normal((hi - lo, 3)))[0]
        mid = lo + (hi - lo + 1) // 2
        u1, u2 = rec(lo, mid), rec(mid, hi)
        b = rng.standard_normal((3, 3))
        out[lo:mid, mid:hi] = u1 @ b @ u2.T
        out[mid:hi, lo:mid] = (u1 @ b @ u2.T).T
        r = np.linalg.qr(rng.standard_normal((6, 3)))[0]
        return np.concatenate([u1 @ r[:3], u2 @ r[3:]], axis=0)

    rec(0, n)
    return out


def test_exact_at_full_rank_with_ordering_and_shift() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((90, 70))
    a = x.T @ x
    perm = rng.permutation(70)
    h = hss_nested(a, perm, tol=1e-15, sketch=70, leaf_size=9, shift=0.5)
    assert np.allclose(h.to_dense(), a + 0.5 * np.eye(70), atol=1e-9)
    b = rng.standard_normal((70, 3))
    assert np.allclose(h.solve(b), np.linalg.solve(a + 0.5 * np.eye(70), b), atol=1e-8)
    assert np.allclose(h.solve(b[:, 0]), h.solve(b)[:, 0])
    assert h.nbytes >= 12 * (70 * 70 // 2)  # LU of a dense-coupled 70 x 70 system holds >= half its entries


def test_recovers_exact_hss_matrix_with_small_ranks() -> None:
    a = _hss_reference(96, leaf=12)
    h = hss_nested(a, tol=1e-12, sketch=40, leaf_size=12, shift=0.0)
    # every block row lies in its nested rank-3 basis (own coupling and inherited ones alike)
    assert h.max_rank == 3
    assert np.allclose(h.to_dense(), a, atol=1e-8 * np.abs(a).max())


def test_error_decreases_with_tol_on_relu_mass_matrix() -> None:
    a, perm = _relu_mass(256)
    errs, ranks = [], []
    for tol in (1e-4, 1e-7, 1e-10):
        h = hss_nested(a, perm, tol, sketch=128, leaf_size=32, shift=0.0)
        errs.append(np.linalg.norm(h.to_dense() - a, 2) / np.linalg.norm(a, 2))
        ranks.append(h.max_rank)
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-8
    assert ranks[0] < ranks[1] < ranks[2]


def test_preconditioned_cg_converges_faster_than_plain_cg() -> None:
    a, perm = _relu_mass(256)
    f = a @ np.random.default_rng(1).standard_normal(256)
    anorm = float(np.linalg.norm(a, 2))
    h = hss_nested(a, perm, 1e-10, sketch=128, leaf_size=32)
    res = pcg(a, f, NestedHSSPreconditioner(h), tol=1e-10, maxiter=2000, anorm=anorm)
    plain = pcg(a, f, None, tol=1e-10, maxiter=2000, anorm=anorm)
    assert res.converged
    assert np.linalg.norm(f - a @ res.x) <= 1e-10 * (anorm * np.linalg.norm(res.x) + np.linalg.norm(f))
    assert res.iterations < plain.iterations // 5


def test_errors_name_the_argument() -> None:
    a = np.eye(8)
    with pytest.raises(ValueError, match="ordering must be a permutation"):
        hss_nested(a, np.zeros(8, dtype=int))
    with pytest.raises(ValueError, match="tol"):
        hss_nested(a, tol=-1.0)
    with pytest.raises(ValueError, match="sketch"):
        hss_nested(a, sketch=0)
    with pytest.raises(ValueError, match="shift"):
        hss_nested(a, shift=-1.0)
    with pytest.raises(ValueError, match="square"):
        hss_nested(np.ones((3, 4)))
