"""Theorem 3.3 of paper 000 made computable: the lower bound (3.4) on the loss, and ``dist(u*, F_p)``.

Paper: paper 000, Section 3 (Theorem 3.3 eq. (3.3)-(3.4), Remarks 3.4-3.6).

**Theorem 3.3.** With the stability condition (3.3) ``||G^{-1}u - G^{-1}v|| <= C_S ||u - v||``,
``sqrt(L(u_n)) >= (dist(u*, F_p) - sqrt(C (p+1)(n-p)^2 eps)) / C_S`` (eq. 3.4): :func:`loss_lower_bound`;
``dist(u*, F_p)`` is estimated by :func:`dist_to_span`. The reduction of Theorem 3.2 it rests on is
:func:`rankscope.linalg.reduction.theorem32_reduction`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import scipy.linalg

from rankscope._checks import as_matrix, as_vector, describe
from rankscope.linalg.reduction import real_nonnegative
from rankscope.linalg.types import MatrixLike, VectorLike, Weighted

__all__ = ["LossLowerBound", "dist_to_span", "loss_lower_bound"]


def _count(name: str, value: object) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer; got {describe(value)}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {value}")
    return int(value)


@dataclass(frozen=True)
class LossLowerBound:
    """The right-hand side of eq. (3.4): ``(dist(u*, F_p) - slack) / C_S``.

    Attributes:
        value: the lower bound on ``sqrt(L(u_n))``; ``<= 0`` means the bound is vacuous (it says
            nothing beyond ``sqrt(L) >= 0``).
        dist: the ``dist(u*, F_p)`` used.
        slack: ``sqrt(C (p+1)(n-p)^2 eps)``, Theorem 3.2's bound on ``||u_p - u_n||``.
        C_S: the stability constant of (3.3).
    """

    value: float
    dist: float
    slack: float
    C_S: float

    @property
    def vacuous(self) -> bool:
        """True when ``value <= 0``: the slack eats the distance and the bound says nothing."""
        return self.value <= 0.0


def loss_lower_bound(dist_p: float, C: float, p: int, n: int, eps: float, C_S: float = 1.0) -> LossLowerBound:
    """Lower bound (3.4) of Theorem 3.3 on the square root of the loss.

    ``sqrt(L(u_n)) >= (dist(u*, F_p) - sqrt(C (p+1)(n-p)^2 eps)) / C_S``
    (paper 000 eq. (3.4); for function fitting ``G = I`` and ``C_S = 1``,
    Remark 3.4). The value may be negative: then the bound is vacuous (``.vacuous``).

    Args:
        dist_p: ``dist(u*, F_p) >= 0`` (e.g. from :func:`dist_to_span`; read its note on validity).
        C: ``>= ||beta||^2`` of the network's output weights.
        p: the eps-rank ``r_eps(M_{u_n})``, ``0 <= p <= n``.
        n: width of the last hidden layer (number of neuron functions), ``>= 1``.
        eps: the eps-rank threshold.
        C_S: stability constant of (3.3), ``> 0``.

    Example:
        >>> lb = loss_lower_bound(1.0, C=4.0, p=1, n=3, eps=1e-4)   # slack sqrt(4*2*4e-4) = 0.0566
        >>> round(lb.value, 4), lb.vacuous
        (0.9434, False)
    """
    dist_p = real_nonnegative("dist_p", dist_p)
    C = real_nonnegative("C", C)
    eps = real_nonnegative("eps", eps)
    p = _count("p", p)
    n = _count("n", n)
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    if p > n:
        raise ValueError(f"p must be <= n (the eps-rank of n functions); got p={p}, n={n}")
    C_S = real_nonnegative("C_S", C_S)
    if C_S == 0:
        raise ValueError(f"C_S must be > 0 (stability constant of eq. 3.3); got {C_S}")
    slack = math.sqrt(C * (p + 1) * (n - p) ** 2 * eps)
    return LossLowerBound(value=(dist_p - slack) / C_S, dist=dist_p, slack=slack, C_S=C_S)


def dist_to_span(
    features: MatrixLike,
    target: VectorLike,
    weights: VectorLike | Weighted,
    selected: npt.ArrayLike | None = None,
) -> float:
    """Weighted least-squares distance from ``target`` to the span of the ``selected`` functions.

    ``d = min_a ( sum_k w_k (u*(x_k) - sum_{j in S} a_j phi_j(x_k))^2 )^{1/2}``, the quadrature
    (``w``) version of ``dist(u*, span{phi_j : j in S})``. Paper 000 eq. (3.4) needs
    ``dist(u*, F_p)``; the issue estimates it by least squares over the ``p`` selected neurons.

    Validity for eq. (3.4). ``F_p`` (eq. 3.1) lets the inner parameters of the ``p`` neurons vary, so
    the span of the ``p`` neurons at the *current* parameters is a subset of ``F_p`` and
    ``d >= dist(u*, F_p)``: an over-estimate, which would in general make (3.4) too optimistic. It is
    nonetheless a valid lower bound here when ``S`` is ``Theorem32Result.kept``: the proof of
    Theorem 3.3 only uses ``dist(u*, .) <= ||u* - u_p||`` for the one ``u_p = f~`` of Theorem 3.2, and
    ``f~`` lies in ``span{phi_j : j in kept}``. So ``d - ||u_p - u_n|| <= ||u_n - u*||`` holds for this
    ``d`` (with every norm taken by the same quadrature, which is a seminorm, so the triangle
    inequality holds exactly), and ``(d - sqrt(C (p+1)(n-p)^2 eps)) / C_S`` is a valid lower bound
    whenever ``||u_p - u_n||^2 <= C (p+1)(n-p)^2 eps``, i.e. whenever the chosen ``P`` meets
    Lemma 3.1 (``Theorem32Result.lemma_holds``). For another ``S`` it is not guaranteed.

    Args:
        features: ``(m, n)`` values ``phi_j(x_k)`` (numpy or torch).
        target: ``(m,)`` values ``u*(x_k)``.
        weights: ``(m,)`` non-negative quadrature weights, or a ``Quadrature`` (its ``.weights``).
        selected: indices of the columns spanning the subspace; ``None`` for all; empty for ``{0}``.

    Returns:
        The distance ``d >= 0``.

    Example:
        >>> x = np.linspace(-1, 1, 5)
        >>> dist_to_span(np.stack([np.ones(5), x], 1), x + 2, np.full(5, 0.4), [0])  # ||x||_w
        1.0
    """
    d = as_matrix("features", features)
    t = as_vector("target", target)
    holder: object = weights  # a Quadrature (its .weights) or the weights themselves
    w = as_vector("weights", cast(VectorLike, getattr(holder, "weights", holder)))
    m, n = d.shape
    if t.shape[0] != m or w.shape[0] != m:
        raise ValueError(
            f"features has {m} rows (points) but target has shape {t.shape} and weights {w.shape}; "
            "expected one value and one weight per point"
        )
    if np.any(w < 0):
        raise ValueError(f"weights must be non-negative; got min {w.min():.3e}")
    if selected is None:
        idx = np.arange(n)
    else:
        idx = np.asarray(selected)
        if idx.size == 0:
            idx = np.zeros(0, dtype=np.int64)
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"selected must be a 1-D sequence of column indices; got {describe(selected)}")
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise ValueError(f"selected indices must lie in [0, {n}) for {n} functions; got {idx.tolist()}")
    sw = np.sqrt(w)
    rhs = sw * t
    if idx.size == 0:
        return float(np.linalg.norm(rhs))
    a = sw[:, None] * d[:, idx]
    coef, *_ = scipy.linalg.lstsq(a, rhs, lapack_driver="gelsd")
    return float(np.linalg.norm(rhs - a @ coef))
