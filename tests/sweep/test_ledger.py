"""The ledger's data and its JSON form (rankscope.sweep.ledger): counts, round trip, non-finite values."""

import json
import math

import pytest

from rankscope.sweep.ledger import VERDICTS, ExperimentLedger, Ledger, LedgerRow, SeedOutcome
from rankscope.sweep.stats import MeasureStats


def make_row(claim="c", verdict="robust", z=None, margin=None, diagnosis=None, values=()):
    seeds = (
        SeedOutcome(0, True, "holds", margin, "ours 0"),
        SeedOutcome(1, False, "missing", None, "not run"),
    )
    return LedgerRow(
        experiment="e",
        paper="paper 000",
        claim=claim,
        check_names=(f"{claim}(1e-12)",),
        statement="the paper says so",
        criterion="ours 0",
        reads=("x",),
        seeds=seeds,
        values=values,
        held=1,
        total=2,
        margin_mean=margin,
        margin_std=None if margin is None else 0.0,
        z=z,
        verdict=verdict,
        diagnosis=diagnosis,
        band=None if margin is None else 0.05,
    )


def make_ledger(*rows):
    e = ExperimentLedger(
        "e", "paper 000", "paper 000, Fig. 2", "what e does", (0, 1), 1, 1, None, ("boom",), rows
    )
    return Ledger(
        (e,),
        preset="quick",
        seeds=2,
        command="rankscope reproduce e",
        date="2025-01-01T00:00:00+00:00",
        provenance={"cpu": "x", "nan": math.nan},
    )


def test_json_round_trip_keeps_non_finite_values():
    values = (
        MeasureStats("x", 1, 2.0, math.nan, 2.0, 2.0),
        MeasureStats("y", 0, math.nan, math.nan, -math.inf, math.inf),
    )
    rows = (
        make_row("a", z=math.inf, margin=0.7, values=values),
        make_row("b", "fragile", diagnosis="why"),
        make_row("c", "not reproduced", z=-math.inf, margin=-1e300),
    )
    ledger = make_ledger(*rows)
    text = ledger.to_json()
    doc = json.loads(text)  # strict JSON: no NaN or Infinity literals
    assert doc["format"] == "rankscope-ledger/1" and doc["experiments"][0]["rows"][0]["z"] == "inf"
    assert doc["provenance"]["nan"] is None
    back = Ledger.from_json(text)
    assert back.experiments[0].rows[1:] == rows[1:]
    a = back.experiments[0].rows[0]
    assert a.z == math.inf and a.values[0].name == "x" and math.isnan(a.values[0].std)
    assert a.values[1].min == -math.inf and a.values[1].max == math.inf
    assert (back.preset, back.seeds, back.command, back.date) == (
        "quick",
        2,
        "rankscope reproduce e",
        ledger.date,
    )


def test_counts_and_undiagnosed():
    ledger = make_ledger(make_row("a"), make_row("b", "fragile"), make_row("c", "fragile", diagnosis="known"))
    counts = ledger.counts()
    assert [counts[v] for v in VERDICTS] == [1, 2, 0, 0] and counts["undiagnosed"] == 1
    assert [r.claim for r in ledger.rows] == ["a", "b", "c"]
    doc = json.loads(ledger.to_json())
    assert [r["undiagnosed"] for r in doc["experiments"][0]["rows"]] == [False, True, False]
    assert doc["counts"]["fragile"] == 2


def test_from_json_refuses_another_document():
    with pytest.raises(ValueError, match="not a rankscope ledger"):
        Ledger.from_json('{"format": "rankscope-sweep/1"}')
