"""The verdict on a claim over seeds (rankscope.sweep.verdict), on hand-built seeds' outcomes."""

import math
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from rankscope.experiments.checks import Check, at_least
from rankscope.experiments.claims import Claim
from rankscope.sweep.verdict import (
    Z_ROBUST,
    SeedRun,
    claim_rows,
    experiment_ledger,
    margin_stats,
    paper_key,
    verdict_of,
)


@dataclass(frozen=True)
class Cfg:
    seed: int = 0
    cutoff: float = 1e-12
    two_d: bool = False


MARGIN = Claim(
    "x exceeds 1",
    paper="x > 1 (Fig. 1)",
    reads=("x",),
    criterion=lambda m, cfg: at_least(m["x"], 1.0),
    describe=lambda m, cfg: f"x = {m['x']} (criterion: x >= 1)",
)
YES_NO = Claim(
    "flag is set",
    paper="the flag is set",
    reads=("net",),
    criterion=lambda m, cfg: bool(m["flag"]),
    describe=lambda m, cfg: f"flag {m['flag']}",
)
TITLED = Claim(
    "H_AD > H_FD",
    paper="AD beats FD",
    reads=("x",),
    criterion=lambda m, cfg: at_least(m["x"], 1.0),
    describe=lambda m, cfg: "ours",
    title=lambda cfg: f"H_AD({cfg.cutoff:g}) > H_FD({cfg.cutoff:g})",
)
ONLY_2D = Claim(
    "2D only",
    paper="in 2D",
    reads=("x",),
    criterion=lambda m, cfg: True,
    describe=lambda m, cfg: "",
    when=lambda cfg: cfg.two_d,
)


def exp(*claims, diagnoses=None, inconsistent=None):
    return SimpleNamespace(
        name="demo",
        paper="paper 002, Sec. 4",
        summary="a demo",
        claims=claims,
        diagnoses=diagnoses or {},
        paper_inconsistent=inconsistent or {},
    )


def runs(claim, measures_per_seed, cfg=Cfg):
    """One SeedRun per seed, its checks evaluated by ``claim`` on the seed's measures (None: failed)."""
    out = []
    for seed, m in enumerate(measures_per_seed):
        if m is None:
            out.append(SeedRun(seed, cfg(seed=seed), None, error="RuntimeError: diverged"))
            continue
        check = claim.evaluate(m, cfg(seed=seed))
        out.append(SeedRun(seed, cfg(seed=seed), [check.as_dict()], measures=m, seconds=1.0 + seed))
    return out


def row_of(claim, xs, **kw):
    (row,) = claim_rows(exp(claim, **kw), runs(claim, [None if x is None else {"x": x} for x in xs]))
    return row


def test_every_seed_holding_with_a_wide_margin_is_robust():
    row = row_of(MARGIN, [1.8, 2.0, 2.2])  # margins 0.8, 1.0, 1.2: z = 5
    assert row.verdict == "robust" and (row.held, row.total) == (3, 3)
    assert row.margin_mean == pytest.approx(1.0) and row.margin_std == pytest.approx(0.2)
    assert row.z == pytest.approx(5.0) and row.z >= Z_ROBUST
    assert [o.status for o in row.seeds] == ["holds"] * 3
    assert row.statement == "x > 1 (Fig. 1)" and row.criterion == "x = 1.8 (criterion: x >= 1)"
    assert row.band == 0.05 and row.paper == "paper 002" and not row.undiagnosed


def test_one_failing_seed_makes_a_claim_fragile():
    row = row_of(MARGIN, [1.8, 2.0, 0.5])
    assert row.verdict == "fragile" and row.held == 2 and row.undiagnosed


def test_one_fragile_seed_makes_a_claim_fragile_though_it_holds_everywhere():
    row = row_of(MARGIN, [1.01, 2.0, 2.0])  # margin 0.01 is inside the 0.05 band
    assert row.held == row.total == 3 and row.seeds[0].status == "fragile"
    assert row.verdict == "fragile"


def test_a_margin_within_two_seed_spreads_of_zero_is_fragile():
    row = row_of(MARGIN, [1.1, 2.0, 3.0])  # every seed holds clearly, but z = 1.03 / 0.95
    assert row.held == 3 and all(o.status == "holds" for o in row.seeds)
    assert row.z == pytest.approx(1.0333 / 0.9504, rel=1e-3) and row.z < Z_ROBUST
    assert row.verdict == "fragile"


def test_a_claim_holding_in_no_seed_is_not_reproduced():
    row = row_of(MARGIN, [0.5, 0.2, 0.9])
    assert row.verdict == "not reproduced" and row.held == 0 and row.margin_mean < 0


def test_a_declared_paper_inconsistency_decides_the_verdict():
    row = row_of(MARGIN, [1.8, 2.0, 2.2], inconsistent={"x exceeds 1": "Table 2 contradicts Fig. 1"})
    assert row.verdict == "paper inconsistent" and row.inconsistency == "Table 2 contradicts Fig. 1"
    assert not row.undiagnosed


def test_yes_no_claims_have_no_margin_and_are_decided_by_how_often_they_hold():
    def rows(flags):
        (row,) = claim_rows(exp(YES_NO), runs(YES_NO, [{"flag": f, "net": {"a": 1.0}} for f in flags]))
        return row

    robust, fragile, none = rows([True, True]), rows([True, False]), rows([False, False])
    assert (robust.verdict, fragile.verdict, none.verdict) == ("robust", "fragile", "not reproduced")
    assert robust.margin_mean is robust.margin_std is robust.z is robust.band is None
    assert [o.margin for o in robust.seeds] == [None, None]
    assert [v.name for v in robust.values] == ["net.a"]  # a read that is a dict gives its dotted keys


def test_diagnoses_are_attached_and_a_failed_run_is_a_missing_seed():
    row = row_of(MARGIN, [1.8, None, 2.2], diagnoses={"x exceeds 1": "seed 1 diverges: lr too high"})
    assert row.verdict == "fragile" and (row.held, row.total) == (2, 3)
    assert row.seeds[1].status == "missing" and row.seeds[1].ours == "RuntimeError: diverged"
    assert row.diagnosis == "seed 1 diverges: lr too high" and not row.undiagnosed
    assert row.margin_mean == pytest.approx(1.0)  # over the seeds that measured it


def test_an_experiment_whose_runs_all_failed_still_gets_its_rows():
    (row,) = claim_rows(exp(MARGIN, diagnoses={"x exceeds 1": "ignored"}), runs(MARGIN, [None, None]))
    assert row.verdict == "not reproduced" and (row.held, row.total) == (0, 2)
    assert row.diagnosis == "run failed: RuntimeError: diverged"
    assert row.statement == "x > 1 (Fig. 1)" and row.values == ()


def test_checks_are_found_by_their_name_under_the_config_and_rows_that_do_not_apply_are_left_out():
    rows = claim_rows(exp(TITLED, ONLY_2D), runs(TITLED, [{"x": 2.0}, {"x": 2.1}]))
    assert [r.claim for r in rows] == ["H_AD > H_FD"]
    assert rows[0].check_names == ("H_AD(1e-12) > H_FD(1e-12)",) and rows[0].held == 2


def test_reads_name_nested_measures_under_any_group():
    measures = {"L2_n50": {"x": 2.0, "y": 1.0}, "L4_n50": {"x": 3.0}, "x": 1.5}
    check = MARGIN.evaluate({"x": 2.0}, Cfg())
    rows = claim_rows(exp(MARGIN), [SeedRun(s, Cfg(s), [check.as_dict()], measures) for s in range(2)])
    assert [(v.name, v.mean, v.n) for v in rows[0].values] == [
        ("L2_n50.x", 2.0, 2),
        ("L4_n50.x", 3.0, 2),
        ("x", 1.5, 2),
    ]


def test_margin_stats_edge_cases():
    assert margin_stats([]) == (None, None, None)
    assert margin_stats([0.5]) == (0.5, None, None)
    assert margin_stats([0.5, 0.5])[2] == math.inf and margin_stats([-1.0, -1.0])[2] == -math.inf
    mean, std, z = margin_stats([-1e300, -1e300, 1.0])  # a failed -inf margin as stored: no overflow
    assert mean < 0 and std > 0 and math.isfinite(z) and z < 0
    z_small = margin_stats([1.0, 2.0, 3.0])[2]
    assert margin_stats([1e-3, 2e-3, 3e-3])[2] == pytest.approx(z_small)  # z is scale-free


def test_verdict_of_directly():
    from rankscope.sweep.ledger import SeedOutcome

    ok = SeedOutcome(0, True, "holds", 1.0, "")
    assert verdict_of([ok], None) == "robust"  # one seed: z is not asked for
    assert verdict_of([ok, ok], 1.5) == "fragile" and verdict_of([ok, ok], 2.0) == "robust"
    assert verdict_of([ok], None, inconsistent=True) == "paper inconsistent"


def test_experiment_ledger_counts_seeds_and_wall_time():
    e = experiment_ledger(exp(MARGIN), runs(MARGIN, [{"x": 2.0}, None, {"x": 2.5}]))
    assert (e.name, e.paper, e.summary, e.seeds) == ("demo", "paper 002", "a demo", (0, 1, 2))
    assert (e.complete, e.failed) == (2, 1) and e.wall_mean == pytest.approx(2.0)
    assert e.errors == ("RuntimeError: diverged",) and len(e.rows) == 1


def test_paper_key():
    assert paper_key("paper 000, Example 2.6 (i), Fig. 2") == "paper 000"
    assert paper_key("paper 003 (ref. [1]) and sggn-notes.md") == "paper 003"
    assert paper_key("somewhere, else") == "somewhere"


def test_check_round_trip_keeps_the_status():
    assert Check.by_margin("a", "p", "o", 0.01).as_dict()["status"] == "fragile"
