"""Neuron orderings that cluster similar hyperplanes (for the HSS preconditioner's cluster tree).

Paper 003 (last analysis bullet): off-diagonal blocks of
the ReLU mass matrix are numerically low rank "with appropriate conditions" — in 2D/3D that needs an
ordering in which every block of the binary tree holds neurons with nearby hyperplanes.

Embedding: ``relu(z) = (z + |z|) / 2``, so up to linear functions (rank ``d + 1``) a neuron is its
*unsigned* hyperplane ``|w . x + b|``; both orientations of a hyperplane embed to the same point. Each
neuron is embedded by ``|w . x_k + b| / ||w||`` at a coarse grid of probe points ``x_k`` of the box,
and the index set is split recursively at the median of the leading principal component
(principal-direction bisection), giving contiguous, balanced clusters at every level.
"""

from __future__ import annotations

import numpy as np

from rankscope._checks import as_matrix, as_vector, check_positive_int
from rankscope.linalg.structured._inputs import DomainLike, box_bounds
from rankscope.linalg.types import MatrixLike, VectorLike

__all__ = ["bisection_order", "hyperplane_embedding", "hyperplane_ordering"]


def hyperplane_embedding(
    weights: MatrixLike, biases: VectorLike, box: DomainLike | None = None, probes: int = 6
) -> np.ndarray:
    """Orientation-free embedding ``e_ik = |w_i . x_k + b_i| / ||w_i||`` at ``probes^d`` grid points.

    Args:
        weights: (n, d) hyperplane normals (nonzero rows).
        biases: (n,) offsets.
        box: the domain, an ``Interval``, a ``Box`` or ``(low, high)`` (default the unit cube).
        probes: grid points per axis.

    Returns:
        (n, probes^d) float64.

    Example:
        >>> e = hyperplane_embedding([[1.0, 0.0], [-1.0, 0.0]], [-0.5, 0.5], probes=3)
        >>> bool(np.allclose(e[0], e[1]))
        True
    """
    w = as_matrix("weights", weights)
    b = as_vector("biases", biases)
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"biases must have length {w.shape[0]} to match weights; got {b.shape[0]}")
    norms = np.linalg.norm(w, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"weights must have nonzero rows; rows {np.flatnonzero(norms == 0)[:10]} are zero")
    probes = check_positive_int("probes", probes)
    lows, highs = ((0.0,) * w.shape[1], (1.0,) * w.shape[1]) if box is None else box_bounds(box)
    axes = [np.linspace(lo, hi, probes) for lo, hi in zip(lows, highs, strict=True)]
    pts = np.stack([g.reshape(-1) for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    emb: np.ndarray = np.abs(w @ pts.T + b[:, None]) / norms[:, None]
    return emb


def bisection_order(points: MatrixLike, leaf_size: int = 1) -> np.ndarray:
    """Permutation from recursive principal-direction bisection of ``points`` (n, k).

    Each cluster is split into halves of sizes ``ceil(m/2)`` and ``floor(m/2)`` by its projection on
    the leading principal direction, matching the balanced tree of
    :func:`rankscope.linalg.structured.hss.hss_cholesky`.

    Example:
        >>> bisection_order(np.array([[3.0], [0.0], [2.0], [1.0]])).tolist() in ([1, 3, 2, 0], [0, 2, 3, 1])
        True
    """
    pts = as_matrix("points", points)
    leaf_size = check_positive_int("leaf_size", leaf_size)
    order = np.arange(pts.shape[0])
    stack = [(0, pts.shape[0])]
    while stack:
        lo, hi = stack.pop()
        m = hi - lo
        if m <= max(leaf_size, 1) or m < 2:
            continue
        sub = pts[order[lo:hi]]
        centred = sub - sub.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        proj = centred @ vt[0]
        idx = np.argsort(proj, kind="stable")
        order[lo:hi] = order[lo:hi][idx]
        mid = lo + (m - m // 2)
        stack += [(lo, mid), (mid, hi)]
    return order


def hyperplane_ordering(
    weights: MatrixLike, biases: VectorLike, box: DomainLike | None = None, *, leaf_size: int = 16
) -> np.ndarray:
    """Neuron ordering clustering similar hyperplanes: :func:`bisection_order` of
    :func:`hyperplane_embedding`.

    Example:
        >>> from rankscope.nets import random_neurons
        >>> net = random_neurons(64, 2, seed=0)
        >>> sorted(hyperplane_ordering(net.weights, net.biases).tolist()) == list(range(64))
        True
    """
    return bisection_order(hyperplane_embedding(weights, biases, box), leaf_size)
