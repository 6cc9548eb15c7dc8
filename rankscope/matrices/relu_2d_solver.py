"""The structured 2D ReLU least-squares solver: ``A c = f`` from entries, never forming A (paper 003).

Paper 003 (last analysis bullet: "offdiagonal blocks ... are low rank ... feasible to design fast and
stable direct solvers") and issue 17. The best fit ``v = sum_i c_i relu(w_i . x + b_i)`` of a target
``u`` in ``L2(Omega)`` solves ``A c = f`` with the exact mass matrix A and load vector ``f_i = <u,
relu_i>`` (:mod:`rankscope.matrices.relu_2d`). The solver:

1. orders the neurons by their hyperplanes (:func:`~rankscope.linalg.structured.hyperplane_ordering`);
2. compresses A from entries alone into a HODLR matrix (ACA per off-diagonal block, tolerance ``tol``
   relative to ``trace(A)``; :func:`~rankscope.linalg.structured.hodlr_from_entries`);
3. factors ``A_H + shift I`` (recursive Woodbury, leaves by Cholesky), ``shift = tol trace(A)``;
4. solves directly (``method="direct"``), or by PCG on the exact operator applied matrix-free with
   the factor as preconditioner (``method="pcg"``).

Why the tolerance must be tight: the fitted function's L2 error is what a user needs, and
``||v_c - u||^2 = ||v* - u||^2 + (c - c*)^T A (c - c*)``, so a perturbation of A below ``delta`` is
harmless only if the fit does not use eigen-directions below ``delta`` -- but the best fit does, down
to ~1e-12 ||A|| (docs/relu-2d.md has the measurements). The default ``tol = 1e-12`` keeps the fitted
function's error within 1% of dense Cholesky's at n <= 4096 (``scripts/relu_2d_floor.py``).

Input checks (one-line errors naming ``net``): zero-length weights; hyperplanes missing the domain
with the domain on their inactive side (dead neurons: a zero column); and duplicate neurons (the same
unit hyperplane and orientation: linearly dependent columns), which are refused or, with
``duplicates="merge"``, merged and their coefficient split by the minimum-norm rule.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse.linalg import LinearOperator, eigsh

from rankscope._checks import check_choice, check_nonnegative, check_positive_int, describe
from rankscope.linalg.structured import HODLR, hodlr_from_entries, hyperplane_ordering, pcg
from rankscope.linalg.structured._inputs import indices_text
from rankscope.matrices.relu_2d import ReluEntries2D, Target2D
from rankscope.nets.shallow_relu import ShallowReLU
from rankscope.sampling.domains import Box
from rankscope.sampling.polygon import ConvexPolygon

__all__ = ["Fit2D", "ReluLeastSquares2D"]

METHODS: tuple[str, ...] = ("direct", "pcg")
DUPLICATES: tuple[str, ...] = ("refuse", "merge")


@dataclass(frozen=True)
class Fit2D:
    """A least-squares fit by :meth:`ReluLeastSquares2D.fit`.

    Attributes:
        coefficients: (n,) ``c`` for the network's neurons (merged duplicates split min-norm).
        function_error: ``||v - u|| / ||u||`` by the exact quadratic form.
        backward_error: ``||f - A c|| / (||A|| ||c|| + ||f||)`` with the exact A (2-norms).
        seconds: wall time per phase (``load``, ``solve``, ``check``).
    """

    coefficients: np.ndarray
    function_error: float
    backward_error: float
    seconds: dict[str, float] = field(default_factory=dict)


def _unit_neurons(net: ShallowReLU) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    norms = np.linalg.norm(net.weights, axis=1)
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise ValueError(
            f"net must have non-zero weights for the 2D solver; neurons {indices_text(zero)} have w = 0 "
            "(a constant neuron: add it as a separate column with mass_matrix)"
        )
    return net.weights / norms[:, None], net.biases / norms, norms


def _groups(wu: np.ndarray, bu: np.ndarray, merge_tol: float) -> list[np.ndarray]:
    """Groups of neurons with the same unit hyperplane and orientation (within ``merge_tol``)."""
    keys = np.column_stack([wu, bu])
    order = np.lexsort(keys.T[::-1])
    groups, cur = [], [order[0]]
    for a, b in itertools.pairwise(order):
        if np.max(np.abs(keys[a] - keys[b])) <= merge_tol:
            cur.append(b)
        else:
            groups.append(np.array(cur))
            cur = [b]
    groups.append(np.array(cur))
    # representatives in the net's order: without duplicates the kept neurons are the net itself
    return sorted((np.sort(g) for g in groups), key=lambda g: int(g[0]))


class ReluLeastSquares2D(LinearOperator):  # type: ignore[misc]
    """The exact 2D ReLU mass matrix as a ``LinearOperator`` (matrix-free) with a structured ``solve``.

    Args:
        net: a 2D ``ShallowReLU``.
        domain: a 2D ``Box`` or ``ConvexPolygon`` (default the unit square).
        tol: HODLR compression tolerance relative to ``trace(A)``.
        method: ``"direct"`` (the factor) or ``"pcg"`` (PCG on the exact operator, factor as preconditioner).
        leaf_size: largest dense diagonal block.
        duplicates: ``"refuse"`` (raise) or ``"merge"`` (one neuron per unit hyperplane; warns nothing,
            ``merged`` lists the groups).
        merge_tol: two unit hyperplanes ``(w/|w|, b/|w|)`` within this (max-norm) are duplicates.

    Attributes: ``hodlr`` (the compressed factor), ``seconds`` (``order``, ``compress``, ``factor``),
    ``last_backward_error`` and ``last_iterations`` (after :meth:`solve`), ``merged``.

    Example:
        >>> from rankscope.nets import random_neurons
        >>> s = ReluLeastSquares2D(random_neurons(64, 2, seed=0), leaf_size=16)
        >>> a = s.entries.matrix(); f = a @ np.ones(64)
        >>> bool(np.allclose(s.solve(f), 1.0, atol=1e-3)), s.last_backward_error < 1e-12
        (True, True)
    """

    def __init__(
        self,
        net: ShallowReLU,
        domain: Box | ConvexPolygon | None = None,
        *,
        tol: float = 1e-12,
        method: str = "direct",
        leaf_size: int = 256,
        duplicates: str = "refuse",
        merge_tol: float = 1e-12,
        pcg_tol: float = 1e-14,
        maxiter: int = 500,
    ) -> None:
        if not isinstance(net, ShallowReLU):
            raise TypeError(f"net must be a ShallowReLU; got {describe(net)}")
        self.method = check_choice("method", method, METHODS)
        duplicates = check_choice("duplicates", duplicates, DUPLICATES)
        self.tol = check_nonnegative("tol", tol)
        self.pcg_tol, self.maxiter = (
            check_nonnegative("pcg_tol", pcg_tol),
            check_positive_int("maxiter", maxiter),
        )
        self.full_net = net
        wu, bu, self._scales = _unit_neurons(net)
        groups = _groups(wu, bu, check_nonnegative("merge_tol", merge_tol))
        self.merged = [g for g in groups if g.size > 1]
        if self.merged and duplicates == "refuse":
            raise ValueError(
                f"net has duplicate neurons (the same hyperplane and orientation, linearly dependent): "
                f"groups {[g.tolist() for g in self.merged[:5]]}{' ...' if len(self.merged) > 5 else ''}; "
                "pass duplicates='merge' to merge them"
            )
        self._groups = groups
        self._keep = np.array([g[0] for g in groups])
        sub = ShallowReLU(net.weights[self._keep], net.biases[self._keep])
        self.entries = ReluEntries2D(sub, domain)
        area = self.entries.diagonal("heaviside")
        dead = np.flatnonzero(area <= 0)
        if dead.size:
            raise ValueError(
                f"net has dead neurons (hyperplane misses the domain, domain on the inactive side: a zero "
                f"column): neurons {indices_text(self._keep[dead])}; remove them"
            )
        linear = np.flatnonzero(area >= self.entries.domain.area * (1 - 1e-15))
        if linear.size > 3:
            raise ValueError(
                f"net has {linear.size} linear neurons (hyperplane misses the domain, domain on the active "
                f"side: affine functions, at most 3 are independent): neurons "
                f"{indices_text(self._keep[linear])}"
            )
        n = sub.n
        super().__init__(dtype=np.float64, shape=(n, n))
        self.seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        perm = hyperplane_ordering(sub.weights, sub.biases, leaf_size=leaf_size)
        t1 = time.perf_counter()
        self.hodlr: HODLR = hodlr_from_entries(
            self.entries.entries, n, perm=perm, tol=self.tol, leaf_size=leaf_size
        )
        t2 = time.perf_counter()
        self.hodlr.factor(shift=self.hodlr.tol)
        t3 = time.perf_counter()
        self.seconds.update(order=t1 - t0, compress=t2 - t1, factor=t3 - t2)
        self.anorm = float(eigsh(self.hodlr, k=1, which="LA", tol=1e-6, return_eigenvectors=False)[0])
        self.last_backward_error = float("nan")
        self.last_iterations = 0

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self.entries.matvec(np.asarray(x).reshape(-1))

    def _adjoint(self) -> ReluLeastSquares2D:
        return self

    def expand(self, c: np.ndarray) -> np.ndarray:
        """Coefficients of the kept neurons -> the full net's, each group's split by the min-norm rule."""
        out = np.zeros(self.full_net.n)
        for g, ck in zip(self._groups, c, strict=True):
            s = self._scales[g]
            out[g] = ck * s[0] * s / np.sum(s * s)  # sum_k out_k s_k = ck s_0: the same function
        return out

    def solve(self, f: npt.ArrayLike, *, check: bool = True) -> np.ndarray:
        """``c`` with ``A c = f`` for the kept neurons' load ``f`` (n_kept,); sets ``last_backward_error``
        (with the exact matrix-free A, O(n^2) entries) unless ``check=False``.

        The kept neurons are the net's in its order (without duplicates: the net itself); merged
        duplicates keep their smallest index (:meth:`expand` maps ``c`` back to the whole net)."""
        fv = np.asarray(f, dtype=np.float64).reshape(-1)
        if fv.shape != (self.shape[0],):
            raise ValueError(f"f must have shape ({self.shape[0]},); got {describe(fv)}")
        if self.method == "direct":
            c, self.last_iterations = self.hodlr.solve(fv), 0
        else:
            res = pcg(
                self,
                fv,
                self.hodlr.as_preconditioner(),
                tol=self.pcg_tol,
                maxiter=self.maxiter,
                anorm=self.anorm,
            )
            c, self.last_iterations = res.x, res.iterations
        if check:
            r = fv - self._matvec(c)
            self.last_backward_error = float(
                np.linalg.norm(r) / (self.anorm * np.linalg.norm(c) + np.linalg.norm(fv))
            )
        return np.asarray(c)

    def fit(self, u: Target2D, *, lines: npt.ArrayLike = (), order: int = 8) -> Fit2D:
        """Best L2 fit of ``u`` (e.g. a :class:`~rankscope.problems.relu_targets.Target`; ``lines``
        default to its ``lines``): coefficients, the function error and the backward error."""
        lines = getattr(u, "lines", ()) if np.size(lines) == 0 else lines
        t0 = time.perf_counter()
        f = self.entries.load_vector(u, lines=lines, order=order)
        u2 = self.entries.norm2(u, lines=lines, order=order)
        t1 = time.perf_counter()
        c = self.solve(f, check=False)
        t2 = time.perf_counter()
        ac = self._matvec(c)
        err = self.entries.function_error(c, f, u2, ac=ac)
        self.last_backward_error = float(
            np.linalg.norm(f - ac) / (self.anorm * np.linalg.norm(c) + np.linalg.norm(f))
        )
        t3 = time.perf_counter()
        return Fit2D(
            self.expand(c),
            err,
            self.last_backward_error,
            {"load": t1 - t0, "solve": t2 - t1, "check": t3 - t2},
        )
