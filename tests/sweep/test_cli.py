import pytest
import typer
from typer.testing import CliRunner

from rankscope.sweep.cli import register

runner = CliRunner()


@pytest.fixture
def app(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """rankscope (test app)"""

    register(app)
    return app


def test_register_adds_the_sweep_command(app):
    res = runner.invoke(app, ["sweep", "--help"])
    assert res.exit_code == 0
    for option in ("--grid", "--jobs", "--ray", "--resume", "--set", "--out", "--gpus"):
        assert option in res.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sweep", "staircase"], "the grid is empty"),
        (["sweep", "staircase", "--grid", "width=25,50"], "valid keys: ['activation'"),
        (["sweep", "staircase", "--grid", "model.width=25,50"], "configs are flat"),
        (["sweep", "staircase", "--grid", "seed=3:3"], "empty range"),
        (["sweep", "nope", "--grid", "seed=0:2"], "experiment 'nope' is unknown"),
        (["sweep", "staircase", "--grid", "seed=0:2", "--preset", "big"], "preset 'big' is unknown"),
        (["sweep", "staircase", "--grid", "seed=0:2", "--ray", "auto", "--jobs", "2"], "--jobs 2 applies to"),
        (["sweep", "staircase", "--grid", "seed=0:2", "--gpus", "1"], "--cpus and --gpus apply to Ray"),
        (["sweep", "staircase", "--grid", "seed=0:2", "--ray", "head"], "is malformed; expected HOST:PORT"),
    ],
)
def test_user_errors_print_one_line_and_exit_2(app, tmp_path, args, needle):
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert needle in " ".join(res.output.split()), res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()
