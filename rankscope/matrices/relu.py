"""Mass, Heaviside and layer Gauss-Newton matrices of a shallow ReLU network (paper 003, SgGN notes).

Paper 003 (the display after "may be related to the
following matrix forms")::

    A_ij = <relu(w_i . x + b_i), relu(w_j . x + b_j)>,    H_ij = <h(w_i . x + b_i), h(w_j . x + b_j)>,

with ``<f, g> = int_Omega f g dx`` (the abstract's ``J`` carries a 1/2 that only rescales the
normal equations; we use the plain L2 product). The SgGN notes (papers/sggn-notes.md,
"Nonlinear step") define the layer Gauss-Newton matrix ``Hhat_ij = <h_i h_j xhat xhat^T>``,
``xhat = (x, 1)``, as ``(d+1) x (d+1)`` blocks; row ``i (d+1) + k`` is neuron ``i``, component
``k`` of ``xhat``.

1D (``Interval`` or ``(low, high)``): exact closed forms (:mod:`rankscope.matrices.relu_1d`).

2D (``Box``) without a rule: exact, by polygon integration (:mod:`rankscope.matrices.relu_2d`).

2D with a rule, and 3D (``Box``): quadrature. The default rule is the composite 2-point
Gauss-Legendre product rule
with ``panels`` cells per axis (:func:`rankscope.sampling.gauss_legendre`). The integrands have
kinks (A: gradient jump) or jumps (H, Hhat) along the hyperplanes ``w_i . x + b_i = 0``; a cell cut
by a hyperplane integrates with error ``O(h^{d+1})`` for a kink and ``O(h^d)`` for a jump, and
``O(h^{1-d})`` cells are cut, so the error is ``O(h^2)`` for A and ``O(h)`` for H and Hhat
(``h = 1/panels``; random hyperplane positions often make H's error behave like ``h^{1.5}``). Use
:func:`quadrature_error` to estimate the error and observed order from refinements ``p, 2p, 4p``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.matrices.relu_1d import (
    _box_for,
    _check_net,
    _moments_1d,
    active_intervals_1d,
    neuron_report_1d,
)
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.nets.shallow_relu import ShallowReLU, random_neurons
from rankscope.sampling.domains import Box, Domain
from rankscope.sampling.gauss import gauss_legendre
from rankscope.sampling.quadrature import Quadrature

__all__ = [
    "DEFAULT_PANELS",
    "QuadratureError",
    "active_intervals_1d",
    "heaviside_matrix",
    "layer_gauss_newton",
    "load_vector",
    "mass_2d",
    "mass_matrix",
    "neuron_report_1d",
    "quadrature_error",
]

DEFAULT_PANELS: dict[int, int] = {1: 256, 2: 96, 3: 20}
"""Default number of Gauss-Legendre panels per axis (2 nodes each) for quadrature in dimension d."""

KINDS: tuple[str, ...] = ("mass", "heaviside", "layer_gauss_newton")


def _default_rule(box: Box) -> Quadrature:
    return gauss_legendre(box, 2, panels=DEFAULT_PANELS.get(box.dim, 8))


def _quad_matrix(net: ShallowReLU, q: Quadrature, kind: str) -> np.ndarray:
    if q.dim != net.dim:
        raise ValueError(f"quadrature must have dimension {net.dim}; got a {q.dim}-D rule")
    sw = np.sqrt(q.weights)[:, None]
    if kind == "mass":
        f = net.features(q.points) * sw
        out: np.ndarray = f.T @ f
        return out
    hv = net.heaviside(q.points) * sw
    if kind == "heaviside":
        out = hv.T @ hv
        return out
    xhat = np.concatenate([q.points, np.ones((len(q), 1))], axis=1)
    g = (hv[:, :, None] * xhat[:, None, :]).reshape(len(q), -1)
    out = g.T @ g
    return out


def _matrix(net: ShallowReLU, domain: Domain, quadrature: Quadrature | None, kind: str) -> np.ndarray:
    net = _check_net(net)
    box = _box_for(net, domain)
    if quadrature is not None and not isinstance(quadrature, Quadrature):
        raise TypeError(f"quadrature must be a Quadrature or None; got {describe(quadrature)}")
    if box.dim == 1 and quadrature is None:
        neuron_report_1d(net, box, warn=True)
        return _moments_1d(net, box.lows[0], box.highs[0], kind)
    if box.dim == 2 and quadrature is None:
        exact = ReluEntries2D(net, box)
        return exact.layer_gauss_newton() if kind == "layer_gauss_newton" else exact.matrix(kind)
    return _quad_matrix(net, quadrature or _default_rule(box), kind)


def mass_matrix(net: ShallowReLU, domain: Domain, *, quadrature: Quadrature | None = None) -> np.ndarray:
    """``A_ij = int_Omega relu(w_i.x + b_i) relu(w_j.x + b_j) dx`` (paper 003), shape (n, n).

    1D: exact closed form (warns about zero-weight, dead, linear and coincident neurons).
    2D: exact polygon integration unless a ``quadrature`` is given. 3D: the ``quadrature`` rule,
    default composite Gauss-Legendre (error O(h^2), see module doc).

    Example:
        >>> from rankscope.nets import uniform_breakpoints_1d
        >>> round(float(mass_matrix(uniform_breakpoints_1d(1), (0.0, 1.0))[0, 0]), 15)  # int (x - 1/2)_+^2
        0.041666666666667
    """
    return _matrix(net, domain, quadrature, "mass")


def heaviside_matrix(net: ShallowReLU, domain: Domain, *, quadrature: Quadrature | None = None) -> np.ndarray:
    """``H_ij = int_Omega h(w_i.x + b_i) h(w_j.x + b_j) dx`` (paper 003), shape (n, n).

    1D exact (the length of the common active set); 2D exact (the area of the common active
    polygon) unless a ``quadrature`` is given; 3D by quadrature (error O(h)).
    """
    return _matrix(net, domain, quadrature, "heaviside")


def layer_gauss_newton(
    net: ShallowReLU, domain: Domain, *, quadrature: Quadrature | None = None
) -> np.ndarray:
    """``Hhat`` with blocks ``int h_i h_j xhat xhat^T dx``, ``xhat = (x, 1)`` (SgGN notes), (n(d+1), n(d+1)).

    Row ``i (d + 1) + k`` belongs to neuron ``i`` and component ``k`` of ``xhat``.
    """
    return _matrix(net, domain, quadrature, "layer_gauss_newton")


def load_vector(
    net: ShallowReLU,
    u: Callable[[np.ndarray], Any],
    domain: Domain,
    *,
    quadrature: Quadrature | None = None,
    nodes: int = 8,
) -> np.ndarray:
    """``f_i = int_Omega u(x) relu(w_i.x + b_i) dx``, shape (n,).

    1D without ``quadrature``: Gauss-Legendre with ``nodes`` points on every cell between sorted
    breakpoints (exact for polynomial ``u`` of degree <= 2 nodes - 2), using prefix sums so time
    and memory are O(n nodes): per cell ``U_k = int u`` and ``X_k = int (x - tau_k) u``, and
    ``int_{t_j}^R (x - t_j) u = sum_{k>=j} X_k + sum_{m>=j} (tau_{m+1} - tau_m) sum_{k>m} U_k``.
    ``u`` takes an (N, d) array and returns (N,).
    """
    net = _check_net(net)
    box = _box_for(net, domain)
    if not callable(u):
        raise TypeError(f"u must be callable (N, d) -> (N,); got {describe(u)}")
    nodes = check_positive_int("nodes", nodes)
    if quadrature is not None or box.dim > 1:
        q = quadrature or _default_rule(box)
        vals = np.asarray(u(q.points), dtype=np.float64).reshape(-1)
        return net.features(q.points).T @ (q.weights * vals)
    low, high = box.lows[0], box.highs[0]
    lo, hi = active_intervals_1d(net, low, high)
    w = net.weights[:, 0]
    ends = np.where(w > 0, lo, hi)  # breakpoint clipped to the domain
    tau = np.unique(np.concatenate([[low, high], ends, lo, hi]))
    h = np.diff(tau)
    g, gw = np.polynomial.legendre.leggauss(nodes)
    x = tau[:-1, None] + h[:, None] * (g[None, :] + 1) / 2
    wts = h[:, None] * gw[None, :] / 2
    uu = np.asarray(u(x.reshape(-1, 1)), dtype=np.float64).reshape(x.shape)
    cell_u = np.sum(wts * uu, axis=1)  # U_k
    cell_xr = np.sum(wts * (x - tau[:-1, None]) * uu, axis=1)  # int (x - tau_k) u
    cell_xl = np.sum(wts * (tau[1:, None] - x) * uu, axis=1)  # int (tau_{k+1} - x) u
    # right: R_j = int_{tau_j}^{high} (x - tau_j) u, node index j = 0..m
    tail_u = np.concatenate([np.cumsum(cell_u[::-1])[::-1], [0.0]])  # sum_{k>=j} U_k
    right = np.concatenate([np.cumsum((cell_xr + h * tail_u[1:])[::-1])[::-1], [0.0]])
    head_u = np.concatenate([[0.0], np.cumsum(cell_u)])  # sum_{k<j} U_k
    left = np.concatenate([[0.0], np.cumsum(cell_xl + h * head_u[:-1])])
    # Both recurrences: R_j = R_{j+1} + X_j + h_j * sum_{k>j} U_k (all differences, no cancellation).
    f = np.zeros(net.n)
    jr = np.searchsorted(tau, lo)
    jl = np.searchsorted(tau, hi)
    pos, neg, zero = w > 0, w < 0, w == 0
    tt = net.breakpoints()
    # relu(w x + b) = |w| (x - t) on [lo, high] for w > 0; shift for t < low: (x - t) = (x - lo) + (lo - t)
    f[pos] = w[pos] * (right[jr[pos]] + (lo[pos] - tt[pos]) * tail_u[jr[pos]])
    f[neg] = -w[neg] * (left[jl[neg]] + (tt[neg] - hi[neg]) * head_u[jl[neg]])
    f[zero] = np.maximum(net.biases[zero], 0.0) * tail_u[0]
    return f


@dataclass(frozen=True)
class QuadratureError:
    """Richardson-type error estimate of a quadrature-built matrix.

    Attributes:
        matrix: the matrix on the finest rule (4p panels).
        error: ``||M_{2p} - M_{4p}||_F / ||M_{4p}||_F`` (an estimate of the 2p error; the 4p error is
            smaller by ``2^order``).
        order: observed order ``log2(||M_p - M_2p|| / ||M_2p - M_4p||)``.
        panels: (p, 2p, 4p).
    """

    matrix: np.ndarray
    error: float
    order: float
    panels: tuple[int, int, int]


def quadrature_error(
    net: ShallowReLU, domain: Domain, kind: str = "mass", *, panels: int = 16, nodes: int = 2
) -> QuadratureError:
    """Build ``kind`` (``"mass"``, ``"heaviside"``, ``"layer_gauss_newton"``) with composite
    Gauss-Legendre rules of ``panels``, ``2 panels`` and ``4 panels`` cells per axis and estimate the
    error and convergence order (expected 2 for the mass matrix, 1 to 1.5 for the others)."""
    net = _check_net(net)
    kind = check_choice("kind", kind, KINDS)
    box = _box_for(net, domain)
    p = check_positive_int("panels", panels)
    mats = [_quad_matrix(net, gauss_legendre(box, nodes, panels=k * p), kind) for k in (1, 2, 4)]
    d1 = float(np.linalg.norm(mats[0] - mats[1]))
    d2 = float(np.linalg.norm(mats[1] - mats[2]))
    order = float(np.log2(d1 / d2)) if d2 > 0 and d1 > 0 else float("inf")
    err = d2 / max(float(np.linalg.norm(mats[2])), np.finfo(float).tiny)
    return QuadratureError(mats[2], err, order, (p, 2 * p, 4 * p))


def mass_2d(n: int, points_per_axis: int, seed: int) -> tuple[np.ndarray, ShallowReLU]:
    """The mass matrix ``A_ij = <relu(w_i . x + b_i), relu(w_j . x + b_j)>`` of paper 003 (the display
    after "may be related to the following matrix forms") for ``random_neurons(n, 2, seed)`` on
    ``[0, 1]^2``, by the tensor Gauss-Legendre rule of ``points_per_axis`` nodes per axis (one panel).

    The 2D test matrix of paper 003's solver experiments: with about ``4 n`` nodes in all the rule
    resolves every neuron and ``A`` is SPD. Returns ``(A, net)``.

    Example:
        >>> a, net = mass_2d(8, 6, seed=0)
        >>> a.shape, net.n, bool(np.allclose(a, a.T))
        ((8, 8), 8, True)
    """
    net = random_neurons(n, 2, seed=seed)
    quad = gauss_legendre(Box.cube(0.0, 1.0, 2), points_per_axis)
    return mass_matrix(net, Box.cube(0.0, 1.0, 2), quadrature=quad), net
