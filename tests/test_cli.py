"""The command line end to end: runs, reports, dry runs, and one-line errors that write nothing."""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch
from threadpoolctl import threadpool_info
from typer.testing import CliRunner

from rankscope.cli import app
from rankscope.experiments import REGISTRY, Experiment, run_experiment
from rankscope.experiments.claims import Result
from rankscope.experiments.config import ExperimentConfig
from rankscope.store import MARKER_FILE, RunDir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

runner = CliRunner()

TINY = {
    "nets": "[[1, 6]]",
    "stages": '[["adam", 20, 0.01]]',
    "every": "5",
    "checkpoint_every": "5",
    "train_points": "50",
    "quadrature_points": "50",
}


def _args(out: Path, *extra: str, **overrides: str) -> list[str]:
    sets = {**TINY, **overrides}
    return [
        "run",
        "staircase",
        "--out",
        str(out),
        *extra,
        *(a for k, v in sets.items() for a in ("--set", f"{k}={v}")),
    ]


def _stderr_line(res) -> str:
    """The one line a rejected command prints on stderr (asserting it is one line)."""
    assert res.exit_code == 2, (res.exit_code, res.output)
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output
    return lines[0]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_list_shows_each_experiment():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0
    assert "staircase" in res.output and "Fig. 2" in res.output


def test_run_and_report_round_trip(tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(app, _args(out))
    assert res.exit_code == 0, res.output
    assert "report:" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["checks"]) == 3
    (out / "report.html").unlink()
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file()
    assert "report.html" in RunDir(out).owned_files()
    res = runner.invoke(app, _args(out))
    assert "--resume" in _stderr_line(res)


def test_overwrite_through_the_cli_keeps_every_user_file(tmp_path):
    out = tmp_path / "run"
    assert runner.invoke(app, _args(out)).exit_code == 0
    planted = {}
    for rel in (
        "notes.md",
        "config.toml.orig",
        "figures/mine.png",
        "checkpoints/summary.json",
        "figures/x/y.txt",
    ):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(64))
        planted[rel] = path.read_bytes()
    owned_before = RunDir(out).owned_files()
    assert "figures/staircase.png" in owned_before and any(
        f.startswith("checkpoints/step-") for f in owned_before
    )
    res = runner.invoke(app, _args(out, "--overwrite", every="10"))
    assert res.exit_code == 0, res.output
    assert {rel: (out / rel).read_bytes() for rel in planted} == planted
    assert RunDir(out).read_config()["config"]["every"] == 10
    assert all(r["iter"] % 10 == 0 for r in RunDir(out).read_metrics())


def test_overwrite_of_a_directory_rankscope_did_not_make_is_refused(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model.pt").write_bytes(b"weights")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "plot.png").write_bytes(b"png")
    before = _tree(tmp_path)
    for flag in ("--overwrite", "--resume"):
        line = _stderr_line(runner.invoke(app, _args(tmp_path, flag)))
        assert "not a rankscope run directory" in line and "nothing was deleted" in line
        assert _tree(tmp_path) == before


def test_resume_of_a_missing_directory_is_an_error(tmp_path):
    line = _stderr_line(runner.invoke(app, _args(tmp_path / "missing", "--resume")))
    assert "does not exist" in line and "drop --resume" in line
    assert not (tmp_path / "missing").exists()


def test_user_errors_print_one_line_and_exit_2(tmp_path):
    for args, needle in [
        (["run", "nope"], "experiment 'nope' is unknown"),
        (["run", "staircase", "--preset", "big"], "preset 'big' is unknown"),
        (["run", "staircase", "--set", "speed=3"], "unknown key(s) ['speed']"),
        (["run", "staircase", "--set", "every"], "--set expects key=value"),
        (["run", "staircase", "--set", "threads=0"], "threads must be an integer in [1, 1024]; got 0"),
        (["run", "staircase", "--set", "eps=nan"], "eps must be a finite number > 0; got nan"),
        (["run", "staircase", "--set", "nets=[]"], "nets must be a non-empty list; got []"),
        (["run", "staircase", "--overwrite", "--resume"], "mutually exclusive"),
        (["report", str(tmp_path / "missing")], "does not exist"),
    ]:
        full = [*args, "--out", str(tmp_path / "o")] if args[0] == "run" else args
        for dry in ([], ["--dry-run"]) if args[0] == "run" else ([],):
            line = _stderr_line(runner.invoke(app, [*full, *dry]))
            assert line.startswith("error: ") and needle in line, (args, line)
        assert not (tmp_path / "o").exists()


def test_invalid_threads_never_reach_torch(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(n))
    for bad in ("0", "-1", "1.5", "2000", "many"):
        _stderr_line(runner.invoke(app, _args(tmp_path / "o", threads=bad)))
    assert calls == [] and not (tmp_path / "o").exists()


def test_dry_run_prints_the_resolved_config_and_writes_nothing(tmp_path):
    out = tmp_path / "o"
    res = runner.invoke(app, [*_args(out, "--dry-run"), "--set", "threads=2"])
    assert res.exit_code == 0, res.output
    doc = tomllib.loads(res.stdout)
    assert doc["run"] == {"experiment": "staircase", "preset": "quick", "out": str(out), "action": "new"}
    assert doc["config"]["nets"] == [[1, 6]] and doc["config"]["threads"] == 2
    assert doc["config"]["activation"] == "tanh"  # defaults are resolved too
    assert not out.exists()


def test_dry_run_on_an_existing_run_says_what_would_happen(tmp_path):
    out = tmp_path / "run"
    assert runner.invoke(app, _args(out)).exit_code == 0
    before = _tree(out)
    res = runner.invoke(app, _args(out, "--dry-run", "--resume"))
    assert res.exit_code == 0 and tomllib.loads(res.stdout)["run"]["action"] == "resume"
    res = runner.invoke(app, _args(out, "--dry-run", "--overwrite"))
    assert res.exit_code == 0 and tomllib.loads(res.stdout)["run"]["action"] == "overwrite"
    assert _tree(out) == before


# ---------------------------------------------------------------------------- the runner


@dataclass(frozen=True)
class ProbeConfig(ExperimentConfig):
    fail: bool = False


class _Probe(Experiment):
    """Records the thread counts it runs under; raises when told to."""

    name = "probe"
    summary = "thread probe"
    paper = "-"
    Config = ProbeConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {"quick": {}, "paper": {}}

    def run(self, config, run_dir, progress=None):
        blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
        run_dir.append_metrics({"step": 0, "torch": torch.get_num_threads(), "blas": blas})
        if config.fail:
            raise RuntimeError("boom")
        return Result()


@pytest.fixture
def probe(monkeypatch):
    monkeypatch.setitem(REGISTRY, "probe", _Probe())


@pytest.mark.parametrize("threads", [1, 2])
def test_run_experiment_applies_threads_and_restores_them(tmp_path, probe, threads):
    before = torch.get_num_threads()
    run_experiment("probe", "quick", tmp_path / "r", {"threads": threads})
    (record,) = RunDir(tmp_path / "r").read_metrics()
    assert record["torch"] == threads and all(n == threads for n in record["blas"])
    assert torch.get_num_threads() == before


def test_threads_are_restored_when_the_run_raises(tmp_path, probe):
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"):
        run_experiment("probe", "quick", tmp_path / "r", {"threads": before + 1, "fail": True})
    assert torch.get_num_threads() == before


def test_summary_records_provenance(tmp_path, probe):
    run_experiment("probe", "quick", tmp_path / "r", {"threads": 1})
    prov = RunDir(tmp_path / "r").read_summary()["provenance"]
    assert prov["torch_threads"] == 1
    assert {"cpu", "machine", "os", "python", "blas", "env", "versions", "git"} <= set(prov)
    assert all(lib["num_threads"] == 1 for lib in prov["blas"] if lib["user_api"] == "blas")
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "Where it ran" in page and prov["python"] in page


class _Kill(Exception):
    pass


def test_report_of_a_killed_run_has_an_incomplete_banner(tmp_path):
    out = tmp_path / "k"
    seen = []

    def killer(label: str, done: int, total: int) -> None:
        seen.append(done)
        if done == 12:
            raise _Kill

    overrides = {"nets": [[1, 6]], "stages": [["adam", 20, 0.01]], "every": 5, "checkpoint_every": 5}
    with pytest.raises(_Kill):
        run_experiment(
            "staircase",
            "quick",
            out,
            {**overrides, "train_points": 50, "quadrature_points": 50},
            progress=killer,
        )
    last = max(r["step"] for r in RunDir(out).read_metrics())
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    assert "incomplete" in res.stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"incomplete: last step {last}" in page
    assert "no claim was checked" in page
    assert (out / MARKER_FILE).is_file() and not (out / "summary.json").exists()


def test_malformed_config_is_reported(tmp_path):
    run_dir = tmp_path / "bad"
    run_dir.mkdir()
    (run_dir / "config.toml").write_text("[run\nexperiment = ")
    res = runner.invoke(app, ["report", str(run_dir)])
    assert "config.toml" in _stderr_line(res)


def test_resume_after_a_corrupt_newest_checkpoint_warns_in_one_line_and_finishes(tmp_path):
    out = tmp_path / "k"

    def killer(label: str, done: int, total: int) -> None:
        if done == 17:
            raise _Kill

    overrides = {"nets": [[1, 6]], "stages": [["adam", 20, 0.01]], "every": 5, "checkpoint_every": 5}
    overrides |= {"train_points": 50, "quadrature_points": 50}
    with pytest.raises(_Kill):
        run_experiment("staircase", "quick", out, overrides, progress=killer)
    newest = out / "checkpoints" / "step-00000015.pt"
    newest.write_bytes(newest.read_bytes()[::-1])  # corrupt: the sha256 no longer matches
    res = runner.invoke(app, _args(out, "--resume"))
    assert res.exit_code == 0, res.output
    warned = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and "step-00000015.pt is corrupt" in warned[0] and "step 10" in warned[0]
    steps = [r["iter"] for r in RunDir(out).read_metrics()]
    assert steps == sorted(set(steps)) == [0, 5, 10, 15, 20]  # records after step 10 written once
