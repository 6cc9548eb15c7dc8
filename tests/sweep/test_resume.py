"""Kill a sweep process at a random moment mid-run, resume it, and check nothing is lost or run twice."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rankscope.experiments import run_experiment
from rankscope.store import RunDir
from rankscope.sweep import PointStatus, SweepResult, read_sweep
from rankscope.sweep.cli import register

LONGER = {
    "nets": [[1, 6]],
    "stages": [["adam", 600, 0.01]],
    "every": 20,
    "checkpoint_every": 50,
    "train_points": 50,
    "quadrature_points": 50,
}
ARGS = ["--grid", "seed=0:3", "--jobs", "2"]
for key, value in LONGER.items():
    ARGS += ["--set", f"{key}={json.dumps(value)}"]


def _points(root):
    keys = ("index", "name", "settings", "status", "attempts", "error", "seconds", "host")
    return [{k: p[k] for k in keys} for p in read_sweep(root)["points"]]


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent (now init) has yet to reap it


def _wait_for_mid_run(root: Path, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    """Until one point is done and another has a checkpoint but no summary (it is mid-run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the sweep ended before it was interrupted:\n{log.read_text()[-2000:]}"
        dirs = [d for d in root.glob("seed=*") if d.is_dir()]
        done = [d for d in dirs if (d / "summary.json").exists()]
        mid = [d for d in dirs if (d / "checkpoints" / "latest.json").exists() and d not in done]
        if done and mid:
            return
        time.sleep(0.02)
    raise AssertionError("no point was caught mid-run")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker processes from /proc (Linux)")
def test_a_killed_sweep_resumes_without_losing_or_repeating_work(tmp_path):
    root = tmp_path / "sweep"
    code = textwrap.dedent(
        f"""
        import typer
        from rankscope.sweep.cli import register

        app = typer.Typer()
        app.callback()(lambda: None)
        register(app)
        app({["sweep", "staircase", *ARGS, "--out", str(root)]!r})
        """
    )
    log = tmp_path / "sweep.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_mid_run(root, proc, log)
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # the sweep process only: its workers must die with it
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert workers, "the sweep had no worker processes"
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived the killed sweep"

    killed = read_sweep(root)
    done_before = {
        d.name: ((d / "summary.json").stat().st_mtime_ns, (d / "metrics.jsonl").stat().st_mtime_ns)
        for d in root.glob("seed=*")
        if (d / "summary.json").exists()
    }
    mid_run = {
        d.name
        for d in root.glob("seed=*")
        if (d / "checkpoints" / "latest.json").exists() and d.name not in done_before
    }
    assert done_before and mid_run
    assert any(p["status"] == "running" for p in killed["points"])  # stale: the process died
    tried = {p["name"]: p["attempts"] for p in killed["points"]}

    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    res = CliRunner().invoke(app, ["sweep", "staircase", "--out", str(root), "--resume", "--jobs", "2"])
    assert res.exit_code == 0, res.output  # grid, preset and --set values come from sweep.json
    assert (root / "report.html").is_file()
    result = SweepResult(root, tuple(PointStatus(**p) for p in _points(root)))
    assert result.complete
    for p in result.points:
        run_dir = root / p.name
        if p.name in done_before:  # finished before the kill: not run again, not touched
            assert p.attempts == 1
            stamps = (
                (run_dir / "summary.json").stat().st_mtime_ns,
                (run_dir / "metrics.jsonl").stat().st_mtime_ns,
            )
            assert stamps == done_before[p.name]
            continue
        got = RunDir(run_dir).read_metrics()
        assert [r["step"] for r in got] == list(range(0, 601, 20))  # nothing lost, nothing twice
        assert p.attempts == tried[p.name] + 1
        if p.name in mid_run:  # resumed from a checkpoint: the same numbers as an uninterrupted run
            reference = tmp_path / f"ref-{p.name}"
            run_experiment("staircase", "quick", reference, {**LONGER, **p.settings})
            assert got == RunDir(reference).read_metrics()
            # the same results; provenance (where and with which threads it ran) may differ
            resumed, unbroken = RunDir(run_dir).read_summary(), RunDir(reference).read_summary()
            resumed.pop("provenance"), unbroken.pop("provenance")
            assert resumed == unbroken
    assert read_sweep(root)["counts"]["done"] == 3
