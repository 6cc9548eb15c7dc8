"""The ``rankscope sweep`` command; :func:`register` adds it to the ``rankscope`` Typer app.

User errors (an unknown experiment, grid key or value, an empty grid, a bad Ray address, a sweep
root that holds something else) print one line and exit with status 2; a sweep in which some runs
failed prints them and exits with status 1 (``--resume`` re-runs them).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rankscope._checks import one_line

if TYPE_CHECKING:
    from rankscope.sweep.plan import SweepSpec
    from rankscope.sweep.pool import LocalPool
    from rankscope.sweep.ray_backend import RayCluster
    from rankscope.sweep.state import PointStatus, SweepResult

__all__ = ["register"]

console = Console()
err_console = Console(stderr=True)

GRID_HELP = (
    "KEY=VALUES, repeatable; KEY is a field of the experiment's config (see `--set`). VALUES: a range "
    "start:stop[:step] (half-open: seed=0:8 is 0..7) or TOML values separated by ',' or '|' "
    "(eps=1e-6,1e-8; activation=tanh|relu; nets=[[2,50]]|[[4,50]] is two points). The grid is the "
    "Cartesian product of the keys."
)


#: ``--jobs`` and ``--ray``, shared by ``rankscope sweep`` and ``rankscope reproduce``
JobsOption = Annotated[
    int | None, typer.Option(help="local worker processes (default: the machine's cores)", min=1)
]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        envvar="RAY_ADDRESS",
        help="run on Ray: auto, HOST:PORT, ray://HOST:PORT or local (default: $RAY_ADDRESS; "
        "without it, a local process pool)",
    ),
]


def _fail(exc: BaseException) -> None:

    typer.echo(f"error: {one_line(exc)}", err=True)  # one line: rich would wrap a long message
    raise typer.Exit(code=2)


def sweep(
    name: Annotated[str, typer.Argument(help="experiment name (see `rankscope list`)")],
    grid: Annotated[list[str] | None, typer.Option("--grid", help=GRID_HELP)] = None,
    preset: Annotated[
        str | None, typer.Option(help="quick or paper (default quick; on --resume, the recorded one)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="sweep root (default runs/NAME-PRESET-sweep)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="fix a config value for every run: key=value (TOML); repeatable"),
    ] = None,
    jobs: JobsOption = None,
    ray: RayOption = None,
    cpus: Annotated[
        float | None, typer.Option(help="Ray: CPUs per run (default: the config's threads)")
    ] = None,
    gpus: Annotated[float, typer.Option(help="Ray: GPUs per run")] = 0.0,
    connect_timeout: Annotated[float, typer.Option(help="Ray: seconds to wait for the cluster")] = 20.0,
    resume: Annotated[
        bool, typer.Option(help="finish a sweep: run only points that are missing, incomplete or failed")
    ] = False,
    seed_key: Annotated[
        str | None, typer.Option(help="the grid key the report aggregates over (default seed)")
    ] = None,
    holds_fraction: Annotated[
        float | None,
        typer.Option(
            help="a check holds for a setting when it holds in this fraction of its seeds (default 0.8)"
        ),
    ] = None,
) -> None:
    """Run an experiment over a grid of settings and seeds; write one run directory per point and
    a report aggregated across seeds."""
    from rankscope.experiments import parse_overrides
    from rankscope.store import StoreError
    from rankscope.sweep.grid import parse_grid
    from rankscope.sweep.plan import SweepSpec
    from rankscope.sweep.pool import LocalPool
    from rankscope.sweep.ray_backend import RayCluster
    from rankscope.sweep.report import build_sweep_report
    from rankscope.sweep.runner import run_sweep
    from rankscope.sweep.state import spec_from_sweep

    try:
        root = out if out is not None else Path("runs") / f"{name}-{preset or 'quick'}-sweep"
        if resume and (root / "sweep.json").is_file():
            stored = spec_from_sweep(root)
            spec = SweepSpec(
                experiment=name,
                preset=preset or stored.preset,
                grid=parse_grid(grid) if grid else stored.grid,
                overrides=parse_overrides(set_) if set_ else stored.overrides,
                seed_key=seed_key or stored.seed_key,
                holds_fraction=stored.holds_fraction if holds_fraction is None else holds_fraction,
            )
        else:
            spec = SweepSpec(
                experiment=name,
                preset=preset or "quick",
                grid=parse_grid(grid or []),
                overrides=parse_overrides(set_ or []),
                seed_key=seed_key or "seed",
                holds_fraction=0.8 if holds_fraction is None else holds_fraction,
            )
        backend: LocalPool | RayCluster
        if ray:
            if jobs is not None:
                raise ValueError(
                    f"--jobs {jobs} applies to the local pool only; with --ray (or RAY_ADDRESS={ray!r}) each "
                    "run asks Ray for --cpus CPUs. Unset RAY_ADDRESS to use the local pool"
                )
            backend = RayCluster(address=ray, cpus=cpus, gpus=gpus, connect_timeout=connect_timeout)
        else:
            if cpus is not None or gpus:
                raise ValueError("--cpus and --gpus apply to Ray runs only; add --ray auto|HOST:PORT|local")
            backend = LocalPool(jobs=jobs if jobs is not None else os.cpu_count())
        result = _run_with_bar(spec, root, backend, resume, run_sweep)
        report = build_sweep_report(root)
    except (ValueError, TypeError, StoreError, FileNotFoundError) as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished runs are kept; finish the sweep with `rankscope sweep {name} "
            f"--out {root} --resume`"
        )
        raise typer.Exit(code=130) from None
    _print_summary(result, report)
    if result.failed:
        raise typer.Exit(code=1)


def _run_with_bar(
    spec: SweepSpec,
    root: Path,
    backend: LocalPool | RayCluster,
    resume: bool,
    run_sweep: Callable[..., SweepResult],
) -> SweepResult:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[failed]}"),
        console=console,
    ) as bar:
        task = bar.add_task(f"{spec.experiment} runs", total=spec.grid.size, failed="")

        def update(point: PointStatus, counts: Mapping[str, int]) -> None:
            failed = f"[red]{counts['failed']} failed[/]" if counts.get("failed") else ""
            bar.update(task, completed=counts.get("done", 0) + counts.get("failed", 0), failed=failed)

        return run_sweep(spec, root, backend=backend, resume=resume, on_update=update)


def _print_summary(result: SweepResult, report: Path) -> None:
    done, total = result.count("done"), len(result.points)
    console.print(f"{done} of {total} runs done in [bold]{result.root}[/]")
    if result.failed:
        table = Table("failed point", "error")
        for p in result.failed:
            table.add_row(p.name, (p.error or "")[:300])
        console.print(table)
        console.print("re-run the failed points with --resume (details in each point's error.json)")
    console.print(f"report: [bold]{report}[/]")


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command to ``app`` (the ``rankscope`` command line)."""
    app.command("sweep")(sweep)
