"""Claim tables: each paper claim an experiment reproduces, declared once and decided by the runner.

An experiment's ``run`` returns a :class:`Result` (the measures it recorded and the arrays behind its
figures); its ``claims`` class attribute is a table of :class:`Claim` rows. The runner evaluates each
row on the result's measures (:func:`evaluate_claims`) and writes the verdicts into ``summary.json``.
Because a claim reads only the measures, the same table decides a claim again from a stored summary,
which is what a reproduction ledger over seeds consumes.

A row names the claim, quotes what the paper states (and its value), names the measures it reads,
and gives a criterion and a description:

    >>> row = Claim(
    ...     "rank grows",
    ...     paper="the eps-rank grows during training (Fig. 2)",
    ...     reads=("initial_eps_rank", "final_eps_rank"),
    ...     criterion=lambda m, cfg: at_least(m["final_eps_rank"], m["initial_eps_rank"] + 5),
    ...     describe=lambda m, cfg: f"{m['initial_eps_rank']} -> {m['final_eps_rank']} (rise >= 5)",
    ... )
    >>> check = row.evaluate({"initial_eps_rank": 2, "final_eps_rank": 12}, None)
    >>> check.holds, check.status, round(check.margin, 3)
    (True, 'holds', 0.714)

The criterion returns a **margin** (a float: the claim holds when it is >= 0, and is *fragile* within
``band`` of 0; see :mod:`rankscope.experiments.checks`) or, for a yes/no claim with no quantitative
boundary, a ``bool``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankscope.experiments.checks import DEFAULT_BAND, Check, all_of, any_of, at_least, at_most

__all__ = ["Claim", "Result", "all_of", "any_of", "at_least", "at_most", "evaluate_claims"]

Measures = Mapping[str, Any]


@dataclass
class Result:
    """What an experiment's ``run`` returns: its measures and the arrays behind its figures.

    Attributes:
        measures: JSON-able measured values; the claims read them and ``summary.json`` stores them.
        arrays: arrays the runner writes to ``arrays.npz`` (e.g. spectra per step).
        skipped: a reason when the experiment could not run here (a missing optional package); the
            runner then evaluates no claim and records the reason.
    """

    measures: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    skipped: str | None = None


@dataclass(frozen=True)
class Claim:
    """One row of a claim table.

    Attributes:
        name: the claim, short (also its key in the summary and in the ledger).
        paper: what the paper states, with its value and where (section, figure, equation).
        reads: the names of the measures the claim reads (documentation, and the ledger's columns).
        criterion: ``(measures, config) -> margin`` (float; holds when >= 0) or ``-> bool``.
        describe: ``(measures, config) -> str``: what this run measured, with the criterion stated.
        band: half-width of the fragile band, in the margin's units.
        when: ``(config) -> bool``: whether the claim applies to this config (default: always), e.g.
            a claim about 2D runs when the config has no 2D problem.
        title: ``(config) -> str``: the check's name when it quotes a setting (``H_A_AD(1e-12) >
            H_A_FD(1e-12)``); ``name`` stays the row's fixed key in its table.
        quote: ``(config) -> str``: the paper statement when it quotes a setting.
        timing: the claim is decided by wall-clock times (a speed-up, a cost slope, an equal-time
            comparison). The reproduction ledger decides it on the machine that ran it; the test
            suite never asserts it, since timings never go into unit tests.
    """

    name: str
    paper: str
    reads: Sequence[str]
    criterion: Callable[[Any, Any], float | bool]
    describe: Callable[[Any, Any], str]
    band: float = DEFAULT_BAND
    when: Callable[[Any], bool] | None = None
    title: Callable[[Any], str] | None = None
    quote: Callable[[Any], str] | None = None
    timing: bool = False

    def check_name(self, config: Any) -> str:
        """The name of the check this row gives under ``config``."""
        return self.name if self.title is None else self.title(config)

    def applies(self, config: Any) -> bool:
        return self.when is None or bool(self.when(config))

    def evaluate(self, measures: Any, config: Any) -> Check:
        """The verdict of this claim on ``measures`` (a :class:`Check`)."""
        verdict = self.criterion(measures, config)
        ours = self.describe(measures, config)
        name = self.check_name(config)
        paper = self.paper if self.quote is None else self.quote(config)
        if isinstance(verdict, (bool, np.bool_)):
            return Check(name, paper, ours, bool(verdict))
        margin = float(verdict)
        return Check.by_margin(name, paper, ours, -math.inf if math.isnan(margin) else margin, band=self.band)


def evaluate_claims(claims: Sequence[Claim], measures: Any, config: Any) -> list[Check]:
    """Evaluate every applicable row of a claim table; names must be distinct."""
    names = [c.name for c in claims]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"claim names must be distinct; {dup} appear more than once")
    return [c.evaluate(measures, config) for c in claims if c.applies(config)]
