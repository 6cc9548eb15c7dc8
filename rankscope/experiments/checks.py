"""Claims of a paper beside what a run measured, decided by a criterion with a margin.

A :class:`Check` says whether a claim holds in this run. When its criterion is quantitative, the check
also carries a **margin**: the signed distance of the measured value from the criterion's boundary,
in units the criterion states (relative for ratios, decades for log-scale quantities, absolute for
slopes). Positive means the claim holds, negative that it fails. A margin smaller in size than the
check's **band** makes the verdict *fragile*: the claim sits so close to its criterion that another CPU,
BLAS kernel or thread count may flip it, so tests never assert a fragile check either way.

The helpers :func:`at_least`, :func:`at_most` and :func:`all_of` build margins from values:

    >>> round(at_least(1.2, 1.0), 12)   # 1.2 >= 1.0, relative margin 0.2
    0.2
    >>> round(all_of(at_least(1.2, 1.0), at_most(0.5, 1.0)), 12)   # both must hold: the smaller
    0.2
    >>> Check.by_margin("x exceeds 1", "x > 1", "x = 1.02", at_least(1.02, 1.0)).status
    'fragile'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "DEFAULT_BAND",
    "Check",
    "Status",
    "all_of",
    "any_of",
    "at_least",
    "at_most",
    "status_of",
    "unexpected_failures",
]

#: Default half-width of the fragile band, in the margin's units (5% for relative margins).
DEFAULT_BAND = 0.05

Status = Literal["holds", "fragile", "fails"]


def _finite(name: str, value: float) -> float:
    v = float(value)
    if math.isnan(v):
        return -math.inf  # an undefined measurement cannot satisfy a criterion
    return v


def at_least(value: float, threshold: float, *, scale: float | None = None) -> float:
    """Margin of ``value >= threshold``: ``(value - threshold) / scale``, scale ``|threshold|`` by default.

    With ``threshold == 0`` and no ``scale`` the margin is absolute. NaN gives ``-inf`` (fails).
    """
    v, t = _finite("value", value), float(threshold)
    s = float(scale) if scale is not None else (abs(t) if t != 0 else 1.0)
    if s <= 0 or not math.isfinite(s):
        raise ValueError(f"scale must be a finite number > 0; got {scale!r}")
    if v == -math.inf:
        return -math.inf
    return (v - t) / s


def at_most(value: float, threshold: float, *, scale: float | None = None) -> float:
    """Margin of ``value <= threshold``: ``(threshold - value) / scale`` (see :func:`at_least`)."""
    v = _finite("value", value)
    if v == -math.inf:
        return -math.inf
    return -at_least(v, threshold, scale=scale) if v != math.inf else -math.inf


def all_of(*margins: float | Iterable[float]) -> float:
    """Margin of a conjunction (every part must hold): the smallest margin."""
    flat = _flatten(margins)
    if not flat:
        raise ValueError("all_of needs at least one margin")
    return min(flat)


def any_of(*margins: float | Iterable[float]) -> float:
    """Margin of a disjunction (one part suffices): the largest margin."""
    flat = _flatten(margins)
    if not flat:
        raise ValueError("any_of needs at least one margin")
    return max(flat)


def _flatten(margins: tuple[Any, ...]) -> list[float]:
    out: list[float] = []
    for m in margins:
        if isinstance(m, (int, float)):
            out.append(float(m) if not math.isnan(float(m)) else -math.inf)
        else:
            out.extend(_flatten(tuple(m)))
    return out


def status_of(holds: bool, margin: float | None, band: float) -> Status:
    """``fragile`` when the margin is known and within the band, else ``holds``/``fails``."""
    if margin is not None and abs(margin) < band:
        return "fragile"
    return "holds" if holds else "fails"


@dataclass(frozen=True)
class Check:
    """One claim of a paper beside what a run measured.

    Attributes:
        name: the claim, short.
        paper: what the paper states or reports.
        ours: what this run measured, with the criterion.
        holds: whether the criterion holds in this run.
        margin: signed distance from the criterion's boundary (``None`` for a yes/no claim with no
            quantitative criterion); ``holds == (margin >= 0)`` when given.
        band: half-width of the fragile band in the margin's units.
    """

    name: str
    paper: str
    ours: str
    holds: bool
    margin: float | None = None
    band: float = DEFAULT_BAND

    def __post_init__(self) -> None:
        if self.margin is not None and math.isnan(self.margin):
            raise ValueError(f"check {self.name!r}: margin must not be NaN (use -inf for a failure)")
        if not (self.band >= 0 and math.isfinite(self.band)):
            raise ValueError(f"check {self.name!r}: band must be a finite number >= 0; got {self.band!r}")
        if self.margin is not None and bool(self.holds) != (self.margin >= 0):
            raise ValueError(
                f"check {self.name!r}: holds={self.holds} disagrees with margin {self.margin:.3g} "
                "(holds means margin >= 0)"
            )

    @classmethod
    def by_margin(
        cls, name: str, paper: str, ours: str, margin: float, *, band: float = DEFAULT_BAND
    ) -> Check:
        """A check decided by its margin: it holds when ``margin >= 0``."""
        m = float(margin)
        if math.isnan(m):
            m = -math.inf
        return cls(name, paper, ours, m >= 0, m, band)

    @property
    def status(self) -> Status:
        """``holds``, ``fragile`` (within its band of the criterion) or ``fails``."""
        return status_of(self.holds, self.margin, self.band)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "paper": self.paper,
            "ours": self.ours,
            "holds": bool(self.holds),
            "status": self.status,
        }
        if self.margin is not None:
            # JSON has no infinity: a margin of -inf (an undefined value) is stored as a large negative
            out["margin"] = max(min(float(self.margin), 1e300), -1e300)
            out["band"] = float(self.band)
        return out


def unexpected_failures(
    checks: Iterable[dict[str, Any]], documented: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The checks (as stored in ``summary.json``) that fail clearly and are not documented as failing.

    A check *fails clearly* when its status is ``fails``: outside its fragile band, or a yes/no check
    that does not hold. Fragile checks are never returned (they are reported, not asserted), and
    neither are the ``documented`` claims that a preset honestly does not reproduce. This is the
    assertion the experiment tests make: what is robust holds; nothing else is pinned.
    """
    allowed = set(documented)
    out = []
    for check in checks:
        status = check.get("status") or ("holds" if check["holds"] else "fails")
        if status == "fails" and check["name"] not in allowed:
            out.append(check)
    return out
