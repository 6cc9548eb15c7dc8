"""Partitions of unity by boxes, ``psi_i = 1_{Omega_i}``, for the random feature method (paper 000 Sec. 4.2).

The subdomains ``Omega_1..Omega_P`` are disjoint boxes covering the domain: a grid of equal boxes
(:func:`grid_partition`; paper 000 Example 4.3 uses ``(3, 3)``) or boxes listed by hand, checked to lie
in the domain with disjoint interiors and to fill its volume. The indicator functions form a partition
of unity: every point of ``Omega`` is given to exactly one subdomain, the first one (in the listed
order) that contains it, so points on shared faces are not counted twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from rankscope._checks import check_positive_int, describe
from rankscope.sampling.domains import Box, Domain, as_box

__all__ = ["grid_partition"]

Partition = None | Sequence[int] | Sequence[Box]


def grid_partition(domain: Domain, counts: Sequence[int]) -> tuple[Box, ...]:
    """Cut a box into ``counts[0] x ... x counts[d-1]`` equal boxes, listed in C order.

    Example:
        >>> [b.lows for b in grid_partition(Box((0.0, 0.0), (2.0, 1.0)), (2, 1))]
        [(0.0, 0.0), (1.0, 0.0)]
    """
    box = as_box(domain)
    if isinstance(counts, (str, bytes)) or not isinstance(counts, Sequence):
        raise TypeError(f"partition must be a sequence of {box.dim} positive ints; got {describe(counts)}")
    if len(counts) != box.dim:
        raise ValueError(
            f"partition must give one count per axis of the {box.dim}-D domain; got {tuple(counts)!r}"
        )
    counts = [check_positive_int(f"partition[{i}]", c) for i, c in enumerate(counts)]
    edges = [np.linspace(lo, hi, c + 1) for lo, hi, c in zip(box.lows, box.highs, counts, strict=True)]
    cells = []
    for idx in itertools.product(*(range(c) for c in counts)):
        lows = tuple(float(edges[a][i]) for a, i in enumerate(idx))
        highs = tuple(float(edges[a][i + 1]) for a, i in enumerate(idx))
        cells.append(Box(lows, highs))
    return tuple(cells)


def _check_cover(box: Box, cells: tuple[Box, ...]) -> None:
    """Raise unless ``cells`` lie in ``box``, have disjoint interiors and fill its volume."""
    tol = 1e-12 * float(np.max(box.widths))
    lows, highs = np.asarray(box.lows), np.asarray(box.highs)
    for i, c in enumerate(cells):
        if c.dim != box.dim:
            raise ValueError(f"partition[{i}] is {c.dim}-D but the domain is {box.dim}-D")
        if np.any(np.asarray(c.lows) < lows - tol) or np.any(np.asarray(c.highs) > highs + tol):
            raise ValueError(f"partition[{i}] = {c} is not inside the domain {box}")
    for i, j in itertools.combinations(range(len(cells)), 2):
        a, b = cells[i], cells[j]
        overlap = np.minimum(np.asarray(a.highs), b.highs) - np.maximum(np.asarray(a.lows), b.lows)
        if np.all(overlap > tol):
            raise ValueError(
                f"partition[{i}] = {a} and partition[{j}] = {b} overlap; subdomains must be disjoint"
            )
    total = sum(c.volume for c in cells)
    if abs(total - box.volume) > 1e-9 * box.volume:
        raise ValueError(
            f"partition does not cover the domain {box}: its {len(cells)} subdomains have total volume "
            f"{total:.6g} but the domain has volume {box.volume:.6g}"
        )


def _subdomains(domain: Box, partition: Partition) -> tuple[Box, ...]:
    """The boxes ``Omega_i`` that a ``partition`` argument of ``RandomFeatureModel`` stands for."""
    if partition is None:
        return (domain,)
    if isinstance(partition, (str, bytes)) or not isinstance(partition, Sequence) or not partition:
        raise TypeError(
            f"partition must be None, a tuple of {domain.dim} ints or a sequence of Boxes; "
            f"got {describe(partition)}"
        )
    cells = tuple(p for p in partition if isinstance(p, Box))
    if len(cells) == len(partition):
        _check_cover(domain, cells)
        return cells
    return grid_partition(domain, partition)  # type: ignore[arg-type]


def _subdomain_index(domain: Box, subdomains: tuple[Box, ...], pts: np.ndarray) -> np.ndarray:
    """Index ``i`` of the subdomain each point of ``pts`` (m, d) belongs to (the first listed), (m,)."""
    tol = 1e-12 * float(np.max(domain.widths))
    index = np.full(pts.shape[0], -1, dtype=np.int64)
    for i, b in enumerate(subdomains):
        inside = np.all((pts >= np.asarray(b.lows) - tol) & (pts <= np.asarray(b.highs) + tol), axis=1)
        index[(index < 0) & inside] = i
    if np.any(index < 0):
        k = int(np.flatnonzero(index < 0)[0])
        raise ValueError(
            f"x has {int(np.sum(index < 0))} points outside the domain {domain}, "
            f"e.g. x[{k}] = {pts[k].tolist()}"
        )
    return index
