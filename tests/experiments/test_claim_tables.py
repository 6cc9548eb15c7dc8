"""One test for every experiment's claim table, over the registry (instead of a copy per paper).

The fast tests check the tables' shape and that the committed reproduction ledger
(``docs/reproduction.json``, written by ``scripts/write_reproduction_docs.py`` from ``rankscope
reproduce --preset quick``) covers every claim, with a diagnosis for each one it does not find
robust. The slow test runs each experiment's ``quick`` preset and asserts what the ledger found
**robust** (held in every seed, with margin): every such claim holds, except claims decided by
wall-clock times (``Claim.timing``), which no test asserts. Claims the ledger calls fragile, not
reproduced or paper inconsistent are reported, never asserted, so no claim can flip with the CPU,
and a verdict changes only when the ledger is regenerated and committed.
"""

import json
from pathlib import Path

import pytest

from rankscope.experiments import REGISTRY, resolve_config, run_experiment
from rankscope.experiments.claims import Claim

NAMES = sorted(REGISTRY)
LEDGER = Path(__file__).resolve().parents[2] / "docs" / "reproduction.json"


def _ledger_rows(name):
    ledger = json.loads(LEDGER.read_text(encoding="utf-8"))
    assert ledger["preset"] == "quick", ledger["preset"]
    return [row for row in ledger["claims"] if row["experiment"] == name]


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_ledger_covers_every_claim(name):
    exp = REGISTRY[name]
    cfg = resolve_config(exp, "quick")
    rows = {row["claim"]: row for row in _ledger_rows(name)}
    expected = {c.name for c in exp.claims if c.applies(cfg)}
    assert set(rows) == expected, f"regenerate docs/reproduction.json: {sorted(set(rows) ^ expected)}"
    for row in rows.values():
        assert row["verdict"] in ("robust", "fragile", "not reproduced", "paper inconsistent"), row


@pytest.mark.parametrize("name", NAMES)
def test_every_experiment_declares_a_claim_table(name):
    exp = REGISTRY[name]
    assert exp.claims, f"{name} has no claim table"
    rows = [c.name for c in exp.claims]
    assert len(set(rows)) == len(rows), rows
    for row in exp.claims:
        assert isinstance(row, Claim)
        assert row.paper.strip() and row.reads, row.name
        assert callable(row.criterion) and callable(row.describe)
        assert row.band >= 0
    for preset, names in exp.not_reproduced.items():
        assert preset in exp.presets, (name, preset)
        assert set(names) <= set(rows), sorted(set(names) - set(rows))
    for preset in exp.presets:
        cfg = resolve_config(exp, preset)
        assert isinstance(cfg.threads, int) and cfg.threads >= 1
        assert any(row.applies(cfg) for row in exp.claims), (name, preset)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_quick_preset_reproduces_its_claims(name, tmp_path):
    exp = REGISTRY[name]
    run_experiment(name, "quick", tmp_path / "q")
    summary = json.loads((tmp_path / "q" / "summary.json").read_text())
    if summary.get("skipped"):
        pytest.skip(f"{name}: {summary['skipped']}")
    cfg = resolve_config(exp, "quick")
    assert len(summary["checks"]) == sum(row.applies(cfg) for row in exp.claims)
    timing = {row.name for row in exp.claims if row.timing}  # timings never go into tests
    robust = {row["claim"] for row in _ledger_rows(name) if row["verdict"] == "robust"} - timing
    names = {row.check_name(cfg): row.name for row in exp.claims if row.applies(cfg)}
    failing = [c for c in summary["checks"] if names[c["name"]] in robust and not c["holds"]]
    assert not failing, failing


@pytest.mark.parametrize("name", NAMES)
def test_every_claim_the_ledger_does_not_find_robust_has_a_diagnosis(name):
    exp = REGISTRY[name]
    for row in _ledger_rows(name):
        if row["verdict"] != "robust":
            assert row["claim"] in exp.diagnoses or row["claim"] in exp.paper_inconsistent, (
                f"{name}: {row['claim']!r} is {row['verdict']} in docs/reproduction.json but has no "
                "diagnosis: add it to the experiment's `diagnoses`"
            )


PAPER_LEDGER = LEDGER.with_name("reproduction-paper.json")


def test_the_paper_ledger_diagnoses_and_declares_what_it_does_not_find_robust():
    ledger = json.loads(PAPER_LEDGER.read_text(encoding="utf-8"))
    assert ledger["preset"] == "paper" and ledger["seeds"] >= 3, (ledger["preset"], ledger["seeds"])
    assert ledger["claims"], "the paper ledger is empty"
    for row in ledger["claims"]:
        exp = REGISTRY[row["experiment"]]
        claims = {c.name for c in exp.claims}
        assert row["claim"] in claims, row  # a renamed claim needs the ledger regenerated
        if row["verdict"] != "robust":
            assert row["claim"] in exp.diagnoses or row["claim"] in exp.paper_inconsistent, row
        if row["verdict"] == "not reproduced":
            assert row["claim"] in exp.not_reproduced.get("paper", frozenset()), row
