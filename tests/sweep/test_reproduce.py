"""``reproduce`` (rankscope.sweep.reproduce): a real staircase reproduction over two seeds, its resumption,
an experiment whose runs all fail, and the refusals made before anything is written."""

import json
import shutil

import pytest

from rankscope.experiments import get_experiment
from rankscope.sweep import LocalPool, SweepError, read_sweep
from rankscope.sweep import runner as runner_mod
from rankscope.sweep.reproduce import reproduce, resume_command

from .conftest import TINY


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    """``(root, result, progress calls)`` of staircase over seeds 0 and 1 (read-only: copy it)."""
    root = tmp_path_factory.mktemp("repro") / "out"
    calls = []
    result = reproduce(
        ["staircase"],
        "quick",
        2,
        root,
        LocalPool(jobs=1),
        progress=lambda name, counts: calls.append((name, dict(counts))),
        overrides={"staircase": TINY},
    )
    return root, result, calls


@pytest.fixture
def no_runs(monkeypatch):
    """Make any run fail the test: a resumed reproduction with nothing left to do starts none."""

    def refuse(todo, backend, state):
        raise AssertionError(f"these points were run again: {[t['name'] for t in todo]}")

    monkeypatch.setattr(runner_mod, "_execute_pool", refuse)


def test_a_reproduction_writes_one_ledger_row_per_claim_and_the_dashboard(reproduced):
    root, result, calls = reproduced
    assert sorted(p.name for p in root.iterdir()) == [
        "ledger.json",
        "report.html",
        "reproduce.json",
        "staircase",
    ]
    assert result.sweeps["staircase"].complete and not result.failed
    rows = result.ledger.rows
    assert [r.claim for r in rows] == [c.name for c in get_experiment("staircase").claims]
    assert all(r.total == 2 and [o.seed for o in r.seeds] == [0, 1] for r in rows)
    assert all(r.verdict in ("robust", "fragile", "not reproduced") for r in rows)
    assert all(r.values for r in rows)  # the measures each claim reads, over the two seeds
    (e,) = result.ledger.experiments
    assert (e.complete, e.failed) == (2, 0) and e.wall_mean > 0
    assert result.ledger.command == f"rankscope reproduce staircase --preset quick --seeds 2 --out {root}"
    assert (
        result.ledger_path == root / "ledger.json"
        and json.loads(result.ledger_path.read_text())["seeds"] == 2
    )
    page = result.dashboard.read_text()
    assert result.dashboard == root / "report.html" and "<svg" in page and "eps-rank rises in steps" in page
    marker = json.loads((root / "reproduce.json").read_text())
    assert (marker["names"], marker["preset"], marker["seeds"]) == (["staircase"], "quick", 2)
    assert marker["overrides"]["staircase"]["train_points"] == 50
    assert calls[0] == ("staircase", {}) and calls[-1][1]["done"] == 2


def test_resume_reruns_nothing_and_reuses_the_recorded_settings(reproduced, tmp_path, no_runs):
    root = tmp_path / "copy"
    shutil.copytree(reproduced[0], root)
    summaries = {p: p.stat().st_mtime_ns for p in root.glob("staircase/*/summary.json")}
    result = reproduce(out=root, backend=LocalPool(jobs=1), resume=True)  # names, preset, seeds recorded
    assert {p: p.stat().st_mtime_ns for p in root.glob("staircase/*/summary.json")} == summaries
    assert [p["attempts"] for p in read_sweep(root / "staircase")["points"]] == [1, 1]
    assert [r.claim for r in result.ledger.rows] == [r.claim for r in reproduced[1].ledger.rows]
    assert result.ledger.command == reproduced[1].ledger.command  # the command that made the root

    for name in ("reproduce.json", "ledger.json", "report.html"):  # a root whose marker was lost
        (root / name).unlink()
    with pytest.raises(SweepError, match="is not empty and is not a reproduction root"):
        reproduce(["staircase"], "quick", 2, root)
    again = reproduce(["staircase"], "quick", 2, root, resume=True, overrides={"staircase": TINY})
    assert len(again.ledger.rows) == len(result.ledger.rows)


def test_an_experiment_whose_runs_all_fail_still_gets_its_rows(tmp_path, monkeypatch):
    def in_process(todo, backend, state):  # the real worker, without a pool's start-up
        for task in todo:
            state.start(task["name"])
            state.record(task["name"], runner_mod.run_point(task))

    monkeypatch.setattr(runner_mod, "_execute_pool", in_process)
    diverges = {**TINY, "stages": [["sgd", 40, 1e30]]}
    result = reproduce(
        ["staircase"], "quick", 1, tmp_path / "o", LocalPool(jobs=1), overrides={"staircase": diverges}
    )
    assert len(result.failed) == 1
    rows = result.ledger.rows
    assert len(rows) == 3 and all(r.verdict == "not reproduced" for r in rows)
    assert all(r.diagnosis.startswith("run failed: RuntimeError: training of net") for r in rows)
    assert (tmp_path / "o" / "report.html").is_file()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"names": ["staircase", "nope"]},
            ValueError,
            r"unknown experiment\(s\) \['nope'\]; expected some of \[",
        ),
        ({"seeds": 0}, ValueError, r"seeds must be an integer >= 1 .*; got 0"),
        ({"seeds": True}, ValueError, "seeds must be an integer >= 1"),
        ({"names": "staircase"}, TypeError, "got the string 'staircase'"),
        ({"preset": "big"}, ValueError, "preset 'big' is unknown"),
        ({"overrides": {"staircase": {"width": 3}}}, ValueError, r"unknown key\(s\) \['width'\]"),
        ({"overrides": {"nope": {}}}, ValueError, r"unknown experiment\(s\) \['nope'\]"),
        ({"backend": LocalPool(jobs=0)}, ValueError, "jobs must be a positive integer"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, kwargs, error, match):
    args = {"names": ["staircase"], "preset": "quick", "seeds": 2, "out": tmp_path / "o", **kwargs}
    with pytest.raises(error, match=match):
        reproduce(**args)
    assert not (tmp_path / "o").exists()


def test_roots_holding_something_else_are_refused_and_left_as_they_were(reproduced, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    for resume in (False, True):
        with pytest.raises(SweepError, match=r"--out .*mine is not empty and is not a reproduction root"):
            reproduce(["staircase"], "quick", 2, foreign, resume=resume)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    root = reproduced[0]
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    with pytest.raises(SweepError, match=r"already holds a reproduction \(reproduce.json\); pass --resume"):
        reproduce(["staircase"], "quick", 2, root)
    with pytest.raises(SweepError, match=r"recorded with preset 'quick' and 2 seeds; leave out --preset"):
        reproduce(["staircase"], "quick", 3, root, resume=True)
    (tmp_path / "file").write_text("")
    with pytest.raises(SweepError, match="exists and is not a directory"):
        reproduce(["staircase"], "quick", 2, tmp_path / "file")
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_resume_command():
    assert resume_command("runs/my repro") == "rankscope reproduce --out 'runs/my repro' --resume"
