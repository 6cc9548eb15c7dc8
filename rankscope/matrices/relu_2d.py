"""Exact 2D ReLU mass, Heaviside and layer Gauss-Newton matrices by polygon integration (paper 003).

Paper 003 (the display after "may be related to the following matrix forms")::

    A_ij = int_Omega relu(w_i . x + b_i) relu(w_j . x + b_j) dx,   H_ij = int_Omega h(.) h(.) dx,

and the SgGN notes' ``Hhat`` blocks ``int h_i h_j xhat xhat^T dx``, ``xhat = (x, 1)``. On a convex
polygon ``Omega`` (a 2D :class:`~rankscope.sampling.Box` or a
:class:`~rankscope.sampling.polygon.ConvexPolygon`) the support of entry ``(i, j)`` is ``Omega`` clipped
by two half-planes, a convex polygon on which the integrand is a polynomial of degree <= 2; it is
integrated exactly by a triangle fan (:mod:`rankscope.matrices.relu_2d_kernels`). No quadrature error:
only rounding.

:class:`ReluEntries2D` evaluates any sub-block ``entries(I, J)`` without forming A -- what a
hierarchical compression needs -- as well as the whole matrix, the exact matvec, and the load vector
``f_i = int u relu(l_i)`` and ``||u||^2`` of a target by a polygon rule split at the target's lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.matrices import relu_2d_blocks as blk
from rankscope.matrices import relu_2d_kernels as kern
from rankscope.nets.shallow_relu import ShallowReLU
from rankscope.sampling.domains import Box
from rankscope.sampling.polygon import (
    ConvexPolygon,
    _triangle_reference,
    as_polygon,
    polygon_rule,
    split_polygon,
)

__all__ = ["KINDS_2D", "ReluEntries2D"]

KINDS_2D: tuple[str, ...] = ("mass", "heaviside")
"""Scalar matrices :meth:`ReluEntries2D.entries` evaluates (``layer_gauss_newton`` has 3x3 blocks)."""

PARALLEL_PAIRS = 1 << 16
"""Blocks of at least this many entries are computed on all numba threads, smaller ones on one."""

Target2D = Callable[[np.ndarray], npt.ArrayLike]


def _indices(name: str, idx: npt.ArrayLike | None, n: int) -> np.ndarray:
    if idx is None:
        return np.arange(n, dtype=np.int64)
    arr = np.asarray(idx)
    if arr.dtype == bool:
        arr = np.flatnonzero(arr)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be a 1-D array of neuron indices; got {describe(arr)}")
    if arr.size and (arr.min() < -n or arr.max() >= n):
        raise IndexError(
            f"{name} must index the {n} neurons (-{n} <= i < {n}); got min {arr.min()}, max {arr.max()}"
        )
    return np.ascontiguousarray(np.where(arr < 0, arr + n, arr), dtype=np.int64)


class ReluEntries2D:
    """Entry oracle of the exact 2D ReLU matrices of ``net`` on a convex polygon ``domain``.

    Args:
        net: a 2D :class:`~rankscope.nets.ShallowReLU` (zero weights are constant neurons ``relu(b)``).
        domain: a 2D ``Box`` or a ``ConvexPolygon``; default the unit square.

    Example:
        >>> net = ShallowReLU(np.array([[1.0, 0.0]]), np.array([-0.5]))  # relu(x1 - 1/2)
        >>> round(float(ReluEntries2D(net).entries([0], [0])[0, 0]), 15)  # int_{1/2}^1 (x - 1/2)^2
        0.041666666666667
    """

    def __init__(self, net: ShallowReLU, domain: Box | ConvexPolygon | None = None) -> None:
        if not isinstance(net, ShallowReLU):
            raise TypeError(f"net must be a ShallowReLU; got {describe(net)}")
        if net.dim != 2:
            raise ValueError(f"net must have 2D inputs for the exact 2D matrices; got dim={net.dim}")
        self.net = net
        self.domain = as_polygon(Box((0.0, 0.0), (1.0, 1.0)) if domain is None else domain)
        v = self.domain.vertices
        if v.shape[0] + 2 > kern.MAX_VERTICES:
            raise ValueError(f"domain must have at most {kern.MAX_VERTICES - 2} vertices; got {v.shape[0]}")
        self._wb = np.ascontiguousarray(np.column_stack([net.weights, net.biases]))
        self._poly, self._cnt = kern.neuron_polygons(
            np.ascontiguousarray(v[:, 0]), np.ascontiguousarray(v[:, 1]), self._wb
        )

    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self.net.n)

    def _kind(self, kind: str) -> int:
        return KINDS_2D.index(check_choice("kind", kind, KINDS_2D))

    def entries(
        self, rows: npt.ArrayLike | None = None, cols: npt.ArrayLike | None = None, kind: str = "mass"
    ) -> np.ndarray:
        """The sub-block ``M[rows][:, cols]`` of ``kind`` (``"mass"`` A or ``"heaviside"`` H), exact.

        ``rows``/``cols``: neuron indices (or boolean masks); ``None`` means all. Cost O(|rows| |cols|).
        """
        k = self._kind(kind)
        r, c = _indices("rows", rows, self.n), _indices("cols", cols, self.n)
        fn = blk.block if r.size * c.size >= PARALLEL_PAIRS else blk.block_serial
        return np.asarray(fn(self._poly, self._cnt, self._wb, r, c, k))

    def matrix(self, kind: str = "mass", *, out: np.ndarray | None = None) -> np.ndarray:
        """The whole symmetric (n, n) matrix (upper triangle computed and mirrored), into ``out`` if given."""
        k = self._kind(kind)
        if out is None:
            out = np.empty((self.n, self.n))
        elif out.shape != (self.n, self.n) or out.dtype != np.float64 or not out.flags.c_contiguous:
            raise ValueError(
                f"out must be a C-contiguous float64 ({self.n}, {self.n}) array; got {describe(out)}"
            )
        blk.symmetric(self._poly, self._cnt, self._wb, k, out)
        return out

    def diagonal(self, kind: str = "mass") -> np.ndarray:
        """``diag(M)``, shape (n,): ``int_Omega relu(l_i)^2`` (mass) or the active area (Heaviside)."""
        k = self._kind(kind)
        idx = np.arange(self.n, dtype=np.int64)
        return np.asarray(blk.diagonal(self._poly, self._cnt, self._wb, idx, k))

    def layer_gauss_newton(
        self, rows: npt.ArrayLike | None = None, cols: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """``Hhat`` blocks ``int h_i h_j xhat xhat^T``, ``xhat = (x1, x2, 1)``, as (3|rows|, 3|cols|).

        Row ``3 i + k`` is neuron ``i``, component ``k`` of ``xhat`` (as :func:`layer_gauss_newton`).
        """
        r, c = _indices("rows", rows, self.n), _indices("cols", cols, self.n)
        # (R, C, 6): the moments of 1, x, y, xx, xy, yy
        m = np.asarray(blk.moments(self._poly, self._cnt, self._wb, r, c))
        g3 = np.empty((r.size, c.size, 3, 3))
        order = ((3, 4, 1), (4, 5, 2), (1, 2, 0))
        for a in range(3):
            for bb in range(3):
                g3[:, :, a, bb] = m[:, :, order[a][bb]]
        return g3.transpose(0, 2, 1, 3).reshape(3 * r.size, 3 * c.size)

    def matvec(self, x: npt.ArrayLike, kind: str = "mass") -> np.ndarray:
        """``M x`` for the exact M, matrix-free: O(n^2) entries, O(n) memory."""
        k = self._kind(kind)
        vec = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))
        if vec.shape != (self.n,):
            raise ValueError(f"x must have shape ({self.n},); got {describe(vec)}")
        return np.asarray(blk.matvec(self._poly, self._cnt, self._wb, vec, k))

    def _pieces(self, lines: npt.ArrayLike) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Every ``P_i`` split at ``lines``: a list of batches ``(px, py, count)``, each (n, K)."""
        batches: list[tuple[np.ndarray, np.ndarray]] = [(self._poly, self._cnt)]
        for a1, a2, c in np.asarray(lines, dtype=np.float64).reshape(-1, 3):
            nxt: list[tuple[np.ndarray, np.ndarray]] = []
            for poly, cnt in batches:
                for s in (1.0, -1.0):
                    nxt.append(kern.clip_all(poly, cnt, s * a1, s * a2, s * c))
            batches = nxt
        return [(poly[:, 0], poly[:, 1], cnt) for poly, cnt in batches]

    def load_vector(self, u: Target2D, *, lines: npt.ArrayLike = (), order: int = 8) -> np.ndarray:
        """``f_i = int_Omega u(x) relu(w_i . x + b_i) dx``, shape (n,).

        Each active polygon ``P_i`` is split at ``lines`` (rows ``(a1, a2, c)`` of ``a . x + c = 0``,
        where ``u`` has a kink or jump, e.g. ``Target.lines``) and integrated by :func:`polygon_rule`'s
        triangle rule of ``order`` points per axis: exact for polynomial ``u`` of degree <= 2 order - 3.
        """
        order = check_positive_int("order", order)
        ref, rw = _triangle_reference(order)
        f = np.zeros(self.n)
        w, b = self._wb[:, :2], self._wb[:, 2]
        for px, py, cnt in self._pieces(lines):
            for t in range(1, px.shape[1] - 1):
                live = np.flatnonzero(cnt > t + 1)
                if live.size == 0:
                    continue
                x0 = np.stack([px[live, 0], py[live, 0]], axis=1)
                e1 = np.stack([px[live, t], py[live, t]], axis=1) - x0
                e2 = np.stack([px[live, t + 1], py[live, t + 1]], axis=1) - x0
                jac = np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
                pts = x0[:, None, :] + ref[None, :, :1] * e1[:, None, :] + ref[None, :, 1:] * e2[:, None, :]
                vals = np.asarray(u(pts.reshape(-1, 2)), dtype=np.float64).reshape(live.size, -1)
                act = np.maximum(np.einsum("pqk,pk->pq", pts, w[live]) + b[live, None], 0.0)
                f[live] += jac * np.einsum("pq,pq,q->p", vals, act, rw)
        return f

    def norm2(self, u: Target2D, *, lines: npt.ArrayLike = (), order: int = 8) -> float:
        """``||u||^2 = int_Omega u^2`` by :func:`polygon_rule` on ``Omega`` split at ``lines``."""
        q = polygon_rule(split_polygon(self.domain.vertices, lines), order)
        vals = np.asarray(u(q.points), dtype=np.float64).reshape(-1)
        return math.fsum(q.weights * vals * vals)

    def function_error(
        self, c: npt.ArrayLike, f: np.ndarray, unorm2: float, *, ac: np.ndarray | None = None
    ) -> float:
        """Relative L2 error ``||v - u|| / ||u||`` of ``v = sum_i c_i relu(l_i)`` by the exact quadratic
        form ``||v - u||^2 = c^T A c - 2 c^T f + ||u||^2`` (``f`` the load vector; ``ac = A c`` if known)."""
        cc = np.asarray(c, dtype=np.float64).reshape(-1)
        ac = self.matvec(cc) if ac is None else ac
        e2 = math.fsum(np.concatenate([cc * ac, -2.0 * cc * f, [unorm2]]))
        return math.sqrt(max(e2, 0.0) / unorm2)
