"""The verdict on each claim over seeds, and the ledger rows built from the seeds' outcomes.

For each claim row of an experiment's table, :func:`claim_rows` collects every seed's check (found by
the row's ``check_name(config)``), the claim's ``reads`` measures as mean ± std over seeds, and the
margin's mean, spread and ``z = margin_mean / margin_std`` (:func:`margin_stats`). The verdict
(:func:`verdict_of`) is:

* ``robust`` — the claim holds in every seed, no seed is *fragile* (within its band of the
  criterion), and, for a claim with a margin measured in at least two seeds, ``z >= Z_ROBUST``
  (2: the mean margin stands two seed spreads above the criterion's boundary);
* ``fragile`` — it holds in at least one seed but is not robust;
* ``not reproduced`` — it holds in no seed (a seed whose run failed or is missing does not hold);
* ``paper inconsistent`` — the experiment declares the claim in ``paper_inconsistent`` (the
  paper's own numbers or text contradict it), whatever the seeds say.

A fragile or not-reproduced row carries the experiment's ``diagnoses[claim]`` (what was tried and
the cause); without one it is *undiagnosed*. Everything here is a pure function of the seeds'
outcomes (:class:`SeedRun`); :mod:`rankscope.sweep.ledger_store` reads them from run directories.

Example:
    >>> runs = [SeedOutcome(s, True, "holds", m, "") for s, m in enumerate([0.9, 1.0, 1.1])]
    >>> mean, std, z = margin_stats([o.margin for o in runs])
    >>> round(z, 6), verdict_of(runs, z)
    (10.0, 'robust')
    >>> verdict_of(runs[:2] + [SeedOutcome(2, False, "fails", -0.5, "")], z)
    'fragile'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankscope.sweep.ledger import ExperimentLedger, LedgerRow, SeedOutcome, Verdict
from rankscope.sweep.stats import flatten_measures, measure_stats

__all__ = [
    "Z_ROBUST",
    "SeedRun",
    "claim_rows",
    "experiment_ledger",
    "margin_stats",
    "paper_key",
    "verdict_of",
]

#: A claim with a margin is robust only if its mean margin is at least this many sample standard
#: deviations (over seeds) above zero: a margin within two seed spreads of the criterion's boundary
#: is one unlucky seed away from failing, however often it held.
Z_ROBUST = 2.0

#: :attr:`SeedRun.error` of a seed whose run never started, and of one that started and did not finish
NOT_RUN = "not run yet"
UNFINISHED = "did not finish"


@dataclass(frozen=True)
class SeedRun:
    """What one seed's run left, the input of :func:`claim_rows`.

    Attributes:
        seed: the seed.
        config: the run's resolved config (``None`` if it could not be read; every claim applies).
        checks: ``summary.json["checks"]``, or ``None`` when the run has no summary.
        measures: ``summary.json["measures"]``.
        seconds: the run's wall time, when it finished.
        error: why there is no result: the run's error, ``skipped: ...``, :data:`NOT_RUN` or
            :data:`UNFINISHED`.
    """

    seed: Any
    config: Any
    checks: Sequence[Mapping[str, Any]] | None
    measures: Mapping[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    error: str | None = None


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def paper_key(source: str) -> str:
    """``"paper 000"`` from an experiment's ``paper`` text (``"paper 000, Example 2.6 (i), Fig. 2"``)."""
    match = re.search(r"paper\s+(\w+)", source)
    return f"paper {match.group(1)}" if match else source.split(",")[0].strip() or "paper ?"


def margin_stats(margins: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """``(mean, std, z)`` of the seeds' margins: sample std (``ddof = 1``) and ``z = mean / std``.

    ``std`` and ``z`` are ``None`` for fewer than two margins; a zero spread gives ``z = +inf``
    (mean > 0), ``-inf`` (mean < 0) or ``0``. No margin at all gives ``(None, None, None)``.
    """
    if not margins:
        return None, None, None
    m = np.clip(np.asarray(margins, dtype=np.float64), -1e300, 1e300)  # summaries store -inf as -1e300
    scale = float(np.max(np.abs(m))) or 1.0  # z is scale-free: computed on m / scale, no overflow
    s = m / scale
    mean = float(np.mean(s))
    if s.size < 2:
        return mean * scale, None, None
    std = float(np.std(s, ddof=1))
    if std == 0:
        z = math.inf if mean > 0 else (-math.inf if mean < 0 else 0.0)
    else:
        z = mean / std
    return mean * scale, std * scale, z


def verdict_of(seeds: Sequence[SeedOutcome], z: float | None, *, inconsistent: bool = False) -> Verdict:
    """The verdict on one claim from its seeds' outcomes and ``z`` (see the module docstring)."""
    if inconsistent:
        return "paper inconsistent"
    held = sum(o.holds for o in seeds)
    if held == 0:
        return "not reproduced"
    with_margin = sum(o.margin is not None for o in seeds)
    steady = with_margin < 2 or (z is not None and z >= Z_ROBUST)
    if held == len(seeds) and not any(o.status == "fragile" for o in seeds) and steady:
        return "robust"
    return "fragile"


def _read_keys(flat: Mapping[str, float], reads: Sequence[str]) -> list[str]:
    """The dotted keys of ``flat`` a claim's ``reads`` name: the read itself, its nested keys
    (``read.x``) and the read nested under a group (``L2_n50.read``)."""
    out = []
    for key in flat:
        if any(
            key == r or key.startswith(f"{r}.") or key.endswith(f".{r}") or f".{r}." in key for r in reads
        ):
            out.append(key)
    return out


def _failure(error: str) -> str:
    """The diagnosis of a claim no seed could decide, from the first run's error."""
    if error.startswith("skipped"):
        return f"run {error}"
    if error in (NOT_RUN, UNFINISHED):
        return f"{error}: finish it with `rankscope reproduce --out ROOT --resume`"
    return f"run failed: {error}"


def _outcome(run: SeedRun, name: str) -> tuple[SeedOutcome, Mapping[str, Any] | None]:
    check = next((c for c in run.checks or () if c.get("name") == name), None)
    if check is None:
        return SeedOutcome(run.seed, False, "missing", None, run.error or "no result for this check"), None
    holds = bool(check["holds"])
    margin = check.get("margin")
    status = str(check.get("status") or ("holds" if holds else "fails"))
    ours = str(check.get("ours", ""))
    return SeedOutcome(run.seed, holds, status, None if margin is None else float(margin), ours), check


def claim_rows(exp: Any, runs: Sequence[SeedRun]) -> tuple[LedgerRow, ...]:
    """One :class:`LedgerRow` per claim row of ``exp.claims`` that applies to some seed's config.

    ``exp`` is an experiment (``name``, ``paper``, ``claims``, and optionally ``diagnoses`` and
    ``paper_inconsistent``, both ``{claim row name: text}``). A seed's check is found by the row's
    ``check_name(config)``. When no seed left a check and a run failed, the diagnosis is
    ``run failed: <error>``.
    """
    inconsistent: Mapping[str, str] = getattr(exp, "paper_inconsistent", {}) or {}
    diagnoses: Mapping[str, str] = getattr(exp, "diagnoses", {}) or {}
    rows = []
    for claim in exp.claims:
        outcomes: list[SeedOutcome] = []
        names: dict[str, None] = {}
        flats: list[dict[str, float]] = []
        checks: list[Mapping[str, Any]] = []
        for run in runs:
            if run.config is not None and not claim.applies(run.config):
                continue
            name = claim.check_name(run.config) if run.config is not None else claim.name
            outcome, check = _outcome(run, name)
            outcomes.append(outcome)
            if check is not None:
                names[name] = None
                checks.append(check)
                flats.append(flatten_measures(run.measures))
        if not outcomes:
            continue
        flat_keys = _read_keys({k: 0.0 for f in flats for k in f}, tuple(claim.reads))
        values = tuple(measure_stats([{k: f[k] for k in flat_keys if k in f} for f in flats]))
        mean, std, z = margin_stats([o.margin for o in outcomes if o.margin is not None])
        verdict = verdict_of(outcomes, z, inconsistent=claim.name in inconsistent)
        diagnosis = diagnoses.get(claim.name)
        errors = [r.error for r in runs if r.error]
        if not checks and errors:
            diagnosis = _failure(errors[0])
        rows.append(
            LedgerRow(
                experiment=exp.name,
                paper=paper_key(exp.paper),
                claim=claim.name,
                check_names=tuple(names) or (claim.name,),
                statement=str(checks[0].get("paper", "")) if checks else claim.paper,
                criterion=str(checks[0].get("ours", "")) if checks else "",
                reads=tuple(claim.reads),
                seeds=tuple(outcomes),
                values=values,
                held=sum(o.holds for o in outcomes),
                total=len(outcomes),
                margin_mean=mean,
                margin_std=std,
                z=z,
                verdict=verdict,
                diagnosis=diagnosis,
                inconsistency=inconsistent.get(claim.name),
                band=_num(checks[0].get("band")) if checks and mean is not None else None,
            )
        )
    return tuple(rows)


def experiment_ledger(exp: Any, runs: Sequence[SeedRun], *, failed: int | None = None) -> ExperimentLedger:
    """``exp``'s rows over ``runs`` with its seeds complete/failed and the mean wall time per seed
    (``failed`` defaults to the runs without a summary)."""
    complete = [r for r in runs if r.checks is not None]
    seconds = [r.seconds for r in complete if r.seconds is not None]
    return ExperimentLedger(
        name=exp.name,
        paper=paper_key(exp.paper),
        source=exp.paper,
        summary=str(getattr(exp, "summary", "")),
        seeds=tuple(r.seed for r in runs),
        complete=len(complete),
        failed=len(runs) - len(complete) if failed is None else failed,
        wall_mean=float(np.mean(seconds)) if seconds else None,
        errors=tuple(dict.fromkeys(r.error for r in runs if r.error)),
        rows=claim_rows(exp, runs),
    )
