"""Reading a reproduction root into a ledger (rankscope.sweep.ledger_store), on a hand-made root."""

import json

import pytest

from rankscope.experiments import get_experiment
from rankscope.sweep import SweepError
from rankscope.sweep.ledger_store import (
    build_ledger,
    claim_ledger,
    is_reproduce_dir,
    read_ledger,
    read_marker,
    write_ledger,
)

from .conftest import STAIRCASE_CLAIMS


def test_claim_ledger_reads_one_row_per_claim_from_the_run_directories(fake_reproduction):
    e = claim_ledger(fake_reproduction / "staircase")
    assert (e.name, e.paper, e.seeds, e.complete, e.failed) == ("staircase", "paper 000", (0, 1, 2), 2, 1)
    assert e.wall_mean == pytest.approx(2.5)  # the finished seeds' seconds, 2 and 3
    assert e.errors == ("RuntimeError: training diverged",)
    assert [r.claim for r in e.rows] == list(STAIRCASE_CLAIMS)
    first = e.rows[0]
    assert [(r.held, r.total, r.verdict) for r in e.rows] == [
        (2, 3, "fragile"),  # seed 2 failed
        (1, 3, "fragile"),
        (0, 3, "not reproduced"),
    ]
    assert first.statement == f"paper says {STAIRCASE_CLAIMS[0]}" and first.criterion == "seed 0 measured"
    assert [o.status for o in first.seeds] == ["holds", "holds", "missing"]
    assert first.seeds[2].ours == "RuntimeError: training diverged"
    assert {v.name: (v.mean, v.n) for v in first.values} == {
        "L1_n6.width": (6.0, 2),
        "L1_n6.initial_eps_rank": (2.5, 2),
    }
    declared = get_experiment("staircase").diagnoses
    assert [r.undiagnosed for r in e.rows] == [r.claim not in declared for r in e.rows]


def test_build_ledger_covers_every_experiment_the_marker_names(fake_reproduction):
    ledger = build_ledger(fake_reproduction)
    assert (ledger.preset, ledger.seeds) == ("quick", 3)
    assert ledger.command.startswith("rankscope reproduce staircase staircase-layers")
    assert ledger.provenance["cpu"] == "Fake CPU <9000>"  # from the first finished run
    layers = ledger.experiments[1]
    assert layers.name == "staircase-layers" and (layers.complete, layers.failed) == (0, 0)
    n_claims = len(get_experiment("staircase-layers").claims)
    assert len(layers.rows) == n_claims and all(r.verdict == "not reproduced" for r in layers.rows)
    assert all(r.diagnosis.startswith("not run yet: finish it with") and r.total == 3 for r in layers.rows)


def test_write_and_read_the_ledger(fake_reproduction):
    path = write_ledger(fake_reproduction)
    assert path == fake_reproduction / "ledger.json"
    assert json.loads(path.read_text())["counts"]["not reproduced"] >= 1
    ledger = read_ledger(fake_reproduction)
    assert [r.claim for r in ledger.experiments[0].rows] == list(STAIRCASE_CLAIMS)
    assert not list(fake_reproduction.glob(".ledger.json.*.tmp"))  # written atomically


def test_markers_and_missing_files(fake_reproduction, tmp_path):
    assert is_reproduce_dir(fake_reproduction) and not is_reproduce_dir(fake_reproduction / "staircase")
    assert read_marker(fake_reproduction)["names"] == ["staircase", "staircase-layers"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "reproduce.json").write_text('{"format": "mine"}')
    assert not is_reproduce_dir(tmp_path / "other") and not is_reproduce_dir(tmp_path / "none")
    with pytest.raises(SweepError, match="is not a rankscope reproduce file"):
        read_marker(tmp_path / "other")
    with pytest.raises(SweepError, match=r"ledger.json is missing; `rankscope report .*` rebuilds it"):
        read_ledger(fake_reproduction)
