"""The ``rankscope reproduce`` command; :func:`register` adds it to the ``rankscope`` Typer app.

``rankscope reproduce [NAMES...] --preset quick --seeds 5 --out runs/repro [--jobs N] [--ray ADDR]
[--resume]`` runs every claim of the experiments over seeds (:func:`rankscope.sweep.reproduce`),
with a progress bar per experiment, and prints the verdict counts and where the ledger and the
dashboard are. User errors (an unknown experiment, ``--seeds 0``, an ``--out`` that holds something
else) print one line and exit with status 2; a reproduction in which some runs failed exits with
status 1 (``--resume`` re-runs them); Ctrl-C keeps every finished run and prints the command that
finishes the reproduction.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from rankscope.sweep.cli import RayOption, _fail, console, err_console

if TYPE_CHECKING:
    from rankscope.sweep.pool import LocalPool
    from rankscope.sweep.ray_backend import RayCluster
    from rankscope.sweep.reproduce import ReproduceResult

__all__ = ["register"]

_COLOURS = {"robust": "green", "fragile": "yellow", "not reproduced": "red", "paper inconsistent": "blue"}


def _backend(jobs: int | None, ray: str | None) -> LocalPool | RayCluster:
    from rankscope.sweep.pool import LocalPool
    from rankscope.sweep.ray_backend import RayCluster

    if ray:
        if jobs is not None:
            raise ValueError(
                f"--jobs {jobs} applies to the local pool only; with --ray (or RAY_ADDRESS={ray!r}) each "
                "run asks Ray for its config's threads. Unset RAY_ADDRESS to use the local pool"
            )
        return RayCluster(address=ray)
    if jobs is not None and (isinstance(jobs, bool) or jobs < 1):
        raise ValueError(f"--jobs must be an integer >= 1; got {jobs}")
    return LocalPool(jobs=jobs if jobs is not None else os.cpu_count())


def reproduce(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="experiments (default: every one; see `rankscope list`)"),
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="quick or paper (default quick; on --resume, the recorded one)")
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(help="seeds 0..SEEDS-1 each (default 5; on --resume, the recorded)"),
    ] = None,
    out: Annotated[Path, typer.Option(help="the reproduction root")] = Path("runs/repro"),
    jobs: Annotated[
        int | None, typer.Option(help="local worker processes (default: the machine's cores)")
    ] = None,
    ray: RayOption = None,
    resume: Annotated[
        bool,
        typer.Option(help="finish a reproduction: run only the missing, incomplete or failed seeds"),
    ] = False,
) -> None:
    """Run every paper claim of the experiments over seeds; write the ledger (ledger.json, a verdict
    per claim) and the dashboard (report.html) under --out."""
    from rankscope.store import StoreError
    from rankscope.sweep.reproduce import reproduce as run_reproduce
    from rankscope.sweep.reproduce import resume_command

    try:
        backend = _backend(jobs, ray)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[failed]}"),
            console=console,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def update(experiment: str, counts: Mapping[str, int]) -> None:
                if experiment not in tasks:
                    tasks[experiment] = bar.add_task(experiment, total=None, failed="")
                failed = f"[red]{counts['failed']} failed[/]" if counts.get("failed") else ""
                done = counts.get("done", 0) + counts.get("failed", 0)
                bar.update(
                    tasks[experiment], total=sum(counts.values()) or None, completed=done, failed=failed
                )

            result = run_reproduce(names or [], preset, seeds, out, backend, resume, update)
    except (ValueError, TypeError, StoreError, OSError) as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished runs are kept; finish the reproduction with `{resume_command(out)}`",
            highlight=False,
        )
        raise typer.Exit(code=130) from None
    _print_summary(result)
    if result.failed:
        raise typer.Exit(code=1)


def _print_summary(result: ReproduceResult) -> None:
    counts = result.ledger.counts()
    table = Table("verdict", "claims")
    for verdict, colour in _COLOURS.items():
        table.add_row(f"[{colour}]{verdict}[/]", str(counts[verdict]))
    table.add_row("undiagnosed", str(counts["undiagnosed"]))
    console.print(table)
    if result.failed:
        console.print(
            f"[red]{len(result.failed)} runs failed[/] (their claims do not hold); re-run them with "
            "--resume (details in each point's error.json)"
        )
    console.print(f"ledger: [bold]{result.ledger_path}[/]")
    console.print(f"dashboard: [bold]{result.dashboard}[/]")


def register(app: typer.Typer) -> None:
    """Add the ``reproduce`` command to ``app`` (the ``rankscope`` command line)."""
    app.command("reproduce")(reproduce)
