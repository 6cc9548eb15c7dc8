"""Structure-guided Gauss–Newton (SgGN) training of a shallow ReLU network: the iteration.

Specification: ``papers/sggn-notes.md`` (our derivation of paper 003's ref. [1], Cai, Ding,
Liu, Liu, Xia, arXiv:2404.05064). Fit ``v(x) = sum_i c_i relu(w_i . x + b_i)`` to ``u`` by minimising
``J = 1/2 int_Omega (v - u)^2 dx``, alternating the linear step ``A c = f`` and the layer Gauss–Newton
step on the hidden parameters with a backtracking Armijo line search (both steps, and the safeguards
of the line search, in :mod:`rankscope.train.sggn_step`); integrals by a quadrature *rule* that may
follow the neurons (:mod:`rankscope.sampling.adaptive`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from rankscope._checks import as_matrix, as_vector, check_choice, check_positive_int, describe
from rankscope.linalg.structured._inputs import Neurons
from rankscope.linalg.types import MatrixLike, VectorLike
from rankscope.sampling.adaptive import Rule, breakpoints_1d
from rankscope.sampling.domains import Domain
from rankscope.train.sggn_step import (
    SolveInfo,
    Target,
    _corners,
    _cuts,
    _diagnose_gn,
    _diagnose_mass,
    _features,
    _normalised,
    gauss_newton_direction,
    linear_step,
    quadrature_loss,
)

__all__ = [
    "SgGNOptions",
    "SgGNRecord",
    "SgGNResult",
    "sggn_fit",
    "sggn_iterations",
]


@dataclass(frozen=True)
class SgGNOptions:
    """Options of :func:`sggn_iterations`.

    iterations: number of Gauss–Newton iterations; armijo: sufficient-decrease constant ``sigma`` in
    ``J(alpha) <= J(0) + sigma alpha g.delta``; max_backtracks: halvings of ``alpha`` from 1;
    mass_solver: ``"dense"`` | ``"structured"`` (see :func:`linear_step`); diagnostics: compute the
    smallest eigenvalues of ``A`` and ``Hhat`` (outside the timed part).

    Two safeguards that the notes do not spell out (ours, both on by default):
    keep_inside: the line search also halves ``alpha`` until every hyperplane that crossed the domain
    still crosses it (needs ``domain``), which keeps the notes' assumption "each neuron active somewhere,
    hyperplanes distinct" for ``A`` and ``Hhat``; a neuron whose breakpoint leaves the domain becomes a
    linear (or zero) function on it, and two such make ``A`` singular.
    normalise: after each step rescale ``(w_i, b_i) <- (w_i, b_i) / |w_i|`` — the same hyperplane and
    ``relu_i`` up to a positive factor, absorbed by the next linear step, so ``J`` is unchanged; it stops
    ``|w_i|`` drifting (a neuron with small ``c_i`` takes large steps ``z_i / c_i``).

    A third, off by default (0): separation: the line search also halves ``alpha`` until no two
    hyperplanes come closer than ``separation`` in the distance ``min_s |(w_i, b_i) - s (w_j, b_j)|``
    (``s = +-1``, normalised ``|w| = 1``; in 1D it is the distance of the breakpoints, whichever way the
    neurons face), or, if two already are, until the closest pair gets no closer. Without it,
    unneeded neurons drift together: a same-facing pair gives two equal columns of ``A``, and three or
    more opposite-facing pairs (each pair spans ``relu(x - t)`` and the affine ``x - t``) give
    dependent ones, so ``A`` and ``Hhat`` become singular — the notes' "hyperplanes distinct" fails.
    """

    iterations: int = 100
    armijo: float = 1e-4
    max_backtracks: int = 40
    mass_solver: str = "dense"
    diagnostics: bool = True
    keep_inside: bool = True
    normalise: bool = True
    separation: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int) or self.iterations < 0:
            raise ValueError(f"iterations must be an int >= 0; got {self.iterations!r}")
        check_positive_int("max_backtracks", self.max_backtracks)
        check_choice("mass_solver", self.mass_solver, ("dense", "structured"))
        if not 0 < self.armijo < 1:
            raise ValueError(f"armijo must lie in (0, 1); got {self.armijo!r}")
        if not (isinstance(self.separation, (int, float)) and self.separation >= 0):
            raise ValueError(f"separation must be a number >= 0 (0: off); got {self.separation!r}")


@dataclass(frozen=True)
class SgGNRecord:
    """State after iteration ``iteration`` (0: after the first linear step on the initial neurons).

    ``time`` is the cumulative wall time of the method (diagnostics excluded). ``mass``/``gn``: the
    Cholesky/eigenvalue information of ``A`` (this iteration's linear step) and of ``Hhat`` (the step
    that led here; ``None`` at iteration 0).
    """

    iteration: int
    loss: float
    rel_error: float
    time: float
    step_size: float
    mass: SolveInfo
    gn: SolveInfo | None
    weights: np.ndarray
    biases: np.ndarray
    coefficients: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "iter": self.iteration,
            "loss": self.loss,
            "rel_error": self.rel_error,
            "time": self.time,
            "step_size": self.step_size,
            "mass_cholesky": self.mass.cholesky,
            "mass_min_eig": self.mass.min_eig,
            "gn_cholesky": None if self.gn is None else self.gn.cholesky,
            "gn_min_eig": None if self.gn is None else self.gn.min_eig,
            "weights": self.weights.tolist(),
            "biases": self.biases.tolist(),
            "coefficients": self.coefficients.tolist(),
        }
        if self.weights.shape[1] == 1:
            out["breakpoints"] = breakpoints_1d(self.weights, self.biases).tolist()
        return out


@dataclass(frozen=True)
class SgGNResult:
    """Final neurons and output weights, every record, and why it stopped."""

    weights: np.ndarray
    biases: np.ndarray
    coefficients: np.ndarray
    records: tuple[SgGNRecord, ...]
    stopped: str


def _check_inputs(
    weights: MatrixLike, biases: VectorLike, target: Target, rule: Rule
) -> tuple[np.ndarray, np.ndarray]:
    if not callable(target):
        raise TypeError(f"target must be callable (points (N, d) -> values (N,)); got {describe(target)}")
    if not callable(rule):
        raise TypeError(f"rule must be callable (weights, biases) -> (points, weights); got {describe(rule)}")
    w = as_matrix("weights", weights)
    b = as_vector("biases", biases)
    if w.shape[0] < 1:
        raise ValueError(f"n (the number of neurons) must be >= 1; got weights of shape {w.shape}")
    if b.shape != (w.shape[0],):
        raise ValueError(f"biases must have shape ({w.shape[0]},) to match weights {w.shape}; got {b.shape}")
    return w.copy(), b.copy()


def _target_values(target: Target, x: np.ndarray) -> np.ndarray:
    uq = np.asarray(target(x), dtype=np.float64).reshape(-1)
    if uq.shape != (x.shape[0],):
        raise ValueError(f"target must return ({x.shape[0]},) values for {x.shape[0]} points; got {uq.shape}")
    if not np.all(np.isfinite(uq)):
        bad = int(np.sum(~np.isfinite(uq)))
        raise FloatingPointError(
            f"loss J is not finite: the target returned {bad} NaN or Inf values at the quadrature nodes"
        )
    return uq


def hyperplane_gap(weights: np.ndarray, biases: np.ndarray) -> float:
    """Smallest ``min_s |(w_i, b_i) - s (w_j, b_j)|`` over pairs ``i < j`` of normalised neurons
    (``s = +-1``: a pair facing opposite ways shares its hyperplane too); ``inf`` for one neuron.

    Example:
        >>> round(hyperplane_gap(np.array([[1.0], [-1.0], [1.0]]), np.array([-0.2, 0.25, -0.7])), 12)
        0.05
    """
    w, b = _normalised(weights, biases)
    theta = np.concatenate([w, b[:, None]], axis=1)
    if theta.shape[0] < 2:
        return float("inf")
    same = np.linalg.norm(theta[:, None, :] - theta[None, :, :], axis=2)
    opposite = np.linalg.norm(theta[:, None, :] + theta[None, :, :], axis=2)
    gap = np.minimum(same, opposite)
    return float(gap[np.triu_indices(theta.shape[0], 1)].min())


def _finite_loss(loss: float, where: str) -> float:
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"loss J is not finite ({loss!r}) {where}; check the target values and the initial neurons"
        )
    return loss


def sggn_iterations(
    weights: MatrixLike,
    biases: VectorLike,
    target: Target,
    rule: Rule,
    options: SgGNOptions = SgGNOptions(),
    *,
    domain: Domain | None = None,
    start_iteration: int = 0,
    start_time: float = 0.0,
) -> Iterator[SgGNRecord]:
    """Run SgGN, yielding a :class:`SgGNRecord` after the initial linear step and after each iteration.

    Args:
        weights: (n, d) initial hidden weights; biases: (n,) initial biases.
        target: ``u``, points (N, d) -> values (N,). rule: the quadrature (see module docstring).
        options: :class:`SgGNOptions`. domain: the :class:`Interval`, needed by ``mass_solver="structured"``.
        start_iteration, start_time: to resume (the first record then carries these).

    Stops after ``options.iterations`` iterations or when the line search finds no decrease
    (the generator returns). A non-finite loss raises ``FloatingPointError`` naming ``loss J``.

    Example:
        >>> from rankscope.problems.relu_targets import step_function
        >>> from rankscope.sampling.adaptive import SplitGaussRule1D
        >>> u = step_function(0.4)
        >>> w, b = np.array([[1.0], [-1.0], [1.0]]), np.array([-0.2, 0.5, -0.8])
        >>> recs = list(sggn_iterations(w, b, u, SplitGaussRule1D(u.domain, 32, 4, u.breaks),
        ...                             SgGNOptions(iterations=3)))
        >>> recs[-1].loss < recs[0].loss
        True
    """
    w, b = _check_inputs(weights, biases, target, rule)
    opts = options
    corners = _corners(domain) if (opts.keep_inside and domain is not None) else None
    if opts.normalise:
        w, b = _normalised(w, b)
    clock = start_time
    x, wq = rule(w, b)
    uq = _target_values(target, x)
    u_norm2 = float(wq @ uq**2)

    tic = time.perf_counter()
    c, mass = linear_step(x, wq, w, b, uq, mass_solver=opts.mass_solver, domain=domain, diagnostics=False)
    relu, _ = _features(x, w, b)
    r = relu @ c - uq
    loss = _finite_loss(0.5 * float(wq @ r**2), "after the initial linear step")
    clock += time.perf_counter() - tic
    if opts.diagnostics:
        diag = _diagnose_mass(x, wq, w, b)
        mass = SolveInfo(mass.cholesky and diag.cholesky, diag.min_eig, diag.size)
    yield _record(start_iteration, loss, u_norm2, clock, 0.0, mass, None, w, b, c)

    for it in range(start_iteration + 1, start_iteration + opts.iterations + 1):
        tic = time.perf_counter()
        delta, slope, gn = gauss_newton_direction(x, wq, w, b, c, r, diagnostics=False)
        alpha, accepted = 1.0, False
        cutting = _cuts(corners, w, b) if corners is not None else None
        gap = min(opts.separation, hyperplane_gap(w, b)) if opts.separation > 0 else 0.0
        for _ in range(opts.max_backtracks):
            w_new, b_new = w + alpha * delta[:, :-1], b + alpha * delta[:, -1]
            turned = np.any(np.sum(w * w_new, axis=1) <= 0) if opts.keep_inside else False
            inside = cutting is None or corners is None or bool(np.all(_cuts(corners, w_new, b_new)[cutting]))
            apart = gap <= 0 or hyperplane_gap(w_new, b_new) >= gap
            if not turned and inside and apart:
                trial = quadrature_loss(w_new, b_new, c, target, rule)
                if np.isfinite(trial) and trial <= loss + opts.armijo * alpha * slope:
                    accepted = True
                    break
            alpha *= 0.5
        elapsed = time.perf_counter() - tic
        if opts.diagnostics:
            gn = _diagnose_gn(x, wq, w, b, c, gn.cholesky)
        if not accepted:
            return
        tic = time.perf_counter()
        if opts.normalise:
            w, b = _normalised(w_new, b_new)
        else:
            w, b = w_new, b_new
        x, wq = rule(w, b)
        uq = _target_values(target, x)
        c, mass = linear_step(x, wq, w, b, uq, mass_solver=opts.mass_solver, domain=domain, diagnostics=False)
        relu, _ = _features(x, w, b)
        r = relu @ c - uq
        loss = _finite_loss(0.5 * float(wq @ r**2), f"at iteration {it}")
        clock += elapsed + time.perf_counter() - tic
        if opts.diagnostics:
            diag = _diagnose_mass(x, wq, w, b)
            mass = SolveInfo(mass.cholesky and diag.cholesky, diag.min_eig, diag.size)
        yield _record(it, loss, u_norm2, clock, alpha, mass, gn, w, b, c)


def _record(
    it: int,
    loss: float,
    u_norm2: float,
    clock: float,
    alpha: float,
    mass: SolveInfo,
    gn: SolveInfo | None,
    w: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
) -> SgGNRecord:
    rel = float(np.sqrt(2 * loss / u_norm2)) if u_norm2 > 0 else float("nan")
    return SgGNRecord(it, loss, rel, clock, alpha, mass, gn, w.copy(), b.copy(), c.copy())


def sggn_fit(
    weights: MatrixLike | Neurons,
    biases: VectorLike | None,
    target: Target,
    rule: Rule,
    options: SgGNOptions = SgGNOptions(),
    *,
    domain: Domain | None = None,
    callback: Callable[[SgGNRecord], None] | None = None,
) -> SgGNResult:
    """Run :func:`sggn_iterations` to the end and collect the records (``callback`` sees each one).

    ``weights`` may also be a ``rankscope.nets.ShallowReLU`` (then ``biases`` is ignored and may be None).
    """
    if hasattr(weights, "weights") and hasattr(weights, "biases"):
        net = cast(Neurons, weights)
        weights, biases = net.weights, net.biases
    records = []
    # weights is now the (n, d) matrix; a None biases is refused by sggn_iterations, naming it
    w, b = cast(MatrixLike, weights), cast(VectorLike, biases)
    for rec in sggn_iterations(w, b, target, rule, options, domain=domain):
        records.append(rec)
        if callback is not None:
            callback(rec)
    last = records[-1]
    stopped = "iterations" if last.iteration >= options.iterations else "line search found no decrease"
    return SgGNResult(last.weights, last.biases, last.coefficients, tuple(records), stopped)
