"""The ``rankscope`` command line: ``list``, ``run``, ``report``, ``bench``.

Errors in the user's input (an unknown experiment, preset or ``--set`` key, a malformed config, a
corrupt checkpoint, ...) are printed as one line without a traceback and exit with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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

from rankscope.sweep.cli import register as _register_sweep

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="rankscope: look inside neural-network training through matrices.",
)
console = Console()

_register_sweep(app)
err_console = Console(stderr=True)


def _fail(exc: BaseException) -> None:
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
    raise typer.Exit(code=2)


@app.command("list")
def list_experiments() -> None:
    """List every experiment with one line on what it reproduces."""
    from rankscope.experiments import REGISTRY

    table = Table("experiment", "reproduces", "presets")
    for name, exp in sorted(REGISTRY.items()):
        table.add_row(name, exp.summary, ", ".join(exp.presets))
    console.print(table)


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
    overwrite: Annotated[bool, typer.Option(help="delete a previous run in OUT first")] = False,
) -> None:
    """Run an experiment and write its run directory and report."""
    from rankscope.experiments import parse_overrides, run_experiment
    from rankscope.store import StoreError

    try:
        overrides = parse_overrides(set_ or [])
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done, total=total)

            report = run_experiment(
                name, preset, out, overrides, resume=resume, overwrite=overwrite, progress=progress
            )
    except (ValueError, TypeError, StoreError, FileNotFoundError) as exc:
        _fail(exc)
        return
    _print_checks(report.parent)
    console.print(f"report: [bold]{report}[/]")


def _print_checks(run_dir: Path) -> None:
    import json

    summary = json.loads((run_dir / "summary.json").read_text())
    table = Table("check", "holds", "ours", show_lines=False)
    for c in summary.get("checks", []):
        table.add_row(c["name"], "[green]yes[/]" if c["holds"] else "[red]no[/]", c["ours"])
    console.print(table)


@app.command("report")
def report(run_dir: Annotated[Path, typer.Argument(help="a run directory or a sweep root")]) -> None:
    """Rebuild the figures and report.html of a run directory, or the report of a whole sweep."""
    from rankscope.experiments import rebuild_report
    from rankscope.store import StoreError
    from rankscope.sweep import build_sweep_report, is_sweep_dir

    try:
        path = build_sweep_report(run_dir) if is_sweep_dir(run_dir) else rebuild_report(run_dir)
    except (ValueError, TypeError, StoreError, FileNotFoundError) as exc:
        _fail(exc)
        return
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
        return
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
