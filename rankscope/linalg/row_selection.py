"""Choosing the permutation P of Theorem 3.2 (paper 000): the rows of a basis that span it best.

Paper: paper 000, Lemma 3.1 and the proof of Theorem 3.2.
``V22`` is the ``(n-p) x (n-p)`` block of the trailing eigenvectors ``Q[:, p:]`` in the rows of the
*removed* functions, so we choose the ``n-p`` most independent rows of ``Q[:, p:]``:

- ``"qr"`` (default, cheapest, ``O(n^3)``): column-pivoted QR of ``Q[:, p:]^T`` (Businger-Golub); its
  first ``n-p`` pivots are removed, the other ``p`` functions kept. Greedy pivoting meets Lemma 3.1's
  bound on every random ``Q`` we tried, but it is *not guaranteed* to (Kahan-type matrices defeat it),
  so the result reports ``lemma_holds``.
- ``"maxvol"``: the ``"qr"`` choice improved by single-row swaps that increase ``|det V22|`` until
  ``B = Q[:, p:] V22^{-1}`` has all ``|B_ij| <= 1`` (a dominant submatrix, Goreinov et al. 2010). Since
  ``Q[:, p:]`` has orthonormal columns, ``||V22^{-1}||^2 = ||B||_2^2 = 1 + ||V12 V22^{-1}||_2^2
  <= 1 + p(n-p) <= (p+1)(n-p)``: Lemma 3.1's bound is then *guaranteed* (a few more ``O(n^3)`` steps).
- ``"exhaustive"``: the subset of largest ``sigma_min(V22)`` over all ``binom(n, p)`` subsets: the
  quantity Lemma 3.1 bounds; a brute-force reference for small ``n`` only.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.linalg

from rankscope._checks import as_matrix, check_choice
from rankscope.linalg.types import MatrixLike

__all__ = ["SELECTION_METHODS", "select_rows"]

SELECTION_METHODS: tuple[str, ...] = ("qr", "maxvol", "exhaustive")
"""Ways to choose the removed functions (the rows of ``V22``); see the module docstring."""

_EXHAUSTIVE_LIMIT = 200_000  # subsets


def select_rows(basis: MatrixLike, method: str = "qr") -> np.ndarray:
    """Indices of ``k`` rows of an ``(n, k)`` orthonormal basis whose ``k x k`` block is well conditioned.

    This is the choice of the permutation ``P`` in the proof of Theorem 3.2 (paper 000): with
    ``basis = Q[:, p:]`` the returned rows are the removed functions and ``V22 = basis[rows]``.
    Lemma 3.1 (applied to ``basis`` with ``k = n - p`` columns) says some ``k x k`` block has
    ``sigma_min >= 1 / sqrt(k p + min(k, p))``, i.e. ``||V22^{-1}||^2 <= (p+1)(n-p)``.

    Args:
        basis: ``(n, k)`` float matrix, ``k <= n``, (nearly) orthonormal columns.
        method: ``"qr"``, ``"maxvol"`` or ``"exhaustive"`` (see the module docstring).

    Returns:
        ``(k,)`` int64 array of distinct row indices, sorted ascending.

    Example:
        >>> select_rows(np.array([[0.6], [0.8]])).tolist()
        [1]
    """
    a = as_matrix("basis", basis)
    method = check_choice("method", method, SELECTION_METHODS)
    n, k = a.shape
    if k > n:
        raise ValueError(f"basis must have at most as many columns as rows; got shape {a.shape}")
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    if method == "exhaustive":
        return _exhaustive(a)
    rows = _pivoted_qr(a)
    if method == "maxvol":
        rows = _maxvol(a, rows)
    return np.sort(rows).astype(np.int64)


def _pivoted_qr(a: np.ndarray) -> np.ndarray:
    """First ``k`` pivots of the column-pivoted QR of ``a^T``: the most independent rows of ``a``."""
    k = a.shape[1]
    _, piv = scipy.linalg.qr(a.T, mode="r", pivoting=True)
    return np.asarray(piv[:k], dtype=np.int64)


def _maxvol(a: np.ndarray, rows: np.ndarray, *, tol: float = 1e-12) -> np.ndarray:
    """Swap rows into ``rows`` while some ``|(a a[rows]^{-1})_ij| > 1 + tol`` (each swap grows |det|)."""
    n = a.shape[0]
    rows = rows.copy()
    for _ in range(100 * n):
        b = scipy.linalg.solve(a[rows].T, a.T).T  # b = a @ inv(a[rows]), shape (n, k)
        i, j = np.unravel_index(int(np.argmax(np.abs(b))), b.shape)
        if abs(b[i, j]) <= 1.0 + tol:
            break
        rows[j] = i  # |det| is multiplied by |b[i, j]| > 1
    return rows


def _exhaustive(a: np.ndarray) -> np.ndarray:
    n, k = a.shape
    total = math.comb(n, k)
    if total > _EXHAUSTIVE_LIMIT:
        raise ValueError(
            f"method='exhaustive' would try binom({n}, {k}) = {total} subsets (limit {_EXHAUSTIVE_LIMIT}); "
            "use method='qr' or 'maxvol' for this size"
        )
    best, best_rows = -1.0, None
    for rows in itertools.combinations(range(n), k):
        smin = float(scipy.linalg.svdvals(a[list(rows)])[-1])
        if smin > best:
            best, best_rows = smin, rows
    return np.asarray(best_rows, dtype=np.int64)
