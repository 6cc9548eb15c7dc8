"""Random and quasi-random rules: plain Monte Carlo and scrambled Sobol' points, weights ``volume / n``.

Paper 000, Sec. 4 uses Monte Carlo for the mass matrix of eq. (4.1) in high dimension. Both rules
take an explicit non-negative ``seed`` (habit 9); equal seeds give identical rules.
"""

from __future__ import annotations

import numpy as np

from rankscope._checks import check_positive_int, describe
from rankscope.sampling.domains import Domain, as_box
from rankscope.sampling.quadrature import Quadrature

__all__ = ["monte_carlo", "sobol"]


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative integer; got {describe(seed)}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}")
    return int(seed)


def monte_carlo(domain: Domain, n: int, *, seed: int = 0) -> Quadrature:
    """Plain Monte Carlo: ``n`` i.i.d. uniform points, weights ``volume / n``.

    ``∫_Ω f ≈ (|Ω|/n) sum_k f(x_k)``, error ``O(n^{-1/2})``; paper 000 Sec. 4 uses it for the mass
    matrix in high dimension. Points come from ``numpy.random.default_rng(seed)``.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: number of points (positive int).
        seed: non-negative int; equal seeds give identical rules.

    Example:
        >>> from rankscope.sampling import Box
        >>> q = monte_carlo(Box.cube(0.0, 2.0, 3), 100, seed=1)
        >>> q.points.shape, round(q.total_weight, 12)
        ((100, 3), 8.0)
    """
    box = as_box(domain)
    n = check_positive_int("n", n)
    rng = np.random.default_rng(_check_seed(seed))
    lows = np.asarray(box.lows)
    pts = lows + np.asarray(box.widths) * rng.random((n, box.dim))
    return Quadrature(pts, np.full(n, box.volume / n), "monte_carlo")


def sobol(domain: Domain, n: int, *, seed: int = 0, scramble: bool = True) -> Quadrature:
    """Quasi-Monte Carlo with the first ``n`` points of a (scrambled) Sobol' sequence.

    Points from ``scipy.stats.qmc.Sobol(d, scramble=scramble, rng=default_rng(seed))`` mapped to the
    box, weights ``volume / n``. Error ``O(n^{-1} log^d n)`` (about ``n^{-3/2}`` for scrambled
    nets on smooth integrands). Best with ``n`` a power of two (balanced nets); for other ``n``
    the first ``n`` points of the next power-of-two net are used -- the same points as
    ``Sobol.random(n)`` but without its balance warning. Without scrambling the sequence is
    deterministic and starts at the corner ``lows``; ``seed`` is then irrelevant.

    Args:
        domain: :class:`Interval`, :class:`Box` or ``(low, high)``, dimension d.
        n: number of points (positive int).
        seed: non-negative int for the scrambling.
        scramble: Owen scrambling with digital shift (recommended).

    Example:
        >>> from rankscope.sampling import Box
        >>> q = sobol(Box.cube(0.0, 1.0, 2), 1024)
        >>> abs(q.integrate(lambda x: x[:, 0] * x[:, 1]) - 0.25) < 1e-4
        True
    """
    from scipy.stats import qmc

    box = as_box(domain)
    n = check_positive_int("n", n)
    seed = _check_seed(seed)
    if not isinstance(scramble, (bool, np.bool_)):
        raise TypeError(f"scramble must be a bool; got {describe(scramble)}")
    try:
        engine = qmc.Sobol(box.dim, scramble=bool(scramble), rng=np.random.default_rng(seed))
    except TypeError:  # pragma: no cover - scipy < 1.15 names the argument `seed`
        engine = qmc.Sobol(box.dim, scramble=bool(scramble), seed=np.random.default_rng(seed))
    unit = engine.random_base2((n - 1).bit_length())[:n]
    pts = np.asarray(box.lows) + np.asarray(box.widths) * unit
    return Quadrature(pts, np.full(n, box.volume / n), "sobol")
