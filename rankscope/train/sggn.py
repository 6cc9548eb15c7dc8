"""Structure-guided Gauss–Newton (SgGN) training of a shallow ReLU network.

Specification: ``/work/shared/papers/sggn-notes.md`` (our derivation of paper 003's ref. [1], Cai, Ding,
Liu, Liu, Xia, arXiv:2404.05064). Fit ``v(x) = sum_i c_i relu(w_i . x + b_i)`` to ``u`` by minimising

    J = 1/2 int_Omega (v - u)^2 dx                                   (notes, "Problem")

alternating

* the **linear step** (notes, "Linear step"): ``A c = f``, ``A_ij = <relu_i, relu_j>``,
  ``f_i = <u, relu_i>`` — dense Cholesky of ``A``, or ``mass_solver="structured"`` in 1D: the O(n)
  ``rankscope.relu.solve1d.ReluMassSolver1D`` (exact closed-form ``A``);
* the **nonlinear step** (notes, "Nonlinear step"): with ``xhat = (x, 1)``, ``h_i = H(w_i . x + b_i)``,
  ``Hhat_ij = <h_i h_j xhat xhat^T>`` (the layer Gauss–Newton matrix) and
  ``ghat_i = <(v - u) h_i xhat>``, solve ``Hhat_SS z = -ghat_S`` over the neurons ``S = {i: c_i != 0}``
  (dense Cholesky; no Levenberg–Marquardt shift), set ``delta_i = z_i / c_i`` for ``i`` in ``S`` and
  ``delta_i = 0`` otherwise, and take ``theta <- theta + alpha delta`` with a backtracking Armijo line
  search on ``J`` (``c`` fixed). The Gauss–Newton matrix of ``J`` in ``theta`` is ``D Hhat D`` with
  ``D = diag(c) (x) I_{d+1}``; solving ``Hhat z = -ghat`` with ``z = D delta`` is its Gauss–Newton step
  with the singular part from ``c_i = 0`` removed exactly.

Integrals are quadratures supplied by a *rule* ``rule(weights, biases) -> (points (N, d), weights (N,))``
that may depend on the current neurons:

* :class:`SplitGaussRule1D` — Gauss–Legendre on every cell of a base mesh refined at the current
  breakpoints ``t_i = -b_i / w_i`` and at the target's breaks. On each cell every ``relu_i`` is linear and
  every ``h_i`` constant, so all network integrals (``A``, ``Hhat``, the ``v``-parts of ``J`` and of the
  gradient) are exact for ``order >= 2``; the ``u``-parts are Gauss-accurate because ``u`` is smooth on
  each cell. Because the integrand ``(v - u)^2`` is continuous across the breakpoints, differentiating
  the rule's sum with the nodes held fixed gives the exact gradient of the exact integral.
* :class:`FixedRule` — any fixed :class:`rankscope.sampling.Quadrature` (e.g. a composite tensor
  Gauss–Legendre rule in 2D).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.linalg as sla

from rankscope._checks import as_matrix, as_vector, check_choice, check_positive_int, describe
from rankscope.sampling import Interval, Quadrature, as_box

__all__ = [
    "FixedRule",
    "SgGNOptions",
    "SgGNRecord",
    "SgGNResult",
    "SolveInfo",
    "SplitGaussRule1D",
    "breakpoints_1d",
    "gauss_newton_direction",
    "gradient",
    "layer_gn_matrix",
    "linear_step",
    "quadrature_loss",
    "quadrature_loss_torch",
    "sggn_fit",
    "sggn_iterations",
]

Target = Callable[[np.ndarray], np.ndarray]


class Rule(Protocol):
    """``rule(weights (n, d), biases (n,)) -> (points (N, d), weights (N,))``."""

    def __call__(self, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def breakpoints_1d(weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """Breakpoints ``t_i = -b_i / w_i`` of 1D neurons (``nan`` where ``w_i = 0``).

    Example:
        >>> breakpoints_1d(np.array([[2.0], [-1.0]]), np.array([-1.0, 0.25])).tolist()
        [0.5, 0.25]
    """
    w = np.asarray(weights, dtype=np.float64)[:, 0]
    b = np.asarray(biases, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w != 0, -b / np.where(w != 0, w, 1.0), np.nan)


@dataclass(frozen=True)
class SplitGaussRule1D:
    """Composite Gauss–Legendre on ``[low, high]`` split at the breakpoints and the target's breaks.

    Cells: the ``panels`` equal cells of the domain, cut further at every breakpoint inside the domain
    and at ``breaks``; ``order`` Gauss–Legendre nodes on each cell. Exact for every integrand that is a
    polynomial of degree ``<= 2 order - 1`` on each cell (all network integrals for ``order >= 2``).

    Example:
        >>> rule = SplitGaussRule1D(Interval(0.0, 1.0), panels=2, order=2)
        >>> x, w = rule(np.array([[1.0]]), np.array([-0.3]))
        >>> round(float(w @ np.maximum(x[:, 0] - 0.3, 0) ** 2), 12)  # int_0.3^1 (x - 0.3)^2
        0.114333333333
    """

    domain: Interval
    panels: int = 256
    order: int = 6
    breaks: tuple[float, ...] = ()
    _base: np.ndarray = field(init=False, repr=False, compare=False)
    _gauss: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.domain, Interval):
            raise TypeError(f"domain must be an Interval; got {describe(self.domain)}")
        check_positive_int("panels", self.panels)
        check_positive_int("order", self.order)
        base = np.linspace(self.domain.low, self.domain.high, self.panels + 1)
        extra = np.array([b for b in self.breaks if self.domain.low < b < self.domain.high], dtype=np.float64)
        object.__setattr__(self, "_base", np.unique(np.concatenate([base, extra])))
        object.__setattr__(self, "_gauss", np.polynomial.legendre.leggauss(self.order))

    def __call__(self, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = breakpoints_1d(weights, biases)
        t = t[np.isfinite(t) & (t > self.domain.low) & (t < self.domain.high)]
        edges = np.unique(np.concatenate([self._base, t]))
        half = 0.5 * np.diff(edges)
        keep = half > 0
        mid = 0.5 * (edges[1:] + edges[:-1])[keep]
        half = half[keep]
        g, gw = self._gauss
        x = (mid[:, None] + half[:, None] * g[None, :]).reshape(-1, 1)
        return x, (half[:, None] * gw[None, :]).ravel()


@dataclass(frozen=True)
class FixedRule:
    """A quadrature independent of the neurons (e.g. ``gauss_legendre(box, 4, panels=64)`` in 2D)."""

    quadrature: Quadrature

    def __call__(self, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.quadrature.points), np.asarray(self.quadrature.weights)


def _features(x: np.ndarray, weights: np.ndarray, biases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = x @ weights.T + biases[None, :]
    return np.maximum(z, 0.0), (z > 0).astype(np.float64)


def quadrature_loss(
    weights: np.ndarray, biases: np.ndarray, coefficients: np.ndarray, target: Target, rule: Rule
) -> float:
    """``J = 1/2 sum_k w_k (v(x_k) - u(x_k))^2`` with the rule's nodes for these neurons."""
    x, wq = rule(weights, biases)
    relu, _ = _features(x, weights, biases)
    r = relu @ coefficients - target(x)
    return 0.5 * float(wq @ r**2)


def quadrature_loss_torch(weights: Any, biases: Any, coefficients: Any, target: Target, rule: Rule) -> Any:
    """The same ``J`` as :func:`quadrature_loss`, differentiable in torch w.r.t. all of (W, b, c).

    The nodes are chosen with the parameters detached (see the module docstring for why this gives the
    exact gradient of the exact integral with :class:`SplitGaussRule1D`).
    """
    import torch

    x, wq = rule(weights.detach().cpu().numpy(), biases.detach().cpu().numpy())
    u = torch.tensor(target(x), dtype=weights.dtype)
    xt = torch.tensor(np.array(x), dtype=weights.dtype)
    wt = torch.tensor(np.array(wq), dtype=weights.dtype)
    v = torch.relu(xt @ weights.T + biases[None, :]) @ coefficients
    return 0.5 * (wt * (v - u) ** 2).sum()


def _xhat_blocks(x: np.ndarray, heav: np.ndarray) -> np.ndarray:
    """``(N, n (d+1))`` matrix whose column ``i (d+1) + k`` is ``h_i(x) xhat_k(x)``."""
    xhat = np.concatenate([x, np.ones((x.shape[0], 1))], axis=1)
    return (heav[:, :, None] * xhat[:, None, :]).reshape(x.shape[0], -1)


def layer_gn_matrix(x: np.ndarray, wq: np.ndarray, weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """``Hhat`` with ``(d+1) x (d+1)`` blocks ``Hhat_ij = <h_i h_j xhat xhat^T>`` (notes, "Nonlinear step").

    Shape ``(n (d+1), n (d+1))``, neuron-major (block ``i`` holds ``(w_i, b_i)``).
    """
    _, heav = _features(x, weights, biases)
    jh = _xhat_blocks(x, heav)
    return jh.T @ (wq[:, None] * jh)


def gradient(
    weights: np.ndarray, biases: np.ndarray, coefficients: np.ndarray, target: Target, rule: Rule
) -> tuple[np.ndarray, np.ndarray]:
    """``(dJ/dW, dJ/db)`` by the formula ``g_i = c_i <(v - u) h_i xhat>`` (notes, "Nonlinear step").

    Returns arrays of shapes ``(n, d)`` and ``(n,)``.
    """
    x, wq = rule(weights, biases)
    relu, heav = _features(x, weights, biases)
    r = relu @ coefficients - target(x)
    ghat = (_xhat_blocks(x, heav).T @ (wq * r)).reshape(weights.shape[0], -1)
    g = coefficients[:, None] * ghat
    return g[:, :-1], g[:, -1]


@dataclass(frozen=True)
class SolveInfo:
    """Whether a dense Cholesky succeeded and the smallest eigenvalue (``nan`` if not computed)."""

    cholesky: bool
    min_eig: float
    size: int


def _min_eig(m: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(m)[0]) if m.size else float("nan")


def linear_step(
    x: np.ndarray,
    wq: np.ndarray,
    weights: np.ndarray,
    biases: np.ndarray,
    target_values: np.ndarray,
    *,
    mass_solver: str = "dense",
    domain: Any = None,
    diagnostics: bool = True,
) -> tuple[np.ndarray, SolveInfo]:
    """Output weights of the L2 projection: ``A c = f`` over the neurons active somewhere in Omega.

    Neurons with no active quadrature node (``relu_i = 0`` on Omega) get ``c_i = 0`` and are left out
    of ``A`` (their row would be zero). ``mass_solver``: ``"dense"`` (Cholesky of the quadrature
    ``A``; if it fails, a least-squares fallback and ``cholesky=False``) or ``"structured"`` (1D only:
    ``ReluMassSolver1D`` on the exact closed-form ``A`` of the live neurons).

    Returns ``(c (n,), SolveInfo for A)``.
    """
    relu, _ = _features(x, weights, biases)
    live = np.flatnonzero(np.any(relu > 0, axis=0))
    phi = relu[:, live]
    a_mat = phi.T @ (wq[:, None] * phi)
    f = phi.T @ (wq * target_values)
    c = np.zeros(weights.shape[0])
    min_eig = _min_eig(a_mat) if diagnostics else float("nan")
    if mass_solver == "structured":
        from rankscope.relu.neurons import ShallowReLU
        from rankscope.relu.solve1d import ReluMassSolver1D

        solver = ReluMassSolver1D(ShallowReLU(weights[live], biases[live]), domain)
        c[live] = np.asarray(solver.solve(f), dtype=np.float64)
        ok = bool(np.all(np.isfinite(c)))
        if diagnostics:
            try:
                sla.cholesky(a_mat, lower=True)
            except np.linalg.LinAlgError:
                ok = False
        return c, SolveInfo(ok, min_eig, live.size)
    try:
        c[live] = sla.cho_solve(sla.cho_factor(a_mat, lower=True), f)
        ok = True
    except np.linalg.LinAlgError:
        c[live] = sla.lstsq(a_mat, f)[0]
        ok = False
    return c, SolveInfo(ok, min_eig, live.size)


def gauss_newton_direction(
    x: np.ndarray,
    wq: np.ndarray,
    weights: np.ndarray,
    biases: np.ndarray,
    coefficients: np.ndarray,
    residual: np.ndarray,
    *,
    diagnostics: bool = True,
) -> tuple[np.ndarray, float, SolveInfo]:
    """SgGN direction ``delta`` (n, d+1) on ``theta_i = (w_i, b_i)``: ``Hhat_SS z = -ghat_S``, ``z_i / c_i``.

    ``S`` = neurons with ``c_i != 0`` and some active node; the others get ``delta_i = 0``. The
    directional derivative ``g . delta = -z^T Hhat_SS z`` is returned for the Armijo test. If the
    Cholesky factorisation of ``Hhat_SS`` fails (not numerically positive definite) a least-squares
    solve is used instead and ``SolveInfo.cholesky`` is False.
    """
    n, dp1 = weights.shape[0], weights.shape[1] + 1
    _, heav = _features(x, weights, biases)
    s = np.flatnonzero((coefficients != 0) & np.any(heav > 0, axis=0))
    jh = _xhat_blocks(x, heav[:, s])
    h_mat = jh.T @ (wq[:, None] * jh)
    ghat = jh.T @ (wq * residual)
    min_eig = _min_eig(h_mat) if diagnostics else float("nan")
    delta = np.zeros((n, dp1))
    if s.size == 0:
        return delta, 0.0, SolveInfo(True, min_eig, 0)
    try:
        z = sla.cho_solve(sla.cho_factor(h_mat, lower=True), -ghat)
        ok = True
    except np.linalg.LinAlgError:
        z = sla.lstsq(h_mat, -ghat)[0]
        ok = False
    delta[s] = z.reshape(s.size, dp1) / coefficients[s, None]
    return delta, float(ghat @ z), SolveInfo(ok, min_eig, h_mat.shape[0])


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
    """

    iterations: int = 100
    armijo: float = 1e-4
    max_backtracks: int = 40
    mass_solver: str = "dense"
    diagnostics: bool = True
    keep_inside: bool = True
    normalise: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int) or self.iterations < 0:
            raise ValueError(f"iterations must be an int >= 0; got {self.iterations!r}")
        check_positive_int("max_backtracks", self.max_backtracks)
        check_choice("mass_solver", self.mass_solver, ("dense", "structured"))
        if not 0 < self.armijo < 1:
            raise ValueError(f"armijo must lie in (0, 1); got {self.armijo!r}")


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


def _check_inputs(weights: Any, biases: Any, target: Any, rule: Any) -> tuple[np.ndarray, np.ndarray]:
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


def _finite_loss(loss: float, where: str) -> float:
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"loss J is not finite ({loss!r}) {where}; check the target values and the initial neurons"
        )
    return loss


def sggn_iterations(
    weights: Any,
    biases: Any,
    target: Target,
    rule: Rule,
    options: SgGNOptions = SgGNOptions(),
    *,
    domain: Any = None,
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
        >>> from rankscope.relu.targets import step_function
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
        for _ in range(opts.max_backtracks):
            w_new, b_new = w + alpha * delta[:, :-1], b + alpha * delta[:, -1]
            turned = np.any(np.sum(w * w_new, axis=1) <= 0) if opts.keep_inside else False
            inside = cutting is None or corners is None or bool(np.all(_cuts(corners, w_new, b_new)[cutting]))
            if not turned and inside:
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


def _corners(domain: Any) -> np.ndarray:
    """The ``2^d`` corners of the box ``domain`` (an Interval, Box or (low, high)), shape (2^d, d)."""
    box = as_box(domain)
    axes = [np.array([lo, hi]) for lo, hi in zip(box.lows, box.highs, strict=True)]
    return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)


def _cuts(corners: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which neurons' hyperplanes ``w_i . x + b_i = 0`` cross the interior of the box (n,) bool."""
    z = corners @ w.T + b[None, :]
    return (z.min(axis=0) < 0) & (z.max(axis=0) > 0)


def _normalised(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(w_i, b_i) / |w_i|``: the same hyperplane and ``relu_i / |w_i|`` (``c_i`` absorbs the scale)."""
    s = np.linalg.norm(w, axis=1)
    s = np.where(s > 0, s, 1.0)
    return w / s[:, None], b / s


def _diagnose_mass(x: np.ndarray, wq: np.ndarray, w: np.ndarray, b: np.ndarray) -> SolveInfo:
    relu, _ = _features(x, w, b)
    phi = relu[:, np.any(relu > 0, axis=0)]
    a_mat = phi.T @ (wq[:, None] * phi)
    try:
        sla.cholesky(a_mat, lower=True)
        ok = True
    except np.linalg.LinAlgError:
        ok = False
    return SolveInfo(ok, _min_eig(a_mat), a_mat.shape[0])


def _diagnose_gn(
    x: np.ndarray, wq: np.ndarray, w: np.ndarray, b: np.ndarray, c: np.ndarray, ok: bool
) -> SolveInfo:
    _, heav = _features(x, w, b)
    s = (c != 0) & np.any(heav > 0, axis=0)
    jh = _xhat_blocks(x, heav[:, s])
    return SolveInfo(ok, _min_eig(jh.T @ (wq[:, None] * jh)), jh.shape[1])


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
    weights: Any,
    biases: Any,
    target: Target,
    rule: Rule,
    options: SgGNOptions = SgGNOptions(),
    *,
    domain: Any = None,
    callback: Callable[[SgGNRecord], None] | None = None,
) -> SgGNResult:
    """Run :func:`sggn_iterations` to the end and collect the records (``callback`` sees each one).

    ``weights`` may also be a ``rankscope.relu.ShallowReLU`` (then ``biases`` is ignored and may be None).
    """
    if hasattr(weights, "weights") and hasattr(weights, "biases"):
        weights, biases = weights.weights, weights.biases
    records = []
    for rec in sggn_iterations(weights, biases, target, rule, options, domain=domain):
        records.append(rec)
        if callback is not None:
            callback(rec)
    last = records[-1]
    stopped = "iterations" if last.iteration >= options.iterations else "line search found no decrease"
    return SgGNResult(last.weights, last.biases, last.coefficients, tuple(records), stopped)
