"""Figures of a Monitor's history, read back from any run directory's ``metrics.jsonl``.

A ``Monitor`` with ``sink=run_dir`` (a :class:`~rankscope.store.RunDir`) appends one record per
recorded step: ``{"step", "loss", "measures": {name: {layer: value}}, "spectrum": {layer: [...]}}``.
:func:`history_figures` draws what such records hold, so ``rankscope report`` renders the run of a
user's own training loop as it does an experiment's: the loss and every measure over the steps
(one panel per measure, a line per layer), and for each layer with kept spectra a heat map of
``log10`` eigenvalue against step (paper 000 Fig. 2 (c) style).

Example:
    >>> import tempfile
    >>> from rankscope.store import RunDir
    >>> run = RunDir.create(tempfile.mkdtemp() + "/r", experiment="monitor", preset="custom", config={})
    >>> for s in range(3):
    ...     run.append_metrics({"step": s, "loss": 1.0 / (s + 1), "measures": {"eps_rank": {"h": s}}})
    >>> [p.name for p in history_figures(run)]
    ['history.png']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rankscope.report.figures import new_figure
from rankscope.store import RunDir

__all__ = ["history_figures", "is_monitor_history"]


def is_monitor_history(records: Sequence[Mapping[str, Any]]) -> bool:
    """Whether ``records`` look like a Monitor's (a ``step`` and a ``measures`` mapping each)."""
    return bool(records) and all("step" in r and isinstance(r.get("measures"), Mapping) for r in records)


def _values(records: Sequence[Mapping[str, Any]], measure: str, layer: str) -> np.ndarray:
    out = []
    for r in records:
        v = r["measures"].get(measure, {}).get(layer)
        out.append(np.nan if v is None else float(v))
    return np.asarray(out, dtype=np.float64)


def history_figures(run: RunDir) -> list[Path]:
    """Draw the history figures of ``run``'s Monitor records; returns the files (none if no records)."""
    records = [r for r in run.read_metrics() if "step" in r and isinstance(r.get("measures"), Mapping)]
    if not records:
        return []
    steps = np.asarray([r["step"] for r in records], dtype=np.float64)
    measures = sorted({m for r in records for m in r["measures"]})
    fig, axes = new_figure(1, 1 + len(measures), figsize=(4.6 * (1 + len(measures)), 3.6), squeeze=False)
    loss = np.asarray([np.nan if r.get("loss") is None else float(r["loss"]) for r in records])
    ax0 = axes[0][0]
    if np.isfinite(loss).any() and np.nanmin(loss) > 0:
        ax0.semilogy(steps, loss, color="black")
    else:
        ax0.plot(steps, loss, color="black")
    ax0.set(title="loss", xlabel="step")
    for ax, m in zip(axes[0][1:], measures, strict=True):
        layers = sorted({layer for r in records for layer in r["measures"].get(m, {})})
        for layer in layers:
            ax.plot(steps, _values(records, m, layer), marker=".", label=layer)
        ax.set(title=m, xlabel="step")
        if len(layers) > 1:
            ax.legend(fontsize=7)
    fig.suptitle(f"{run.path.name}: Monitor history ({len(records)} records)")
    paths = [run.save_figure(fig, "history")]
    with_spectra = sorted({layer for r in records for layer in r.get("spectrum", {})})
    for layer in with_spectra:
        rows = [
            (float(r["step"]), np.asarray(r["spectrum"][layer], dtype=np.float64))
            for r in records
            if layer in r.get("spectrum", {})
        ]
        width = max(len(v) for _, v in rows)
        grid = np.full((len(rows), width), np.nan)
        for i, (_, v) in enumerate(rows):
            pos = v[v > 0]
            grid[i, : pos.size] = np.log10(np.sort(pos)[::-1])
        fig, ax = new_figure(figsize=(6.5, 4.0))
        mesh = ax.imshow(
            grid.T,
            aspect="auto",
            origin="lower",
            cmap="viridis",
            extent=(rows[0][0], rows[-1][0], 0.5, width + 0.5),
        )
        fig.colorbar(mesh, ax=ax, label="log10 eigenvalue")
        ax.set(title=f"spectrum of {layer}", xlabel="step", ylabel="index (descending)")
        paths.append(run.save_figure(fig, f"spectrum_{layer.replace('/', '_').replace(':', '_')}"))
    return paths
