"""Unscaled nested-basis HSS approximation of an SPD matrix, solved exactly by extended sparsification.

Paper 003 (last analysis bullet): off-diagonal blocks of
the ReLU mass matrix are numerically low rank (with a neuron ordering clustering similar hyperplanes,
:func:`rankscope.linalg.structured.ordering.hyperplane_ordering`), so a hierarchically
semi-separable (HSS) approximation can precondition CG. Unlike
:func:`rankscope.linalg.structured.hss.hss_cholesky` (which compresses block rows *scaled* by the
diagonal Cholesky factors), the blocks of ``A`` itself are compressed here.

Approximant (symmetric HSS with nested bases, balanced binary tree on the ordered indices)::

    A_hss = blockdiag(A_ii over leaves) + sum over sibling pairs (c, s) of  U_c B_cs U_s^T,
    U_leaf orthonormal (n_leaf x r),  U_p = blockdiag(U_c1, U_c2) R_p  (nested; R_p orthonormal).

Construction (one BLAS-3 sketch ``W = A Omega`` for the whole tree, ``Omega`` Gaussian ``n x k``):
a node's off-diagonal block row sketch is ``Y_c = W_c - A_cc Omega_c``; leaves take ``U`` from its SVD,
parents from the SVD of ``[U_c1^T (Y_c1 - A_{c1 c2} Omega_{c2}); U_c2^T (...)]`` (the children's bases
contain the parent's block row). Singular values are kept above ``tol * ||W||_2``
(``~ tol ||A|| sqrt(k)``, the scale of ``||Y_c||``). Couplings ``B_cs = U_c^T A_cs U_s`` are exact.

Solve: ``(A_hss + shift I) x = b`` through the *extended sparse* system (Ambikasaran & Darve,
"The inverse fast multipole method", 2014; Chandrasekaran et al.'s sparse embedding of HSS) in the
unknowns ``x``, ``y_c = U_c^T x_c``, ``z_c`` (field from outside node ``c`` in ``c``'s basis)::

    A_ii x_i + shift x_i + U_i z_i = b_i            (leaves)
    y_c = U_c^T x_c  (leaf)  |  y_c = R_c^T [y_c1; y_c2]  (internal)
    z_c = B_cs y_s + (R_p z_p)|_c                     (the second term only if the parent p is not the root)

factored once by SuperLU (:func:`scipy.sparse.linalg.splu`); eliminating ``y, z`` gives back
``A_hss + shift I`` exactly. ``A_hss`` is symmetric but may be indefinite (the error ``A - A_hss`` is
of size ~``tol ||A||`` while the ReLU mass matrix has eigenvalues far below that); ``shift`` (default
``tol * ||A||_est``) moves it back towards SPD. Dense input only (blocks of ``A`` are read directly).

Measured (2D ReLU mass matrix of ``benchmarks/bench_relu_hss.py``, hyperplane ordering, leaf 128, PCG to
backward error 1e-10; scratch script, 2 threads): n = 2048 -> tol 1e-8: ranks <= 123, 105 iterations;
1e-9: ranks <= 222, 29 iterations. n = 4096 -> 1e-8: 310 iterations; 1e-9: ranks <= 231, 40
iterations; 1e-10: ranks <= 474, 9 iterations. n = 8192 -> 1e-9: ranks <= 243, 193 iterations;
1e-10 (sketch 1000): ranks <= 444, 22 iterations, 16.9 s in all vs 2.6 s for dense Cholesky (the
sketch alone, 1.5 s, plus the 22 dense matvecs exceed a fifth of dense Cholesky). Most eigenvalues of
the ReLU mass matrix lie below ``tol ||A||`` for every tolerance with small ranks (n = 4096: 549 above
1e-8 ||A||, 2815 above 1e-10 ||A||), so few CG iterations need ``tol`` ~ 1e-10 and ranks of several
hundred.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse
from scipy.sparse.linalg import splu

from rankscope._checks import as_matrix, check_nonnegative, check_positive_int, check_symmetric
from rankscope.linalg.structured._inputs import apply_ordering
from rankscope.linalg.structured.hss_nested_factor import NestedHSS

__all__ = ["hss_nested"]


@dataclass
class _Node:
    lo: int
    hi: int
    level: int
    children: tuple[int, ...] = ()
    parent: int = -1
    # Any, not ``np.ndarray | None``: every field is set before it is read (leaves first, bottom-up)
    basis: Any = None  # leaf: U (m x r); internal: R ((r1 + r2) x r)
    full: Any = None  # expanded basis U_c (m x r)
    sketch: Any = None  # Y_c restricted/projected: U_c^T Y_c (r x k), or leaf Y


def _tree(n: int, leaf_size: int) -> list[_Node]:
    nodes = [_Node(0, n, 0)]
    stack = [0]
    while stack:
        i = stack.pop()
        nd = nodes[i]
        if nd.hi - nd.lo <= leaf_size:
            continue
        mid = nd.lo + (nd.hi - nd.lo + 1) // 2
        kids = []
        for lo, hi in ((nd.lo, mid), (mid, nd.hi)):
            nodes.append(_Node(lo, hi, nd.level + 1, parent=i))
            kids.append(len(nodes) - 1)
            stack.append(kids[-1])
        nd.children = tuple(kids)
    return nodes


def _truncate(y: np.ndarray, cut: float) -> np.ndarray:
    u, s, _ = np.linalg.svd(y, full_matrices=False)
    r = int(np.count_nonzero(s > cut))
    return u[:, :r]


def hss_nested(
    a: np.ndarray,
    ordering: np.ndarray | None = None,
    tol: float = 1e-8,
    *,
    sketch: int = 256,
    leaf_size: int = 128,
    shift: float | None = None,
    seed: int = 0,
) -> NestedHSS:
    """Nested-basis HSS approximation of a dense SPD ``a`` and its exact sparse factorisation.

    Args:
        a: (n, n) symmetric float64 matrix (e.g. a ReLU mass matrix), formed densely.
        ordering: permutation of ``range(n)`` (e.g. :func:`hyperplane_ordering`); default identity.
        tol: relative truncation tolerance of the off-diagonal block rows (module docstring).
        sketch: number of Gaussian sketch columns ``k``; ranks are at most ``k`` (use ``k >`` rank + 10).
        leaf_size: largest leaf; the tree is a balanced bisection of the ordered indices.
        shift: diagonal shift added before factoring; default ``tol * ||A Omega||_2 / sqrt(k)``, an
            estimate of ``tol ||A||`` (measured on 2D ReLU mass matrices: a shift of about the
            approximation error is needed, smaller shifts leave negative eigenvalues and CG stalls).
        seed: seed of ``Omega``.

    Returns:
        :class:`NestedHSS` with ``solve``, ``to_dense`` and ``level_ranks``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((80, 64)); a = x.T @ x
        >>> h = hss_nested(a, tol=1e-14, sketch=64, leaf_size=16, shift=0.0)
        >>> bool(np.allclose(h.to_dense(), a))
        True
    """
    mat = check_symmetric("a", as_matrix("a", a, square=True), rtol=1e-6)
    n = mat.shape[0]
    tol = check_nonnegative("tol", tol)
    sketch = check_positive_int("sketch", sketch)
    leaf_size = check_positive_int("leaf_size", leaf_size)
    if shift is not None:
        shift = check_nonnegative("shift", shift)
    perm, m = apply_ordering(mat, ordering)
    nodes = _tree(n, leaf_size)
    omega = np.random.default_rng(seed).standard_normal((n, min(sketch, n)))
    w = m @ omega  # the one BLAS-3 sketch
    leaves = [i for i, nd in enumerate(nodes) if not nd.children]
    for i in leaves:
        nd = nodes[i]
        nd.sketch = w[nd.lo : nd.hi] - m[nd.lo : nd.hi, nd.lo : nd.hi] @ omega[nd.lo : nd.hi]
    # ||A||_2 ~ ||A Omega||_2 / sqrt(k) (Gaussian Omega); cheap from the k x k Gram matrix
    top = float(np.sqrt(max(np.linalg.eigvalsh(w.T @ w)[-1], 0.0)))
    cut = tol * top
    if shift is None:
        shift = tol * top / np.sqrt(omega.shape[1])
    for i in leaves:
        nd = nodes[i]
        nd.basis = nd.full = _truncate(nd.sketch, cut)
        nd.sketch = nd.full.T @ nd.sketch
    couplings: dict[int, np.ndarray] = {}
    for depth in range(max(nd.level for nd in nodes), 0, -1):  # bottom-up over internal levels
        for nd in nodes:
            if nd.level != depth - 1 or not nd.children:
                continue
            c1, c2 = (nodes[c] for c in nd.children)
            t12 = c1.full.T @ m[c1.lo : c1.hi, c2.lo : c2.hi]  # r1 x n2
            b12 = t12 @ c2.full
            couplings[nd.children[0]] = b12
            couplings[nd.children[1]] = b12.T
            if nd.parent < 0:
                continue
            t21 = c2.full.T @ m[c2.lo : c2.hi, c1.lo : c1.hi]
            y = np.concatenate(
                [c1.sketch - t12 @ omega[c2.lo : c2.hi], c2.sketch - t21 @ omega[c1.lo : c1.hi]], axis=0
            )
            nd.basis = _truncate(y, cut)
            nd.sketch = nd.basis.T @ y
            r1 = c1.full.shape[1]
            nd.full = np.concatenate([c1.full @ nd.basis[:r1], c2.full @ nd.basis[r1:]], axis=0)
    return _assemble(m, nodes, couplings, perm, tol, shift)


def _assemble(
    m: np.ndarray,
    nodes: list[_Node],
    couplings: dict[int, np.ndarray],
    perm: np.ndarray,
    tol: float,
    shift: float,
) -> NestedHSS:
    """Build and factor the extended sparse system (module docstring)."""
    n = m.shape[0]
    offs: dict[int, tuple[int, int]] = {}  # node -> (start of y_c, start of z_c)
    pos = n
    for i, nd in enumerate(nodes):
        if nd.parent >= 0:
            r = nd.full.shape[1]
            offs[i] = (pos, pos + r)
            pos += 2 * r
    rows, cols, vals = [], [], []

    def put(r0: int, c0: int, block: np.ndarray) -> None:
        if block.size == 0:
            return
        ii, jj = np.nonzero(np.ones(block.shape, dtype=bool))
        rows.append(ii + r0)
        cols.append(jj + c0)
        vals.append(block.ravel())

    for i, nd in enumerate(nodes):
        if not nd.children:
            put(nd.lo, nd.lo, m[nd.lo : nd.hi, nd.lo : nd.hi] + shift * np.eye(nd.hi - nd.lo))
        if nd.parent < 0:
            continue
        y0, z0 = offs[i]
        r = nd.full.shape[1]
        put(y0, y0, -np.eye(r))
        put(z0, z0, -np.eye(r))
        if not nd.children:
            put(nd.lo, z0, nd.basis)  # U_i z_i in the leaf rows
            put(y0, nd.lo, nd.basis.T)  # y_i = U_i^T x_i
        else:
            k0 = 0
            for c in nd.children:
                rc = nodes[c].full.shape[1]
                put(y0, offs[c][0], nd.basis[k0 : k0 + rc].T)  # y_p = R^T [y_c1; y_c2]
                put(offs[c][1], z0, nd.basis[k0 : k0 + rc])  # z_c += (R_p z_p)|_c
                k0 += rc
        sib = next(c for c in nodes[nd.parent].children if c != i)
        put(z0, offs[sib][0], couplings[i])  # z_c += B_cs y_s
    ext = scipy.sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(pos, pos)
    )
    lu = splu(ext, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.1)
    depth = max(nd.level for nd in nodes)
    level_ranks = tuple(
        max((nd.full.shape[1] for nd in nodes if nd.level == lev and nd.parent >= 0), default=0)
        for lev in range(depth, 0, -1)
    )
    return NestedHSS(perm, level_ranks, float(tol), float(shift), int(pos), lu, ext)
