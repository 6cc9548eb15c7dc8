"""``rankscope analyze``: the papers' diagnostics on your own model, from the command line.

    rankscope analyze my_pkg.models:make_net --checkpoint model.pt --inputs batch.npz --out runs/mine
    rankscope analyze path/to/model.py:Net --checkpoint model.safetensors --inputs x.pt --layers all \\
        --labels y.npy --model-kwargs "width = 64" --device auto --out runs/mine

Every failure (an import error, missing or unexpected keys, a shape mismatch, non-finite weights,
an unreadable input file) is one line on stderr naming the file, and exits with status 2; nothing
is written before the model, the weights and the inputs have loaded.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rankscope._checks import one_line
from rankscope.store import StoreError

__all__ = ["analyze_command", "register"]

console = Console()


def _layers(text: str) -> str | list[str | int]:
    if text in ("all", "last"):
        return text
    return [int(p) if p.strip().lstrip("-").isdigit() else p.strip() for p in text.split(",") if p.strip()]


def analyze_command(
    model: Annotated[str, typer.Argument(help="the model: package.module:attr or path/to/file.py:attr")],
    inputs: Annotated[Path, typer.Option(help="the input batch: .npz, .npy or .pt, any shape (m, ...)")],
    out: Annotated[Path, typer.Option(help="the run directory to write")],
    checkpoint: Annotated[
        Path | None, typer.Option(help="state dict: .pt/.pth (weights_only) or .safetensors")
    ] = None,
    labels: Annotated[Path | None, typer.Option(help="integer labels (m,): .npz, .npy or .pt")] = None,
    inputs_key: Annotated[str | None, typer.Option(help="the array's name in an .npz or .pt dict")] = None,
    labels_key: Annotated[str | None, typer.Option(help="the labels' name in an .npz or .pt dict")] = None,
    model_kwargs: Annotated[
        str | None, typer.Option(help="keyword arguments of the factory: TOML ('width = 64') or a .toml file")
    ] = None,
    layers: Annotated[str, typer.Option(help="all, last, or names/indices separated by commas")] = "all",
    eps: Annotated[float, typer.Option(help="eps-rank threshold (paper 000: 1e-6)")] = 1e-6,
    ntk_points: Annotated[int, typer.Option(help="inputs used by the NTK (0 skips it)", min=0)] = 64,
    ntk_rows: Annotated[int, typer.Option(help="at most this many NTK rows (points x outputs)", min=1)] = 128,
    device: Annotated[str, typer.Option(help="cpu, cuda or auto")] = "cpu",
    overwrite: Annotated[
        bool, typer.Option(help="replace an earlier rankscope run directory at OUT")
    ] = False,
) -> None:
    """Compute every diagnostic that applies to your model and write a run directory with its report."""
    from rankscope.analyze.loading import load_array, load_model, load_weights, parse_model_kwargs
    from rankscope.analyze.run import analyze

    try:
        kwargs = parse_model_kwargs(model_kwargs)
        net = load_model(model, kwargs)
        if checkpoint is not None:
            load_weights(net, checkpoint)
        x = load_array(inputs, key=inputs_key, what="inputs")
        y = load_array(labels, key=labels_key, what="labels") if labels is not None else None
        config = {
            "model": model,
            "model_kwargs": kwargs,
            "checkpoint": str(checkpoint or ""),
            "inputs": str(inputs),
            "labels": str(labels or ""),
        }
        command = "rankscope " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv else None
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("diagnostics", total=5)

            def progress(label: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"diagnostics: {label}")

            report = analyze(
                net,
                x,
                out,
                labels=y,
                layers=_layers(layers),
                eps=eps,
                ntk_points=ntk_points,
                ntk_rows=ntk_rows,
                device=device,
                config=config,
                command=command,
                overwrite=overwrite,
                progress=progress,
            )
    except (ValueError, TypeError, OSError, StoreError) as exc:
        typer.echo(f"error: {one_line(exc)}", err=True)
        raise typer.Exit(code=2) from None
    console.print(f"report: [bold]{report}[/]")


def register(app: typer.Typer) -> None:
    """Add ``analyze`` to the ``rankscope`` app."""
    app.command("analyze")(analyze_command)
