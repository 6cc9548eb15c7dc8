"""The ``rankscope reproduce`` command (rankscope.sweep.reproduce_cli) and ``rankscope report`` on a
reproduction root, with typer's CliRunner."""

import importlib

import pytest
from typer.testing import CliRunner

from rankscope.cli import app
from rankscope.sweep.ledger_store import build_ledger

# the module, not the function rankscope.sweep re-exports under the same name
reproduce_mod = importlib.import_module("rankscope.sweep.reproduce")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_ray(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)


def lines(output):
    return [line for line in output.splitlines() if line.strip()]


def test_the_command_is_registered_with_its_options():
    res = runner.invoke(app, ["reproduce", "--help"])
    assert res.exit_code == 0
    for option in ("--preset", "--seeds", "--out", "--jobs", "--ray", "--resume"):
        assert option in res.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["reproduce", "nope"],
            "error: unknown experiment(s) ['nope']; expected some of ['adfd-nn-biharmonic'",
        ),
        (["reproduce", "staircase", "--seeds", "0"], "error: seeds must be an integer >= 1"),
        (["reproduce", "staircase", "--preset", "big"], "preset 'big' is unknown"),
        (["reproduce", "staircase", "--jobs", "0"], "error: --jobs must be an integer >= 1; got 0"),
        (
            ["reproduce", "staircase", "--jobs", "2", "--ray", "auto"],
            "--jobs 2 applies to the local pool only",
        ),
    ],
)
def test_user_errors_print_one_line_and_exit_2(tmp_path, args, needle):
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert len(lines(res.output)) == 1 and needle in res.output, res.output
    assert not (tmp_path / "o").exists()


def test_a_foreign_out_directory_is_refused_in_one_line(tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "notes.txt").write_text("mine")
    for extra in ([], ["--resume"]):
        res = runner.invoke(app, ["reproduce", "staircase", "--out", str(tmp_path / "o"), *extra])
        assert res.exit_code == 2 and len(lines(res.output)) == 1, res.output
        assert "is not empty and is not a reproduction root" in res.output
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["notes.txt"]


def test_ctrl_c_keeps_the_runs_and_prints_the_resume_command(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reproduce_mod, "reproduce", interrupted)
    res = runner.invoke(app, ["reproduce", "staircase", "--out", str(tmp_path / "o")])
    assert res.exit_code == 130
    assert f"rankscope reproduce --out {tmp_path / 'o'} --resume" in " ".join(res.output.split())


def test_a_finished_reproduction_prints_the_verdicts_and_exits_1_if_runs_failed(
    fake_reproduction, monkeypatch
):
    from rankscope.sweep.reproduce import ReproduceResult
    from rankscope.sweep.state import PointStatus, SweepResult

    seen = {}

    def fake(names, preset, seeds, out, backend, resume, progress):
        seen.update(names=names, preset=preset, seeds=seeds, jobs=backend.jobs, resume=resume)
        progress("staircase", {})
        progress("staircase", {"done": 1, "failed": 1, "pending": 1})
        failed = PointStatus(2, "seed=2", {"seed": 2}, "failed", error="boom")
        sweeps = {"staircase": SweepResult(fake_reproduction, (failed,))}
        ledger = build_ledger(fake_reproduction)
        return ReproduceResult(
            fake_reproduction, ledger, fake_reproduction / "ledger.json", out / "report.html", sweeps
        )

    monkeypatch.setattr(reproduce_mod, "reproduce", fake)
    res = runner.invoke(
        app, ["reproduce", "staircase", "--seeds", "3", "--jobs", "1", "--out", str(fake_reproduction)]
    )
    assert res.exit_code == 1, res.output
    assert seen == {"names": ["staircase"], "preset": None, "seeds": 3, "jobs": 1, "resume": False}
    out = " ".join(res.output.split())
    assert "not reproduced" in out and "1 runs failed" in out and "--resume" in out
    assert "ledger:" in out and "dashboard:" in out


def test_report_on_a_reproduction_root_rebuilds_the_ledger_and_the_dashboard(fake_reproduction):
    res = runner.invoke(app, ["report", str(fake_reproduction)])
    assert res.exit_code == 0, res.output
    assert (fake_reproduction / "ledger.json").is_file()
    assert "<svg" in (fake_reproduction / "report.html").read_text()
    assert "incomplete" not in res.output and "report.html" in res.output.replace(
        "\n", ""
    )  # rich wraps long paths
