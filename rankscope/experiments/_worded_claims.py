"""Claim rows whose check is worded from the config: a name or paper statement that quotes a setting.

A :class:`~rankscope.experiments.claims.Claim` has a fixed ``name`` and ``paper``. Some claims quote a
configured value in them: a cut-off (``H_A_AD(1e-12) > H_A_FD(1e-12)``), a size (``at M = N = 300``),
a depth. A :class:`WordedClaim` keeps a fixed ``name`` (the row's key in its table, distinct from the
other rows') and words the check it returns with ``title(config)`` and ``quote(config)``:

    >>> from types import SimpleNamespace
    >>> row = WordedClaim(
    ...     "H(a) positive",
    ...     paper="H(a) > 0",
    ...     reads=("H",),
    ...     criterion=lambda m, cfg: m["H"] > 0,
    ...     describe=lambda m, cfg: f"H = {m['H']}",
    ...     title=lambda cfg: f"H({cfg.cutoff:g}) positive",
    ... )
    >>> row.evaluate({"H": 0.1}, SimpleNamespace(cutoff=1e-12)).name
    'H(1e-12) positive'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim

__all__ = ["WordedClaim"]


@dataclass(frozen=True)
class WordedClaim(Claim):
    """A :class:`Claim` whose check is named ``title(config)`` and quotes ``quote(config)`` (each
    optional: the row's ``name``/``paper`` otherwise)."""

    title: Callable[[Any], str] | None = None
    quote: Callable[[Any], str] | None = None

    def evaluate(self, measures: Any, config: Any) -> Check:
        check = super().evaluate(measures, config)
        return dataclasses.replace(
            check,
            name=check.name if self.title is None else self.title(config),
            paper=check.paper if self.quote is None else self.quote(config),
        )
