"""Shallow ReLU networks ``v(x) = sum_i c_i relu(w_i . x + b_i)`` and standard neuron layouts.

Paper 003 (the displayed equation for ``v``) and the
SgGN notes (papers/sggn-notes.md, "Problem"). A 1D neuron with ``w != 0`` is
``|w| relu(sign(w) (x - t))`` with breakpoint ``t = -b / w``; a neuron with ``w = 0`` is the constant
``relu(b)``. This module only describes the neurons; the matrices are in
:mod:`rankscope.matrices.relu` and the 1D solvers in :mod:`rankscope.linalg.structured` (which read
a ``ShallowReLU`` structurally, through its ``weights`` and ``biases``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from rankscope._checks import _to_numpy, check_choice, check_positive_int, describe
from rankscope.linalg.structured._inputs import indices_text
from rankscope.linalg.types import MatrixLike
from rankscope.sampling.domains import Box, Domain, Interval, as_box

__all__ = [
    "SIGNS",
    "ShallowReLU",
    "random_breakpoints_1d",
    "random_neurons",
    "uniform_breakpoints_1d",
]

SIGNS: tuple[str, ...] = ("same", "negative", "mixed")
"""Sign layouts for 1D neurons: all ``w = +1``, all ``w = -1``, or mixed (alternating for uniform
breakpoints, random for random breakpoints)."""


@dataclass(frozen=True, eq=False)
class ShallowReLU:
    """A one-hidden-layer ReLU network ``v(x) = sum_i c_i relu(w_i . x + b_i)`` (paper 003).

    Arrays are copied to float64 and made read-only. Validated on construction: shapes agree and
    every parameter is finite (a NaN or Inf raises ``ValueError`` naming the neuron indices).
    Zero weights are allowed here (such a neuron is the constant ``relu(b_i)``); the matrix
    builders and solvers report them.

    Args:
        weights: (n, d) float64; a 1-D array of length n is read as (n, 1).
        biases: (n,) float64.
        coefficients: optional (n,) output weights ``c``.

    Example:
        >>> net = ShallowReLU(np.array([1.0, -1.0]), np.array([-0.25, 0.75]))
        >>> net.n, net.dim, net.breakpoints().tolist()
        (2, 1, [0.25, 0.75])
    """

    weights: np.ndarray
    biases: np.ndarray
    coefficients: np.ndarray | None = None

    def __post_init__(self) -> None:
        w = _to_numpy("weights", self.weights)
        if w.ndim == 1:
            w = w[:, None]
        if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] < 1:
            raise ValueError(f"weights must have shape (n, d) with n, d >= 1; got {describe(w)}")
        n = w.shape[0]
        b = _to_numpy("biases", self.biases)
        if b.ndim != 1 or b.shape[0] != n:
            raise ValueError(f"biases must have shape ({n},) to match weights {w.shape}; got {describe(b)}")
        bad = np.flatnonzero(~np.all(np.isfinite(w), axis=1))
        if bad.size:
            raise ValueError(f"weights must be finite; neurons {indices_text(bad)} have NaN or Inf weights")
        bad = np.flatnonzero(~np.isfinite(b))
        if bad.size:
            raise ValueError(f"biases must be finite; neurons {indices_text(bad)} have NaN or Inf biases")
        for name, arr in (("weights", w), ("biases", b)):
            out = np.array(arr, dtype=np.float64, copy=True)
            out.setflags(write=False)
            object.__setattr__(self, name, out)
        if self.coefficients is not None:
            c = _to_numpy("coefficients", self.coefficients)
            if c.ndim != 1 or c.shape[0] != n:
                raise ValueError(f"coefficients must have shape ({n},); got {describe(c)}")
            bad = np.flatnonzero(~np.isfinite(c))
            if bad.size:
                raise ValueError(
                    f"coefficients must be finite; neurons {indices_text(bad)} have NaN or Inf coefficients"
                )
            c = np.array(c, dtype=np.float64, copy=True)
            c.setflags(write=False)
            object.__setattr__(self, "coefficients", c)

    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self.weights.shape[0])

    @property
    def dim(self) -> int:
        """Input dimension ``d``."""
        return int(self.weights.shape[1])

    def _points(self, x: MatrixLike) -> np.ndarray:
        pts = _to_numpy("x", x)
        if pts.ndim == 1 and self.dim == 1:
            pts = pts[:, None]
        if pts.ndim != 2 or pts.shape[1] != self.dim:
            raise ValueError(f"x must have shape (N, {self.dim}); got {describe(pts)}")
        return pts

    def preactivations(self, x: MatrixLike) -> np.ndarray:
        """``z_ki = w_i . x_k + b_i``, shape (N, n)."""
        out: np.ndarray = self._points(x) @ self.weights.T + self.biases[None, :]
        return out

    def features(self, x: MatrixLike) -> np.ndarray:
        """``relu(w_i . x_k + b_i)``, shape (N, n). ``x``: (N, d) (or (N,) when d = 1)."""
        out: np.ndarray = np.maximum(self.preactivations(x), 0.0)
        return out

    def heaviside(self, x: MatrixLike) -> np.ndarray:
        """``h(w_i . x_k + b_i)`` with ``h(t) = 1`` for ``t > 0`` and ``0`` otherwise, shape (N, n).

        Paper 003 leaves ``h(0)`` undefined; ``h(0) = 0`` here (a null set for ``w != 0``).
        """
        return (self.preactivations(x) > 0.0).astype(np.float64)

    def __call__(self, x: MatrixLike) -> np.ndarray:
        """``v(x_k) = sum_i c_i relu(w_i . x_k + b_i)``, shape (N,); needs ``coefficients``."""
        if self.coefficients is None:
            raise ValueError("coefficients is None; build with coefficients=... or use with_coefficients(c)")
        out: np.ndarray = self.features(x) @ self.coefficients
        return out

    def with_coefficients(self, coefficients: np.ndarray) -> ShallowReLU:
        """The same neurons with output weights ``coefficients`` (n,)."""
        return ShallowReLU(self.weights, self.biases, coefficients)

    def subset(
        self, index: slice | Sequence[int] | npt.NDArray[np.integer[Any]] | npt.NDArray[np.bool_]
    ) -> ShallowReLU:
        """The neurons ``index`` (an index array, slice or boolean mask), in that order."""
        c = None if self.coefficients is None else self.coefficients[index]
        return ShallowReLU(self.weights[index], self.biases[index], c)

    def zero_weight_neurons(self) -> np.ndarray:
        """Indices of neurons with ``w_i = 0`` (constant functions ``relu(b_i)``)."""
        return np.flatnonzero(np.all(self.weights == 0.0, axis=1))

    def breakpoints(self) -> np.ndarray:
        """1D only: ``t_i = -b_i / w_i`` (NaN where ``w_i = 0``), shape (n,)."""
        if self.dim != 1:
            raise ValueError(f"breakpoints() needs a 1D network (dim 1); this one has dim {self.dim}")
        w = self.weights[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(w != 0.0, -self.biases / np.where(w != 0.0, w, 1.0), np.nan)


def _interval(domain: Domain) -> tuple[float, float]:
    box = as_box(domain)
    if box.dim != 1:
        raise ValueError(f"domain must be 1D (an Interval or (low, high)); got {box}")
    return box.lows[0], box.highs[0]


def _signs_1d(n: int, signs: str, rng: np.random.Generator | None) -> np.ndarray:
    check_choice("signs", signs, SIGNS)
    if signs == "same":
        return np.ones(n)
    if signs == "negative":
        return -np.ones(n)
    if rng is None:
        return np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return np.where(rng.random(n) < 0.5, 1.0, -1.0)


def _from_breakpoints(t: np.ndarray, s: np.ndarray) -> ShallowReLU:
    # relu(s (x - t)) = relu(s x - s t): w = s, b = -s t.
    return ShallowReLU(s[:, None], -s * t)


def uniform_breakpoints_1d(
    n: int, domain: Domain = (0.0, 1.0), signs: str = "same", offset: float = 0.5
) -> ShallowReLU:
    """1D neurons ``relu(s_i (x - t_i))`` with ``t_i = low + (i - offset) (high - low) / n``, i = 1..n.

    Args:
        n: number of neurons.
        domain: ``Interval`` or ``(low, high)``.
        signs: ``"same"`` (s = +1), ``"negative"`` (s = -1) or ``"mixed"`` (s = +1, -1, +1, ...).
        offset: in [0, 1]; 0.5 puts the breakpoints at cell midpoints (paper 003's "uniform
            breakpoints"; cond(A) ~ 6.4 n^4 on [0, 1]).

    Example:
        >>> uniform_breakpoints_1d(4).breakpoints().tolist()
        [0.125, 0.375, 0.625, 0.875]
    """
    n = check_positive_int("n", n)
    low, high = _interval(domain)
    off = float(offset)
    if not (np.isfinite(off) and 0.0 <= off <= 1.0):
        raise ValueError(f"offset must be a real number in [0, 1]; got {offset!r}")
    t = low + (np.arange(1, n + 1) - off) * (high - low) / n
    return _from_breakpoints(t, _signs_1d(n, signs, None))


def random_breakpoints_1d(n: int, seed: int, domain: Domain = (0.0, 1.0), signs: str = "same") -> ShallowReLU:
    """1D neurons with breakpoints i.i.d. uniform on the domain, in drawn (unsorted) order.

    Args:
        n: number of neurons.
        seed: seed of ``numpy.random.default_rng``.
        domain: ``Interval`` or ``(low, high)``.
        signs: ``"same"``, ``"negative"`` or ``"mixed"`` (i.i.d. random signs).

    Example:
        >>> net = random_breakpoints_1d(5, seed=0)
        >>> bool(np.all((net.breakpoints() > 0) & (net.breakpoints() < 1)))
        True
    """
    n = check_positive_int("n", n)
    low, high = _interval(domain)
    rng = np.random.default_rng(int(seed))
    t = low + (high - low) * rng.random(n)
    return _from_breakpoints(t, _signs_1d(n, signs, rng))


def random_neurons(n: int, dim: int, seed: int, box: Box | Interval | Any = None) -> ShallowReLU:
    """Neurons ``relu(w_i . x + b_i)`` with unit normals ``w_i`` uniform on the sphere and
    hyperplanes through a uniform random point ``p_i`` of the box (``b_i = -w_i . p_i``).

    Args:
        n: number of neurons.
        dim: input dimension d (2 or 3 for paper 003's experiments; any d >= 1 works).
        seed: seed of ``numpy.random.default_rng``.
        box: the domain (``Box``); default the unit cube ``[0, 1]^dim``.

    Example:
        >>> net = random_neurons(3, 2, seed=0)
        >>> np.allclose(np.linalg.norm(net.weights, axis=1), 1.0)
        True
    """
    n = check_positive_int("n", n)
    dim = check_positive_int("dim", dim)
    b = Box.cube(0.0, 1.0, dim) if box is None else as_box(box)
    if b.dim != dim:
        raise ValueError(f"box must have dimension dim={dim}; got a {b.dim}-D box {b}")
    rng = np.random.default_rng(int(seed))
    w = rng.standard_normal((n, dim))
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    lows, highs = np.asarray(b.lows), np.asarray(b.highs)
    p = lows + (highs - lows) * rng.random((n, dim))
    return ShallowReLU(w, -np.sum(w * p, axis=1))
