"""A symmetric HODLR matrix built from entries (adaptive cross approximation), factored for solves.

Paper 003 (last analysis bullet: off-diagonal blocks are numerically low rank "with appropriate
conditions", which makes fast direct solvers feasible) and issue 17: a structured solver for the 2D
ReLU mass matrix that never forms the n x n matrix.

Format (hierarchically off-diagonal low rank, weak admissibility): on a balanced binary tree of an
ordering ``perm`` (contiguous index ranges), every node ``[s, e)`` with children ``[s, m)``, ``[m, e)``
stores its off-diagonal block ``A[s:m, m:e] ~ U V^T``; leaves store their dense diagonal blocks.

* **Compression** -- only entries: each off-diagonal block by adaptive cross approximation with
  partial pivoting (ACA, Bebendorf 2000), stopped when the new cross ``||u_k|| ||v_k||`` falls below
  ``tol * scale`` twice in a row and a sample of random entries of the block agrees to that
  tolerance, then recompressed (QR of both factors, SVD of the small core) to the same tolerance.
  ``scale`` is ``trace(A)`` (from the diagonal), an upper bound of ``||A||_2`` for a PSD matrix, so
  the tolerance is absolute: ``||A - A_H||_2 <~ tol ||A||_2`` per block.
* **Factorisation** -- ``A_H + shift I`` by the recursive Sherman-Morrison-Woodbury formula
  (Ambikasaran & Darve 2013): with ``D = diag(A_1, A_2)`` and ``Z = diag(U, V)``,
  ``A = D + Z K Z^T`` with ``K = [[0, I], [I, 0]]``, so ``A^{-1} = D^{-1} - Y (K + Z^T Y)^{-1} Y^T``
  with ``Y = D^{-1} Z`` (the ``2 r x 2 r`` capacitance ``K^{-1} + Z^T Y = K + Z^T Y`` is LU-factored).
  Leaves are Cholesky-factored (``shift`` keeps them SPD). Cost ``O(n r^2 log^2 n)``.

:class:`HODLR` is a ``scipy`` ``LinearOperator`` (``A_H x``) with ``solve`` (``(A_H + shift I)^{-1} b``)
and ``as_preconditioner()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator
from threadpoolctl import threadpool_limits

from rankscope._checks import check_nonnegative, check_positive_int

__all__ = ["HODLR", "aca", "hodlr_from_entries"]

Entries = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``entries(rows, cols) -> A[rows][:, cols]`` for integer index arrays."""


def aca(
    entries: Entries,
    rows: np.ndarray,
    cols: np.ndarray,
    tol: float,
    *,
    max_rank: int | None = None,
    samples: int = 64,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``A[rows][:, cols] ~ U V^T`` by ACA with partial pivoting, to absolute tolerance ``tol``.

    Stops when two successive crosses have ``||u|| ||v|| <= tol`` and ``samples`` random entries of the
    residual are below ``tol`` in modulus (a missed part restarts ACA at the worst sampled row).
    Returns ``U`` (len(rows), r) and ``V`` (len(cols), r); ``r = 0`` for a block below ``tol``.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # vector work: threads only contend
        return _aca(entries, rows, cols, tol, max_rank, samples, rng)


def _aca(
    entries: Entries,
    rows: np.ndarray,
    cols: np.ndarray,
    tol: float,
    max_rank: int | None,
    samples: int,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray]:
    m, n = rows.size, cols.size
    cap = min(m, n) if max_rank is None else min(max_rank, m, n)
    rng = np.random.default_rng(0) if rng is None else rng
    u_all = np.zeros((m, min(cap, 64)))
    v_all = np.zeros((n, min(cap, 64)))
    used_rows = np.zeros(m, dtype=bool)
    k, i, small = 0, 0, 0
    while k < cap:
        if k == u_all.shape[1]:  # grow the factors geometrically
            grow = min(cap, 2 * k)
            u_all = np.hstack([u_all, np.zeros((m, grow - k))])
            v_all = np.hstack([v_all, np.zeros((n, grow - k))])
        row = entries(rows[i : i + 1], cols)[0] - v_all[:, :k] @ u_all[i, :k]
        used_rows[i] = True
        j = int(np.argmax(np.abs(row)))
        piv = row[j]
        if piv != 0.0:
            col = entries(rows, cols[j : j + 1])[:, 0] - u_all[:, :k] @ v_all[j, :k]
            u_all[:, k], v_all[:, k] = col, row / piv
            small = small + 1 if np.linalg.norm(col) * np.linalg.norm(row / piv) <= tol else 0
            k += 1
            nxt = np.abs(col)
            nxt[used_rows] = -1.0
            i = int(np.argmax(nxt))
        else:
            small += 1
            free = np.flatnonzero(~used_rows)
            i = int(free[0]) if free.size else i
        if small >= 2 or used_rows.all():
            ri = rng.integers(0, m, size=min(samples, m))
            ci = rng.integers(0, n, size=min(samples, n))
            probe = entries(rows[ri], cols[ci]) - u_all[ri, :k] @ v_all[ci, :k].T
            worst = np.unravel_index(int(np.argmax(np.abs(probe))), probe.shape)
            if abs(probe[worst]) <= tol or used_rows[ri[worst[0]]]:
                break
            i, small = int(ri[worst[0]]), 0
    if k == 0:
        return np.zeros((m, 0)), np.zeros((n, 0))
    return _recompress(u_all[:, :k], v_all[:, :k], tol)


def _recompress(u: np.ndarray, v: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Truncate ``U V^T`` to the singular values above ``tol`` (QR of both factors, SVD of the core)."""
    qu, ru = np.linalg.qr(u)
    qv, rv = np.linalg.qr(v)
    w, s, zt = np.linalg.svd(ru @ rv.T)
    r = int(np.sum(s > tol))
    return qu @ (w[:, :r] * s[:r]), qv @ zt[:r].T


@dataclass
class _Node:
    start: int
    stop: int
    left: _Node | None = None
    right: _Node | None = None
    u: np.ndarray | None = None  # A[left, right] ~ u v^T
    v: np.ndarray | None = None
    dense: np.ndarray | None = None  # leaves
    chol: tuple[np.ndarray, bool] | None = None
    y: np.ndarray | None = None  # D^{-1} Z
    cap: tuple[np.ndarray, np.ndarray] | None = None  # LU of K + Z^T Y
    level: int = 0


def _build(lo: int, hi: int, leaf: int, level: int) -> _Node:
    node = _Node(lo, hi, level=level)
    if hi - lo > leaf:
        mid = (lo + hi) // 2
        node.left, node.right = _build(lo, mid, leaf, level + 1), _build(mid, hi, leaf, level + 1)
    return node


class HODLR(LinearOperator):  # type: ignore[misc]
    """A symmetric HODLR approximation ``A_H`` of an (n, n) matrix in the ordering ``perm``.

    Build with :func:`hodlr_from_entries`; ``A_H @ x`` applies the compressed matrix (original order);
    :meth:`factor` then :meth:`solve` apply ``(A_H + shift I)^{-1}``. Attributes: ``perm``, ``tol``
    (absolute), ``level_ranks`` (the largest rank per tree level), ``nbytes`` (stored floats).
    """

    def __init__(self, root: _Node, perm: np.ndarray, tol: float) -> None:
        n = perm.size
        super().__init__(dtype=np.float64, shape=(n, n))
        self.root, self.perm, self.tol = root, perm, tol
        self.inverse_perm = np.empty_like(perm)
        self.inverse_perm[perm] = np.arange(n)
        self.shift = 0.0
        self._factored = False

    def _nodes(self) -> list[_Node]:
        out, stack = [], [self.root]
        while stack:
            nd = stack.pop()
            out.append(nd)
            stack.extend(c for c in (nd.left, nd.right) if c is not None)
        return out

    @property
    def level_ranks(self) -> list[int]:
        """Largest off-diagonal rank on each level of the tree (root first)."""
        ranks: dict[int, int] = {}
        for nd in self._nodes():
            if nd.u is not None:
                ranks[nd.level] = max(ranks.get(nd.level, 0), nd.u.shape[1])
        return [ranks[k] for k in sorted(ranks)]

    @property
    def nbytes(self) -> int:
        """Bytes of the stored compressed matrix (low-rank factors and dense leaves)."""
        total = 0
        for nd in self._nodes():
            for arr in (nd.u, nd.v, nd.dense):
                total += 0 if arr is None else arr.nbytes
        return total

    def _apply(self, nd: _Node, x: np.ndarray) -> np.ndarray:
        if nd.dense is not None:
            leaf: np.ndarray = nd.dense @ x
            return leaf
        assert nd.left is not None and nd.right is not None and nd.u is not None and nd.v is not None
        m = nd.left.stop - nd.start
        x1, x2 = x[:m], x[m:]
        return np.concatenate(
            [
                self._apply(nd.left, x1) + nd.u @ (nd.v.T @ x2),
                self._apply(nd.right, x2) + nd.v @ (nd.u.T @ x1),
            ]
        )

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        xp = np.asarray(x, dtype=np.float64).reshape(self.shape[0], -1)[self.perm]
        out: np.ndarray = self._apply(self.root, xp)[self.inverse_perm].reshape(np.shape(x))
        return out

    def _matmat(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = self._apply(self.root, np.asarray(x, dtype=np.float64)[self.perm])[
            self.inverse_perm
        ]
        return out

    def _adjoint(self) -> HODLR:
        return self

    def factor(self, shift: float = 0.0) -> HODLR:
        """Factor ``A_H + shift I`` (recursive Woodbury; leaves by Cholesky). Returns self."""
        self.shift = check_nonnegative("shift", shift)
        self._factor(self.root)
        self._factored = True
        return self

    def _factor(self, nd: _Node) -> None:
        if nd.dense is not None:
            d = nd.dense + self.shift * np.eye(nd.dense.shape[0])
            nd.chol = scipy.linalg.cho_factor(d, lower=True, check_finite=False)
            return
        assert nd.left is not None and nd.right is not None and nd.u is not None and nd.v is not None
        self._factor(nd.left)
        self._factor(nd.right)
        r = nd.u.shape[1]
        y1, y2 = self._solve(nd.left, nd.u), self._solve(nd.right, nd.v)
        nd.y = scipy.linalg.block_diag(y1, y2) if r else np.zeros((nd.stop - nd.start, 0))
        if r:
            k = np.block([[np.zeros((r, r)), np.eye(r)], [np.eye(r), np.zeros((r, r))]])
            capm = k + scipy.linalg.block_diag(nd.u.T @ y1, nd.v.T @ y2)
            nd.cap = scipy.linalg.lu_factor(capm, check_finite=False)

    def _solve(self, nd: _Node, b: np.ndarray) -> np.ndarray:
        if nd.dense is not None:
            assert nd.chol is not None
            return np.asarray(scipy.linalg.cho_solve(nd.chol, b, check_finite=False))
        assert nd.left is not None and nd.right is not None and nd.u is not None and nd.v is not None
        m = nd.left.stop - nd.start
        x = np.concatenate([self._solve(nd.left, b[:m]), self._solve(nd.right, b[m:])])
        if nd.cap is None or nd.y is None:
            return x
        zt_x = np.concatenate([nd.u.T @ x[:m], nd.v.T @ x[m:]])
        out: np.ndarray = x - nd.y @ scipy.linalg.lu_solve(nd.cap, zt_x, check_finite=False)
        return out

    def solve(self, b: np.ndarray) -> np.ndarray:
        """``(A_H + shift I)^{-1} b``, (n,) or (n, k) ``b`` in the original order (after :meth:`factor`)."""
        if not self._factored:
            raise RuntimeError("HODLR.solve needs factor() first")
        arr = np.asarray(b, dtype=np.float64)
        out: np.ndarray = self._solve(self.root, arr[self.perm])[self.inverse_perm]
        return out

    def as_preconditioner(self) -> LinearOperator:
        """``M^{-1} = (A_H + shift I)^{-1}`` as a ``LinearOperator`` (for :func:`pcg`)."""
        n = self.shape[0]
        return LinearOperator((n, n), matvec=self.solve, dtype=np.float64)


def hodlr_from_entries(
    entries: Entries,
    n: int,
    *,
    perm: np.ndarray | None = None,
    tol: float = 1e-8,
    leaf_size: int = 256,
    scale: float | None = None,
    max_rank: int | None = None,
) -> HODLR:
    """Compress the symmetric matrix with entries ``entries(rows, cols)`` into a :class:`HODLR`.

    Args:
        entries: ``(rows, cols) -> A[rows][:, cols]`` in the original indexing.
        n: the order of A.
        perm: ordering whose contiguous ranges are the tree's clusters (default ``arange(n)``).
        tol: relative tolerance; the absolute one is ``tol * scale``.
        leaf_size: the largest dense diagonal block.
        scale: ``||A||`` estimate (default ``trace(A)`` from ``entries`` on the diagonal, an upper
            bound of ``||A||_2`` for PSD A).
        max_rank: cap on every off-diagonal rank.
    """
    n = check_positive_int("n", n)
    leaf_size = check_positive_int("leaf_size", leaf_size)
    tol = check_nonnegative("tol", tol)
    p = np.arange(n, dtype=np.int64) if perm is None else np.asarray(perm, dtype=np.int64)
    if p.shape != (n,) or not np.array_equal(np.sort(p), np.arange(n)):
        raise ValueError(f"perm must be a permutation of range({n}); got {p!r:.80}")
    if scale is None:
        scale = float(np.sum(_diagonal(entries, p)))
    root = _build(0, n, leaf_size, 0)
    rng = np.random.default_rng(0)
    stack = [root]
    while stack:
        nd = stack.pop()
        idx = p[nd.start : nd.stop]
        if nd.left is None or nd.right is None:
            nd.dense = entries(idx, idx)
            continue
        rows, cols = p[nd.start : nd.left.stop], p[nd.left.stop : nd.stop]
        nd.u, nd.v = aca(entries, rows, cols, tol * scale, max_rank=max_rank, rng=rng)
        stack.extend([nd.left, nd.right])
    return HODLR(root, p, tol * scale)


def _diagonal(entries: Entries, p: np.ndarray, chunk: int = 64) -> np.ndarray:
    """``diag(A)`` from ``entries``, ``chunk`` at a time (a block's diagonal)."""
    out = []
    for s in range(0, p.size, chunk):
        idx = p[s : s + chunk]
        out.append(np.diag(entries(idx, idx)))
    return np.concatenate(out)
