"""Input readers for the structured solvers that keep ``rankscope.linalg`` below sampling and nets.

The solvers take the objects of the layers above them structurally, without importing them:
neurons as anything with ``weights`` (n, d) and ``biases`` (n,) (:class:`rankscope.nets.ShallowReLU`),
domains as anything with ``lows`` and ``highs`` (:class:`rankscope.sampling.Interval` and
:class:`rankscope.sampling.Box`) or a ``(low, high)`` tuple of two real numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

from rankscope._checks import _to_numpy, check_finite_real, describe

__all__ = [
    "Bounded",
    "DomainLike",
    "Neurons",
    "apply_ordering",
    "box_bounds",
    "indices_text",
    "neuron_arrays",
]


class Neurons(Protocol):
    """Structural type of a layer of ridge functions ``relu(w_i . x + b_i)`` (e.g. ``ShallowReLU``)."""

    @property
    def weights(self) -> np.ndarray: ...

    @property
    def biases(self) -> np.ndarray: ...


class Bounded(Protocol):
    """Structural type of a box domain: its lower and upper ends per axis (``Interval``, ``Box``)."""

    @property
    def lows(self) -> Iterable[float]: ...

    @property
    def highs(self) -> Iterable[float]: ...


DomainLike: TypeAlias = Bounded | tuple[float, float]
"""What :func:`box_bounds` reads: an ``Interval``, a ``Box`` or a ``(low, high)`` tuple."""


def indices_text(idx: np.ndarray, limit: int = 10) -> str:
    """``"[i0, i1, ...]"`` with at most ``limit`` indices, then how many there are in all."""
    items = [int(i) for i in idx[:limit]]
    more = f" ... ({len(idx)} in all)" if len(idx) > limit else ""
    return f"{items}{more}"


def neuron_arrays(name: str, net: Neurons) -> tuple[np.ndarray, np.ndarray]:
    """``(weights (n, d), biases (n,))`` of ``net`` as finite float64 arrays, or raise naming ``name``.

    A 1-D ``weights`` of length n is read as (n, 1), as :class:`rankscope.nets.ShallowReLU` does.
    """
    weights, biases = getattr(net, "weights", None), getattr(net, "biases", None)
    if weights is None or biases is None:
        raise TypeError(
            f"{name} must be a ShallowReLU (an object with weights (n, d) and biases (n,)); "
            f"got {describe(net)}"
        )
    w = _to_numpy(f"{name}.weights", weights)
    if w.ndim == 1:
        w = w[:, None]
    b = _to_numpy(f"{name}.biases", biases)
    if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] < 1 or b.shape != (w.shape[0],):
        raise ValueError(
            f"{name} must have weights (n, d) and biases (n,) with n, d >= 1; got weights "
            f"{describe(w)} and biases {describe(b)}"
        )
    bad = np.flatnonzero(~(np.all(np.isfinite(w), axis=1) & np.isfinite(b)))
    if bad.size:
        raise ValueError(f"{name} must be finite; neurons {indices_text(bad)} have NaN or Inf parameters")
    return w, b


def apply_ordering(mat: np.ndarray, ordering: npt.ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    """``(perm, mat[perm][:, perm])`` for an ordering of the ``n`` rows and columns of ``mat``.

    ``ordering`` is a permutation of ``range(n)`` (e.g. a hyperplane ordering), returned as an
    ``intp`` array, or ``None``: then ``perm`` is ``arange(n)`` and ``mat`` itself is returned.
    """
    n = mat.shape[0]
    if ordering is None:
        return np.arange(n), mat
    perm = np.asarray(ordering)
    if perm.shape != (n,) or not np.array_equal(np.sort(perm), np.arange(n)):
        raise ValueError(f"ordering must be a permutation of range({n}); got {perm!r:.80}")
    perm = perm.astype(np.intp)
    return perm, mat[np.ix_(perm, perm)]


def box_bounds(domain: DomainLike) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``(lows, highs)`` of an ``Interval``, a ``Box`` (anything with ``lows``/``highs``) or ``(low, high)``.

    Raises:
        TypeError: ``domain`` is none of these.
        ValueError: non-finite ends, or ``low >= high`` on some axis.

    Example:
        >>> box_bounds((0.0, 2.0))
        ((0.0,), (2.0,))
    """
    lows: tuple[float, ...]
    highs: tuple[float, ...]
    if isinstance(domain, tuple) and len(domain) == 2:
        try:
            lows = (check_finite_real("domain low", domain[0]),)
            highs = (check_finite_real("domain high", domain[1]),)
        except TypeError as exc:
            raise TypeError(
                f"domain as a tuple must be (low, high) with two real numbers; got {domain!r}"
            ) from exc
    elif hasattr(domain, "lows") and hasattr(domain, "highs"):
        lows = tuple(check_finite_real(f"domain lows[{i}]", v) for i, v in enumerate(domain.lows))
        highs = tuple(check_finite_real(f"domain highs[{i}]", v) for i, v in enumerate(domain.highs))
    else:
        raise TypeError(
            f"domain must be an Interval, a Box or a (low, high) tuple of floats; got {describe(domain)}"
        )
    if not lows or len(lows) != len(highs) or not all(lo < hi for lo, hi in zip(lows, highs, strict=True)):
        raise ValueError(f"domain must have lows[i] < highs[i] on every axis; got lows={lows}, highs={highs}")
    return lows, highs
