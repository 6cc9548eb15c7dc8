"""The ``rankscope`` command line: ``list``, ``run``, ``report``, ``bench`` (and ``sweep``).

Errors in the user's input (an unknown experiment, preset or ``--set`` key, a value out of range, a
malformed config, a directory that is not a run directory, a corrupt checkpoint, ...) are printed
on stderr as one line, ``error: ...``, without a traceback, and exit with status 2. Every check is
made before anything is written: a rejected command leaves ``--out`` as it was.
``rankscope run NAME --dry-run`` makes the checks, prints the resolved config as TOML and writes
nothing.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from rankscope._checks import one_line
from rankscope.analyze.cli import register as _register_analyze
from rankscope.sweep.cli import register as _register_sweep
from rankscope.sweep.reproduce_cli import register as _register_reproduce

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="rankscope: look inside neural-network training through matrices.",
)
console = Console()

_register_sweep(app)
_register_reproduce(app)
_register_analyze(app)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rankscope {importlib.metadata.version('rankscope')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """rankscope: look inside neural-network training through matrices."""


#: What a user's mistake raises; each becomes one line on stderr and exit status 2.
USER_ERRORS = (ValueError, TypeError, OSError)


def _fail(exc: BaseException) -> NoReturn:
    typer.echo(f"error: {one_line(exc)}", err=True)
    raise typer.Exit(code=2)


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Show rankscope's warnings (a checkpoint fallback, ...) as one ``warning:`` line each."""

    def show(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
        typer.echo(f"warning: {one_line(Warning(message))}", err=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


@app.command("list")
def list_experiments() -> None:
    """List every experiment with one line on what it reproduces."""
    from rankscope.experiments import REGISTRY

    table = Table("experiment", "reproduces", "presets")
    for name, exp in sorted(REGISTRY.items()):
        table.add_row(name, exp.summary, ", ".join(exp.presets))
    console.print(table)


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="experiment name (see `rankscope list`)")]) -> None:
    """Show an experiment: what it reproduces, the paper section, its claims and every config key
    with its type, default and the value of each preset."""
    from rankscope.experiments import get_experiment
    from rankscope.experiments.describe import config_rows

    try:
        exp = get_experiment(name)
    except USER_ERRORS as exc:
        _fail(exc)
    console.print(f"[bold]{exp.name}[/]: {exp.summary}")
    console.print(f"paper: {exp.paper}")
    doc = (type(exp).__module__ and sys.modules[type(exp).__module__].__doc__) or ""
    wall = [line.strip() for line in doc.splitlines() if "wall time" in line.lower()]
    if wall:
        console.print("expected wall time: " + " ".join(wall))
    table = Table("key", "type", "default", *exp.presets, "choices", title="config")
    for row in config_rows(exp):
        table.add_row(
            row.key,
            row.type,
            row.default,
            *[v if v is not None else "·" for v in row.presets.values()],
            ", ".join(row.choices) if row.choices else "",
        )
    console.print(table)
    claims = Table("claim", "the paper states", title="claims")
    for c in exp.claims:
        claims.add_row(c.name, c.paper)
    console.print(claims)


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="experiment name (see `rankscope list`)")],
    preset: Annotated[str, typer.Option(help="quick (CI-sized) or paper (the paper's sizes)")] = "quick",
    out: Annotated[Path | None, typer.Option(help="run directory (default runs/NAME-PRESET)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="override a config value: key=value (TOML value); repeatable"),
    ] = None,
    resume: Annotated[bool, typer.Option(help="continue a killed run from its last checkpoint")] = False,
    overwrite: Annotated[
        bool, typer.Option(help="delete the files an earlier run wrote in OUT (only those) first")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="check everything, print the resolved config as TOML, write nothing"),
    ] = False,
) -> None:
    """Run an experiment and write its run directory and report."""
    from rankscope.experiments import parse_overrides, run_experiment
    from rankscope.experiments.runner import dry_run as check_run

    try:
        overrides = parse_overrides(set_ or [])
        if dry_run:
            typer.echo(check_run(name, preset, out, overrides, resume=resume, overwrite=overwrite), nl=False)
            return
        with (
            _warnings_as_lines(),
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as bar,
        ):
            tasks: dict[str, TaskID] = {}

            def progress(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done, total=total)

            report = run_experiment(
                name, preset, out, overrides, resume=resume, overwrite=overwrite, progress=progress
            )
    except USER_ERRORS as exc:
        _fail(exc)
    _print_checks(report.parent)
    console.print(f"report: [bold]{report}[/]")


def _print_checks(run_dir: Path) -> None:
    import json

    summary = json.loads((run_dir / "summary.json").read_text())
    checks = summary.get("checks", [])
    with_status = any("status" in c for c in checks)
    table = Table("check", "holds", *(["status"] if with_status else []), "ours", show_lines=False)
    colours = {"holds": "green", "fragile": "yellow", "fails": "red"}
    for c in checks:
        cells = [c["name"], "[green]yes[/]" if c["holds"] else "[red]no[/]"]
        if with_status:
            status = str(c.get("status", ""))
            cells.append(f"[{colours.get(status, 'white')}]{status}[/]")
        table.add_row(*cells, str(c["ours"]))
    console.print(table)


@app.command("report")
def report(
    run_dir: Annotated[Path, typer.Argument(help="a run directory, a sweep root or a reproduction root")],
) -> None:
    """Rebuild the figures and report.html of a run directory (finished or not), of a whole sweep, or
    the ledger and dashboard of a reproduction (`rankscope reproduce`)."""
    from rankscope.experiments import rebuild_report
    from rankscope.store import RunDir
    from rankscope.sweep import build_dashboard, build_sweep_report, is_reproduce_dir, is_sweep_dir

    try:
        if not run_dir.exists():
            raise FileNotFoundError(f"{run_dir} does not exist; expected a run directory or a sweep root")
        if is_reproduce_dir(run_dir):  # a reproduction root: the ledger rebuilt from its runs, the dashboard
            path = build_dashboard(run_dir, refresh_ledger=True)
        else:
            path = build_sweep_report(run_dir) if is_sweep_dir(run_dir) else rebuild_report(run_dir)
    except USER_ERRORS as exc:
        _fail(exc)
    if not is_sweep_dir(run_dir) and not is_reproduce_dir(run_dir) and not RunDir(run_dir).is_complete():
        console.print(
            "[yellow]the run is incomplete[/]: the report shows what it recorded; finish it with --resume"
        )
    console.print(f"report: [bold]{path}[/]")


@app.command("bench")
def bench(
    names: Annotated[list[str] | None, typer.Argument(help="benchmarks to run (default all)")] = None,
    quick: Annotated[bool, typer.Option(help="smaller sizes, for a smoke test")] = False,
) -> None:
    """Run the benchmarks and print each ratio against its baseline measured in the same run."""
    from rankscope.bench import run_all

    try:
        results = run_all(names or [], quick=quick)
    except (ValueError, FileNotFoundError) as exc:
        _fail(exc)
    failed = 0
    for r in results:
        mark = "[green]PASS[/]" if r.passed else "[red]MISS[/]"
        console.print(f"{mark} {r.describe()}", highlight=False)
        failed += not r.passed
    if failed and not quick:
        raise typer.Exit(code=1)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted: resume with --resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
