"""The reproduction ledger: every claim of every experiment over seeds, with one verdict each.

``rankscope reproduce`` runs each experiment over seeds ``0 .. S-1`` (one sweep per experiment) and
writes ``ledger.json``: a :class:`Ledger` of one :class:`ExperimentLedger` per experiment, each with
one :class:`LedgerRow` per claim row of its table (:class:`rankscope.experiments.claims.Claim`):
the paper's statement, each seed's outcome (:class:`SeedOutcome`: holds, status, margin, what it
measured), the claim's ``reads`` measures as mean ± std over seeds, the margin's mean, spread and
``z`` and the verdict — ``robust``, ``fragile``, ``not reproduced`` or ``paper inconsistent``, decided
by :func:`rankscope.sweep.verdict.verdict_of` (the rule is stated there). This module is the data
and its JSON form; :mod:`rankscope.sweep.verdict` builds the rows from the seeds' outcomes and
:mod:`rankscope.sweep.ledger_store` reads the run directories and writes the file.

Example:
    >>> row = LedgerRow("e", "paper 000", "c", ("c",), "the paper", "ours", (), (), (), 1, 1,
    ...                 None, None, None, "robust", None)
    >>> ledger = Ledger((ExperimentLedger("e", "paper 000", "paper 000", "", (0,), 1, 0, 2.0, (), (row,)),),
    ...                 preset="quick", seeds=1, command="rankscope reproduce e", date="2025-01-01")
    >>> Ledger.from_json(ledger.to_json()) == ledger
    True
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rankscope.store import to_jsonable
from rankscope.sweep.stats import MeasureStats

__all__ = ["FORMAT", "VERDICTS", "ExperimentLedger", "Ledger", "LedgerRow", "SeedOutcome", "Verdict"]

Verdict = Literal["robust", "fragile", "not reproduced", "paper inconsistent"]
VERDICTS: tuple[Verdict, ...] = ("robust", "fragile", "not reproduced", "paper inconsistent")
FORMAT = "rankscope-ledger/1"


@dataclass(frozen=True)
class SeedOutcome:
    """One seed's verdict on one claim; ``status`` is ``holds``/``fragile``/``fails``, or ``missing``
    when the seed's run left no check (it failed, did not finish, or the check is absent)."""

    seed: Any
    holds: bool
    status: str
    margin: float | None
    ours: str


@dataclass(frozen=True)
class LedgerRow:
    """One claim of one experiment over seeds; ``verdict`` by :func:`rankscope.sweep.verdict.verdict_of`."""

    experiment: str
    paper: str
    claim: str
    check_names: tuple[str, ...]
    statement: str
    criterion: str
    reads: tuple[str, ...]
    seeds: tuple[SeedOutcome, ...]
    values: tuple[MeasureStats, ...]
    held: int
    total: int
    margin_mean: float | None
    margin_std: float | None
    z: float | None
    verdict: Verdict
    diagnosis: str | None
    inconsistency: str | None = None
    band: float | None = None

    @property
    def undiagnosed(self) -> bool:
        """Fragile or not reproduced, and no diagnosis says why."""
        return self.verdict in ("fragile", "not reproduced") and not self.diagnosis


@dataclass(frozen=True)
class ExperimentLedger:
    """One experiment's rows, with its seeds complete and failed and the mean wall time per seed."""

    name: str
    paper: str
    source: str
    summary: str
    seeds: tuple[Any, ...]
    complete: int
    failed: int
    wall_mean: float | None
    errors: tuple[str, ...]
    rows: tuple[LedgerRow, ...]


@dataclass(frozen=True)
class Ledger:
    """The reproduction ledger: every experiment's rows and where, when and how it was made."""

    experiments: tuple[ExperimentLedger, ...]
    preset: str
    seeds: int
    command: str
    date: str
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> tuple[LedgerRow, ...]:
        return tuple(r for e in self.experiments for r in e.rows)

    def counts(self) -> dict[str, int]:
        """``{verdict: number of rows}`` for each of :data:`VERDICTS`, plus ``undiagnosed``."""
        out: dict[str, int] = {v: sum(r.verdict == v for r in self.rows) for v in VERDICTS}
        out["undiagnosed"] = sum(r.undiagnosed for r in self.rows)
        return out

    def to_json(self) -> str:
        """The ledger as JSON (non-finite floats as the strings ``"inf"``, ``"-inf"``, ``"nan"``)."""
        doc = {"format": FORMAT, **asdict(self), "counts": self.counts()}
        for e_doc, e in zip(doc["experiments"], self.experiments, strict=True):
            for r_doc, r in zip(e_doc["rows"], e.rows, strict=True):
                r_doc["undiagnosed"] = r.undiagnosed  # for readers of the file; recomputed on load
        doc["provenance"] = to_jsonable(dict(self.provenance))
        return json.dumps(_encode(doc), indent=1, allow_nan=False, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Ledger:
        """The inverse of :meth:`to_json`; raises ``ValueError`` for another format."""
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not a rankscope ledger (expected format {FORMAT!r})")
        return cls(
            experiments=tuple(_experiment_from(e) for e in doc["experiments"]),
            preset=str(doc["preset"]),
            seeds=int(doc["seeds"]),
            command=str(doc["command"]),
            date=str(doc["date"]),
            provenance=doc.get("provenance") or {},
        )


def _encode(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, Mapping):
        return {str(k): _encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_encode(v) for v in obj]
    return obj


def _num(value: Any) -> float | None:
    return None if value is None else float(value)  # float("inf") / float("nan") read the strings back


def _stats_from(m: Mapping[str, Any]) -> MeasureStats:
    f = {k: float(m[k]) for k in ("mean", "std", "min", "max")}  # "nan" read back as NaN
    return MeasureStats(name=str(m["name"]), n=int(m["n"]), **f)


def _experiment_from(e: Mapping[str, Any]) -> ExperimentLedger:
    rows = tuple(
        LedgerRow(
            **{k: r[k] for k in ("experiment", "paper", "claim", "statement", "criterion", "held", "total")},
            check_names=tuple(r["check_names"]),
            reads=tuple(r["reads"]),
            seeds=tuple(SeedOutcome(**{**s, "margin": _num(s["margin"])}) for s in r["seeds"]),
            values=tuple(_stats_from(m) for m in r["values"]),
            margin_mean=_num(r["margin_mean"]),
            margin_std=_num(r["margin_std"]),
            z=_num(r["z"]),
            verdict=r["verdict"],
            diagnosis=r["diagnosis"],
            inconsistency=r.get("inconsistency"),
            band=_num(r.get("band")),
        )
        for r in e["rows"]
    )
    return ExperimentLedger(
        **{k: e[k] for k in ("name", "paper", "source", "summary", "complete", "failed")},
        seeds=tuple(e["seeds"]),
        wall_mean=_num(e["wall_mean"]),
        errors=tuple(e["errors"]),
        rows=rows,
    )
