"""Exact 1D closed forms of the ReLU mass, Heaviside and layer Gauss-Newton matrices, and the 1D
neuron diagnostics (paper 003, SgGN notes; the builders are in :mod:`rankscope.matrices.relu`).

1D (``Interval`` or ``(low, high)``): exact closed forms. On its active set a neuron is the linear
function ``p_i(x) = w_i x + b_i``; the product of two neurons is integrated exactly over the
intersection ``[lo, hi]`` of their active sets in shifted form
``int_0^l (P_i + w_i y)(P_j + w_j y) dy = P_i P_j l + (P_i w_j + P_j w_i) l^2/2 + w_i w_j l^3/3``
with ``P_i = p_i(lo) = w_i (lo - t_i)`` (no cancellation when ``lo = t_i``).
"""

from __future__ import annotations

import warnings

import numpy as np

from rankscope._checks import describe
from rankscope.linalg.structured._inputs import indices_text
from rankscope.nets.shallow_relu import ShallowReLU
from rankscope.sampling.domains import Box, Domain, as_box

__all__ = ["active_intervals_1d", "neuron_report_1d"]


def _check_net(net: object) -> ShallowReLU:
    if not isinstance(net, ShallowReLU):
        raise TypeError(f"net must be a ShallowReLU; got {describe(net)}")
    return net


def _box_for(net: ShallowReLU, domain: Domain) -> Box:
    box = as_box(domain)
    if box.dim != net.dim:
        raise ValueError(
            f"domain must have the network's dimension {net.dim}; got a {box.dim}-D domain {box}"
        )
    return box


def active_intervals_1d(net: ShallowReLU, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """1D: the interval ``[lo_i, hi_i]`` of ``[low, high]`` where ``w_i x + b_i > 0`` (empty: lo = hi).

    Returns:
        (lo, hi), each (n,) float64, ``low <= lo_i <= hi_i <= high``.
    """
    w = net.weights[:, 0]
    b = net.biases
    t = net.breakpoints()
    lo = np.full(net.n, low)
    hi = np.full(net.n, high)
    pos, neg, zero = w > 0, w < 0, w == 0
    lo[pos] = np.clip(t[pos], low, high)
    hi[neg] = np.clip(t[neg], low, high)
    dead0 = zero & (b <= 0)
    lo[dead0] = high
    return lo, hi


def neuron_report_1d(
    net: ShallowReLU, domain: Domain, *, warn: bool = True, rtol: float = 1e-12
) -> dict[str, np.ndarray]:
    """Diagnose 1D neurons that make A or H singular or degenerate, warning about each kind.

    Kinds: ``zero_weight`` (w = 0: the constant relu(b)), ``dead`` (zero on the whole domain),
    ``linear`` (breakpoint at or outside the domain and active everywhere: no kink inside),
    ``coincident`` (breakpoint and sign equal to an earlier neuron's within ``rtol * (high - low)``:
    A and H are singular).

    Returns:
        dict kind -> indices (int arrays). Example: ``neuron_report_1d(net, (0, 1))["dead"]``.
    """
    box = _box_for(_check_net(net), domain)
    low, high = box.lows[0], box.highs[0]
    lo, hi = active_intervals_1d(net, low, high)
    w = net.weights[:, 0]
    t = net.breakpoints()
    report = {
        "zero_weight": net.zero_weight_neurons(),
        "dead": np.flatnonzero(hi - lo <= 0),
        "linear": np.flatnonzero((w != 0) & ((t <= low) | (t >= high)) & (hi - lo > 0)),
    }
    live = np.flatnonzero((w != 0) & (hi - lo > 0))
    key = np.sign(w[live])
    order = np.lexsort((t[live], key))
    ts, ks = t[live][order], key[order]
    close = (np.diff(ts) <= rtol * (high - low)) & (ks[1:] == ks[:-1])
    report["coincident"] = np.sort(live[order][1:][close])
    if warn:
        msgs = {
            "zero_weight": "have weight w = 0: each is the constant relu(b) on the domain",
            "dead": "are zero on the whole domain (A and H get zero rows: singular)",
            "linear": "have breakpoints at or outside the domain: each is linear on it (no kink inside)",
            "coincident": "have the same breakpoint and sign as another neuron (A and H are singular)",
        }
        for kind, idx in report.items():
            if idx.size:
                warnings.warn(f"neurons {indices_text(idx)} {msgs[kind]}", RuntimeWarning, stacklevel=3)
    return report


def _moments_1d(net: ShallowReLU, low: float, high: float, kind: str) -> np.ndarray:
    """Exact 1D Gram matrices (n, n) or (2n, 2n) by closed forms on active-set intersections."""
    w = net.weights[:, 0]
    b = net.biases
    lo, hi = active_intervals_1d(net, low, high)
    a = np.maximum(lo[:, None], lo[None, :])
    ell = np.maximum(np.minimum(hi[:, None], hi[None, :]) - a, 0.0)
    if kind == "heaviside":
        result: np.ndarray = ell
        return result
    if kind == "layer_gauss_newton":
        # int over [a, a + ell] of [x^2, x; x, 1].
        m0 = ell
        m1 = ell * a + ell**2 / 2
        m2 = ell * a**2 + a * ell**2 + ell**3 / 3
        n = net.n
        out = np.empty((2 * n, 2 * n))
        out[0::2, 0::2] = m2
        out[0::2, 1::2] = m1
        out[1::2, 0::2] = m1
        out[1::2, 1::2] = m0
        return out
    t = net.breakpoints()
    with np.errstate(invalid="ignore"):
        p = np.where(w[None, :] != 0, w[None, :] * (a - t[None, :]), b[None, :])  # P_j = p_j(a)
    pi, pj = p.T, p
    wi, wj = w[:, None], w[None, :]
    result = pi * pj * ell + (pi * wj + pj * wi) * ell**2 / 2 + wi * wj * ell**3 / 3
    return result
