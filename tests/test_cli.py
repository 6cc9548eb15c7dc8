import json

from typer.testing import CliRunner

from rankscope.cli import app

runner = CliRunner()


def test_list_shows_each_experiment():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0
    assert "staircase" in res.output and "Fig. 2" in res.output


def test_run_and_report_round_trip(tmp_path):
    out = tmp_path / "run"
    args = [
        "run",
        "staircase",
        "--out",
        str(out),
        "--set",
        "nets=[[1, 6]]",
        "--set",
        'stages=[["adam", 20, 0.01]]',
        "--set",
        "every=5",
        "--set",
        "train_points=50",
        "--set",
        "quadrature_points=50",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "report:" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["checks"]) == 3
    (out / "report.html").unlink()
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file()
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "--resume" in res.output


def test_user_errors_print_one_line_and_exit_2(tmp_path):
    for args, needle in [
        (["run", "nope"], "experiment 'nope' is unknown"),
        (["run", "staircase", "--preset", "big"], "preset 'big' is unknown"),
        (["run", "staircase", "--set", "speed=3"], "unknown key(s) ['speed']"),
        (["run", "staircase", "--set", "every"], "--set expects key=value"),
        (["report", str(tmp_path / "missing")], "missing"),
    ]:
        res = runner.invoke(app, [*args, "--out", str(tmp_path / "o")] if args[0] == "run" else args)
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.output, (args, res.output)
        assert "Traceback" not in res.output


def test_malformed_config_is_reported(tmp_path):
    run_dir = tmp_path / "bad"
    run_dir.mkdir()
    (run_dir / "config.toml").write_text("[run\nexperiment = ")
    res = runner.invoke(app, ["report", str(run_dir)])
    assert res.exit_code == 2 and "config.toml" in res.output
