"""``analyze``: every diagnostic that applies to a user's model, written as an ordinary run directory.

The run directory holds what an experiment's does: ``config.toml`` (the model, checkpoint and input
files and the options), ``arrays.npz`` (every spectrum), ``summary.json`` (the measures of each
diagnostic, the reasons for the ones that did not apply, the exact command, the provenance),
``figures/`` (one overview across depth: ranks, PCA dimension and condition number by layer, and
the spectra) and ``report.html`` with one section per diagnostic. ``rankscope report`` rebuilds it.

Example:
    >>> import tempfile, torch
    >>> from rankscope.nets import MLP
    >>> out = analyze(MLP(2, 8, 2, seed=0), torch.rand(32, 2), tempfile.mkdtemp() + "/run")
    >>> out.name
    'report.html'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope.analyze.diagnostics import (
    NTK_ROWS,
    Diagnostic,
    feature_spectra,
    jacobian_ranks,
    label_dimensions,
    ntk_top,
    weight_ranks,
)
from rankscope.devices import resolve_device
from rankscope.nets.layer_specs import LayerSpec
from rankscope.nets.modes import preserved_rng
from rankscope.provenance import collect_provenance
from rankscope.report import build_report, new_figure
from rankscope.store import RunDir

__all__ = ["DIAGNOSTICS", "analyze"]

#: The diagnostics, in report order.
DIAGNOSTICS = ("features", "weights", "jacobians", "labels", "ntk")

#: ``progress(label, done, total)``.
Progress = Callable[[str, int, int], None]


def _no_progress(label: str, done: int, total: int) -> None:
    """Ignore progress."""


def _finite(value: Any) -> Any:
    """JSON has no infinity: non-finite floats become ``None`` (shown as "n/a" in the report)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def analyze(
    model: nn.Module,
    inputs: torch.Tensor,
    out: str | Path,
    *,
    labels: torch.Tensor | None = None,
    layers: LayerSpec = "all",
    eps: float = 1e-6,
    ntk_points: int = 64,
    ntk_k: int = 20,
    ntk_rows: int = NTK_ROWS,
    device: str = "cpu",
    config: Mapping[str, Any] | None = None,
    command: str | None = None,
    overwrite: bool = False,
    progress: Progress = _no_progress,
) -> Path:
    """Run every applicable diagnostic on ``model`` at ``inputs``; write the run directory ``out``.

    Args:
        model: any ``nn.Module`` taking the batch ``inputs`` (``(m, ...)``; images, tokens).
        inputs: the points: the Gram matrices use Monte Carlo mean weights ``1/m``.
        out: the run directory (refused if it exists and holds something, unless ``overwrite``
            and it is a rankscope run directory; nothing else is ever deleted).
        labels: ``(m,)`` integer labels: adds the classification dimension and independence deficit.
        layers: the layers of the feature diagnostics (``"all"``, ``"last"``, names, indices).
        eps: eps-rank threshold (paper 000: 1e-6).
        ntk_points: the NTK uses the first ``ntk_points`` inputs; 0 skips it.
        ntk_k: how many of its largest eigenvalues.
        ntk_rows: at most this many rows (points x outputs): fewer points when the model has many
            outputs (the summary says how many were used).
        device: ``cpu``, ``cuda`` or ``auto`` (:func:`rankscope.devices.resolve_device`).
        config: what to record as the run's configuration (the CLI passes its arguments).
        command: the command that reproduces the run (shown in the report).
        overwrite: replace an earlier rankscope run directory at ``out``.
        progress: ``progress(label, done, total)`` after each diagnostic.

    Returns:
        The path of ``report.html``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not isinstance(inputs, torch.Tensor) or inputs.ndim < 1 or inputs.shape[0] < 1:
        raise ValueError(
            f"inputs must be a tensor batch (m, ...) with m >= 1; got {getattr(inputs, 'shape', inputs)!r}"
        )
    if not isinstance(ntk_points, int) or ntk_points < 0:
        raise ValueError(f"ntk_points must be an integer >= 0; got {ntk_points!r}")
    if not isinstance(ntk_rows, int) or ntk_rows < 1:
        raise ValueError(f"ntk_rows must be an integer >= 1; got {ntk_rows!r}")
    dev = resolve_device(device)
    run_config = {
        "layers": layers if isinstance(layers, (str, int)) else [str(v) for v in layers],
        "eps": eps,
        "ntk_points": ntk_points,
        "ntk_k": ntk_k,
        "ntk_rows": ntk_rows,
        "device": device,
        **dict(config or {}),
    }
    run = RunDir.create(
        out, experiment="analyze", preset="custom", config=_finite(run_config), overwrite=overwrite
    )
    model = model.to(dev)
    x = inputs.to(dev)
    if x.is_floating_point():
        param = next(iter(model.parameters()), None)
        x = x.to(param.dtype) if param is not None else x
    steps: list[tuple[str, Callable[[], Diagnostic]]] = [
        ("features", lambda: feature_spectra(model, x, layers, eps=eps)),
        ("weights", lambda: weight_ranks(model)),
        ("jacobians", lambda: jacobian_ranks(model, x)),
        (
            "labels",
            lambda: (
                label_dimensions(model, x, labels)
                if labels is not None
                else Diagnostic(skipped="no --labels given")
            ),
        ),
        (
            "ntk",
            lambda: (
                ntk_top(model, x[:ntk_points], ntk_k, max_rows=ntk_rows)
                if ntk_points
                else Diagnostic(skipped="--ntk-points 0")
            ),
        ),
    ]
    measures: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    arrays: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    with preserved_rng():
        for i, (name, step) in enumerate(steps):
            t0 = time.perf_counter()
            result = step()
            seconds[name] = round(time.perf_counter() - t0, 4)
            if result.skipped is not None:
                skipped[name] = result.skipped
            else:
                measures[name] = _finite(result.measures)
                arrays.update(result.arrays)
            progress(name, i + 1, len(steps))
    if arrays:
        run.write_arrays(**arrays)
    _overview_figure(run, measures)
    summary = {
        "experiment": "analyze",
        "preset": "custom",
        "checks": [],
        "measures": measures,
        "not_applicable": skipped,
        "inputs_shape": list(inputs.shape),
        "device": str(dev),
        "seconds": seconds,
        "command": command,
        "provenance": collect_provenance(),
    }
    run.write_summary(summary)
    return build_report(run.path)


def _overview_figure(run: RunDir, measures: Mapping[str, Any]) -> None:
    """Ranks, PCA dimension and condition number across depth; the weight ranks beside."""
    feats = measures.get("features", {})
    weights = measures.get("weights", {})
    if not feats and not weights:
        return
    fig, axes = new_figure(1, 3, figsize=(15, 4.2))
    names = list(feats)
    pos = np.arange(len(names))
    for key, label in (
        ("eps_rank", "eps-rank"),
        ("effective_rank", "effective rank"),
        ("stable_rank", "stable rank"),
        ("pca_dim", "PCA dim"),
    ):
        axes[0].plot(pos, [feats[n][key] for n in names], marker="o", label=label)
    axes[0].plot(pos, [feats[n]["features"] for n in names], color="0.6", ls=":", label="features")
    axes[0].set(title="(a) feature ranks by layer", xlabel="layer", ylabel="rank")
    axes[0].set_xticks(pos, names, rotation=45, ha="right", fontsize=7)
    axes[0].legend(fontsize=8)
    cond = [feats[n]["condition_number"] for n in names]
    axes[1].semilogy(pos, [c if c is not None else np.nan for c in cond], marker="o")
    axes[1].set(title="(b) condition number of the Gram matrix", xlabel="layer")
    axes[1].set_xticks(pos, names, rotation=45, ha="right", fontsize=7)
    wn = list(weights)
    wpos = np.arange(len(wn))
    axes[2].bar(wpos - 0.2, [weights[n]["numerical_rank"] for n in wn], 0.4, label="numerical rank (eq. 4)")
    axes[2].bar(wpos + 0.2, [weights[n]["full_rank"] for n in wn], 0.4, color="0.8", label="min(out, in)")
    axes[2].plot(wpos, [weights[n]["stable_rank"] for n in wn], "k.", label="stable rank")
    axes[2].set(title="(c) weight matrices", ylabel="rank")
    axes[2].set_xticks(wpos, wn, rotation=45, ha="right", fontsize=7)
    axes[2].legend(fontsize=8)
    fig.suptitle("rankscope analyze: ranks across depth")
    run.save_figure(fig, "overview")
