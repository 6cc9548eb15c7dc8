"""Uniform-density initialisation (UDI) of the first layer, paper 000 eq. (4.5).

Paper 000 (Sec. 4.1, Example 4.2, eq. 4.5) re-parameterises each
neuron of the first hidden layer as

    sigma(w_j^T x + (b_0)_j) = sigma(gamma_j (a_j^T x + r_j)),   ||a_j|| = 1,  gamma_j >= 0,

with ``a_j`` uniform on the unit sphere and ``r_j`` uniform on "a bounded positive real line related
to Omega"; the idea is taken from TransNet (the paper's ref. [41], Zhang, Bao, Ju, Zhang). We make
"related to Omega" concrete as TransNet does: with ``c`` the centre of the box ``Omega`` and ``R`` its
circumradius (half the diagonal, so ``Omega`` lies in the ball ``B_R(c)``), the neuron is centred at
``c``,

    sigma(gamma_j (a_j^T (x - c) + r_j)),   r_j ~ U[0, R]   (``radius_range`` changes the range),

i.e. ``w_j = gamma_j a_j`` and ``b_j = gamma_j (r_j - a_j^T c)``. The neuron's hyperplane
``{x : a_j^T (x - c) + r_j = 0}`` lies at distance ``r_j`` from ``c``.

Why "uniform density": for a point ``x`` with ``|x - c| <= R - tau`` the probability that a random
hyperplane passes within ``tau`` of ``x`` is ``P(|a^T (x - c) + r| < tau) = tau / R``, the same for
every such ``x`` (pair ``a`` with ``-a``: of the two intervals of ``r`` one has length ``2 tau`` and
the other none, or they split ``2 tau`` between them). So the hyperplanes cut every part of the ball
equally often. The scale ``gamma_j`` (the paper's "gamma_j >= 0", TransNet's shape parameter) is
not fixed by the paper; it is an argument here, one value or a uniform range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rankscope._checks import _to_numpy, as_matrix, check_positive_int, describe
from rankscope.linalg.types import MatrixLike
from rankscope.sampling.domains import Domain, as_box

__all__ = ["UniformDensity", "sample_uniform_density", "uniform_density"]


@dataclass(frozen=True, eq=False)
class UniformDensity:
    """The sampled parameters of eq. (4.5): ``sigma(gamma_j (a_j^T (x - centre) + r_j))``.

    Attributes:
        directions: ``a_j``, (n, d) float64, unit rows, uniform on the sphere ``S^{d-1}``.
        offsets: ``r_j``, (n,) float64, uniform on ``radius_range``: distance of the hyperplane
            ``{a_j^T (x - centre) + r_j = 0}`` from ``centre``.
        gammas: ``gamma_j >= 0``, (n,) float64.
        centre: (d,) float64, the centre of the domain.
        radius: ``R``, the circumradius of the domain about ``centre``.
        radius_range: the range ``(low, high)`` the offsets were drawn from.
    """

    directions: np.ndarray
    offsets: np.ndarray
    gammas: np.ndarray
    centre: np.ndarray
    radius: float
    radius_range: tuple[float, float]

    @property
    def weights(self) -> np.ndarray:
        """``W_0`` rows ``w_j = gamma_j a_j``, (n, d)."""
        out: np.ndarray = self.gammas[:, None] * self.directions
        return out

    @property
    def biases(self) -> np.ndarray:
        """``b_j = gamma_j (r_j - a_j^T centre)``, (n,)."""
        out: np.ndarray = self.gammas * (self.offsets - self.directions @ self.centre)
        return out

    def signed_distance(self, points: MatrixLike) -> np.ndarray:
        """``a_j^T (x_k - centre) + r_j``: signed distance of each point to each hyperplane, (m, n)."""
        x = as_matrix("points", _to_numpy("points", points))
        if x.shape[1] != self.centre.shape[0]:
            raise ValueError(f"points must have shape (m, {self.centre.shape[0]}); got shape {x.shape}")
        out: np.ndarray = (x - self.centre) @ self.directions.T + self.offsets[None, :]
        return out


def _range(
    name: str, value: float | tuple[float, float] | None, default: tuple[float, float]
) -> tuple[float, float]:
    if value is None:
        return default
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        value = (float(value), float(value))
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a number or a (low, high) pair; got {describe(value)}")
    lo, hi = (float(v) for v in value)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0.0 <= lo <= hi):
        raise ValueError(f"{name} must satisfy 0 <= low <= high (finite); got {value!r}")
    return lo, hi


def sample_uniform_density(
    n: int,
    domain: Domain,
    *,
    seed: int,
    radius_range: tuple[float, float] | None = None,
    gamma: float | tuple[float, float] = 1.0,
) -> UniformDensity:
    """Draw ``n`` neurons of eq. (4.5) for ``domain`` (a pure function; see the module docstring).

    ``a_j`` are normalised standard normal vectors (uniform on ``S^{d-1}``), ``r_j ~ U(radius_range)``
    (default ``[0, R]``, ``R`` the circumradius of the box), ``gamma_j ~ U(gamma)`` or the constant
    ``gamma``; all from ``numpy.random.default_rng(seed)``.

    Args:
        n: number of neurons.
        domain: ``Interval``, ``Box`` or ``(low, high)`` of dimension d.
        seed: seed of the generator.
        radius_range: ``(low, high)`` with ``0 <= low <= high``; default ``(0, R)``.
        gamma: scale ``>= 0``, one number or a ``(low, high)`` range.

    Example:
        >>> from rankscope.sampling import Box
        >>> p = sample_uniform_density(4, Box((-1.0, -1.0), (1.0, 1.0)), seed=0)
        >>> p.directions.shape, bool(np.allclose(np.linalg.norm(p.directions, axis=1), 1.0))
        ((4, 2), True)
    """
    n = check_positive_int("n", n)
    box = as_box(domain)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative integer; got {describe(seed)}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}")
    centre = 0.5 * (np.asarray(box.lows) + np.asarray(box.highs))
    radius = 0.5 * float(np.linalg.norm(np.asarray(box.widths)))
    r_lo, r_hi = _range("radius_range", radius_range, (0.0, radius))
    g_lo, g_hi = _range("gamma", gamma, (1.0, 1.0))
    rng = np.random.default_rng(int(seed))
    z = rng.standard_normal((n, box.dim))
    norms = np.linalg.norm(z, axis=1)
    while np.any(norms == 0.0):  # probability zero; redraw to keep the sphere exact
        bad = norms == 0.0
        z[bad] = rng.standard_normal((int(bad.sum()), box.dim))
        norms = np.linalg.norm(z, axis=1)
    directions = z / norms[:, None]
    offsets = rng.uniform(r_lo, r_hi, n) if r_hi > r_lo else np.full(n, r_lo)
    gammas = rng.uniform(g_lo, g_hi, n) if g_hi > g_lo else np.full(n, g_lo)
    return UniformDensity(directions, offsets, gammas, centre, radius, (r_lo, r_hi))


def _first_linear(model: nn.Module) -> nn.Linear:
    for module in model.modules():
        if isinstance(module, nn.Linear):
            return module
    raise ValueError(f"uniform_density needs a model with an nn.Linear; {type(model).__name__} has none")


def uniform_density(
    model: nn.Module,
    domain: Domain,
    *,
    seed: int,
    radius_range: tuple[float, float] | None = None,
    gamma: float | tuple[float, float] = 1.0,
) -> UniformDensity:
    """Uniform-density initialisation (paper 000 eq. 4.5) of the first ``nn.Linear`` of ``model``.

    Overwrites, in place, the first layer's weights with ``gamma_j a_j`` and its biases with
    ``gamma_j (r_j - a_j^T c)`` (see :func:`sample_uniform_density`); the other layers are untouched.
    Returns the sampled :class:`UniformDensity` for inspection.

    Raises:
        ValueError: the layer's input dimension differs from the domain's dimension, or it has no
            bias (eq. 4.5 needs one).

    Example:
        >>> from rankscope.nets import MLP
        >>> from rankscope.sampling import Box
        >>> net = MLP(2, 20, 2, seed=0)
        >>> p = uniform_density(net, Box((-1.0, -1.0), (1.0, 1.0)), seed=0, gamma=3.0)
        >>> bool(torch.allclose(net.layers[0].linear.weight.double(), torch.from_numpy(p.weights)))
        True
    """
    box = as_box(domain)
    first = _first_linear(model)
    n, d = first.weight.shape
    if d != box.dim:
        raise ValueError(
            f"uniform_density: the first nn.Linear of {type(model).__name__} has input dim {d} but "
            f"domain is {box.dim}-D ({box}); pass a domain of the model's input dimension"
        )
    if first.bias is None:
        raise ValueError("uniform_density needs a first nn.Linear with a bias: eq. (4.5) sets b_j")
    params = sample_uniform_density(n, box, seed=seed, radius_range=radius_range, gamma=gamma)
    with torch.no_grad():
        first.weight.copy_(torch.from_numpy(params.weights).to(first.weight))
        first.bias.copy_(torch.from_numpy(params.biases).to(first.bias))
    return params
