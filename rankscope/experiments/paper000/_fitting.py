"""Shared training of function-fitting networks under a ``Monitor``, with checkpoints and resume.

Used by the paper 000 function-fitting experiments (``staircase``, ``staircase-layers``,
``staircase-activations``, ``init-1d``, ``resnet-vs-mlp``): one implementation of the record numbering
(a global ``step`` across networks) and of the resume protocol, of reading the records back
(:func:`fitting_series`, :class:`FittingSeries`), the network labels and the presets they share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.experiments.base import ExperimentConfig, Progress, no_progress
from rankscope.problems import FunctionFitting, staircase_target
from rankscope.sampling import gauss_legendre, trapezoid
from rankscope.store import RunDir
from rankscope.train import Monitor, Trainer, parse_stages

__all__ = [
    "FittingConfig",
    "FittingSeries",
    "FittingSettings",
    "fitting_presets",
    "fitting_series",
    "last_layer_series",
    "net_label",
    "net_title",
    "series_arrays",
    "train_fitting",
]


class FittingSettings(Protocol):
    """The training settings :func:`train_fitting` reads from an experiment's (frozen) config."""

    @property
    def stages(self) -> tuple[tuple[str, int, float], ...]: ...
    @property
    def train_points(self) -> int: ...
    @property
    def quadrature_points(self) -> int: ...
    @property
    def eps(self) -> float: ...
    @property
    def every(self) -> int: ...
    @property
    def checkpoint_every(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def keep_spectra(self) -> bool: ...


@dataclass(frozen=True)
class FittingConfig(ExperimentConfig):
    """The training settings the function-fitting experiments share (a :class:`FittingSettings`):
    full-batch Adam at lr 1e-3 for 6000 steps on 1000 equispaced points, a Gram matrix on 1000
    Gauss-Legendre points recorded every 20 steps with eps = 1e-6 (paper 000 Sec. 4). Each
    experiment's config derives from it and adds (or re-defaults) its own fields."""

    stages: tuple[tuple[str, int, float], ...] = (("adam", 6000, 1e-3),)
    train_points: int = 1000
    quadrature_points: int = 1000
    eps: float = 1e-6
    every: int = 20
    checkpoint_every: int = 1000
    keep_spectra: bool = False


def train_fitting(
    nets: Sequence[tuple[str, Callable[[], nn.Module]]],
    settings: FittingSettings,
    run_dir: RunDir,
    progress: Progress = no_progress,
    *,
    layers: Any = "all",
    problem: FunctionFitting | None = None,
) -> None:
    """Train each ``(label, make_model)`` in turn on the fitting problem by the MSE, monitored.

    Each model is built by ``make_model()`` (seed it there) and trained by full-batch ``stages`` on
    ``train_points`` equispaced (trapezoid) points; a ``Monitor`` on ``layers`` records the loss and
    the eps-rank (and optionally the spectrum) of each layer's Gram matrix at ``quadrature_points``
    Gauss–Legendre points every ``every`` steps. Network ``i`` writes records
    ``{"step": i * (T + 1) + iter, "iter": iter, "net": label, "loss", "measures", ...}`` where ``T``
    is the number of training steps, so ``step`` increases through the whole run. Checkpoints and
    resume follow :func:`rankscope.experiments._resume.train_in_turn`. A non-finite loss (the net
    diverged) raises ``RuntimeError`` naming the net and the stages; what was recorded is kept.

    Args:
        nets: ``(label, make_model)`` pairs; labels must be distinct.
        settings: a config with the fields of :class:`FittingSettings`.
        run_dir: a ``rankscope.store.RunDir``.
        progress: ``progress(label, done, total)``.
        layers: the layer spec the ``Monitor`` records (``"all"``, ``"last"``, ...).
        problem: the fitting problem; default paper 000 eq. (2.5), ``staircase_target()``.

    Example:
        >>> import tempfile
        >>> from rankscope.store import RunDir
        >>> from rankscope.nets import MLP
        >>> from rankscope.experiments.paper000.staircase_layers import LayersConfig
        >>> run = RunDir.create(tempfile.mkdtemp() + "/r", experiment="demo", preset="quick", config={})
        >>> cfg = LayersConfig(stages=(("adam", 10, 1e-2),), every=5, train_points=50, quadrature_points=50)
        >>> nets = [("a", lambda: MLP(1, 4, 2, seed=0)), ("b", lambda: MLP(1, 4, 1, seed=0))]
        >>> train_fitting(nets, cfg, run, layers="all")
        >>> [(r["net"], r["iter"], r["step"], len(r["measures"]["eps_rank"])) for r in run.read_metrics()]
        [('a', 0, 0, 2), ('a', 5, 5, 2), ('a', 10, 10, 2), ('b', 0, 11, 1), ('b', 5, 16, 1), ('b', 10, 21, 1)]
    """
    problem = problem or staircase_target()
    quad = gauss_legendre(problem.domain, settings.quadrature_points)
    x, _ = trapezoid(problem.domain, settings.train_points).to_torch(dtype=torch.float32)
    y = problem.target(x)
    stages = parse_stages(settings.stages)

    def job(label: str, make_model: Callable[[], nn.Module]) -> Job:
        def build(sink: RecordSink) -> Trainer:
            torch.manual_seed(settings.seed)
            net = make_model()
            monitor = Monitor(
                net,
                layers,
                quad,
                every=settings.every,
                eps=settings.eps,
                keep_spectra=settings.keep_spectra,
                sink=sink,
            )

            def loss(m: nn.Module) -> torch.Tensor:
                value = problem.mse(m, x, y)
                if not bool(torch.isfinite(value)):
                    raise RuntimeError(
                        f"training of net {label!r} diverged (loss {float(value.detach())}) with stages "
                        f"{[list(s) for s in settings.stages]}; expected a finite loss: lower the learning "
                        "rate (--set stages=...)"
                    )
                return value

            return Trainer(net, loss, stages, [monitor])

        return Job(label, build)

    train_in_turn(
        [job(label, make) for label, make in nets],
        run_dir,
        sum(s.steps for s in stages),
        progress,
        checkpoint_every=settings.checkpoint_every,
    )


@dataclass(frozen=True)
class FittingSeries:
    """The records of one network: ``iter`` (T,), ``loss`` (T,), ``eps_rank`` (T, layers).

    ``layers`` names the columns of ``eps_rank``, shallow to deep; ``spectra[layer]`` is (T, n)
    when spectra were kept.
    """

    iter: np.ndarray
    loss: np.ndarray
    layers: tuple[str, ...]
    eps_rank: np.ndarray
    spectra: dict[str, np.ndarray]

    @property
    def last(self) -> np.ndarray:
        """The eps-rank of the last recorded layer (the last hidden layer for ``"all"``), (T,)."""
        return self.eps_rank[:, -1]


def _grouped(records: Sequence[dict[str, Any]], by: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        grouped.setdefault(rec[by], []).append(rec)
    return grouped


def fitting_series(records: Sequence[dict[str, Any]], by: str = "net") -> dict[str, FittingSeries]:
    """Group the records :func:`train_fitting` (or ``train_in_turn`` with ``label_key=by``) wrote by
    network, in the order the networks ran."""
    grouped = _grouped(records, by)
    out: dict[str, FittingSeries] = {}
    for label, recs in grouped.items():
        layers = tuple(recs[0]["measures"]["eps_rank"])
        spectra = {
            layer: np.asarray([r["spectrum"][layer] for r in recs], dtype=np.float64)
            for layer in layers
            if all(layer in r.get("spectrum", {}) for r in recs)
        }
        out[label] = FittingSeries(
            iter=np.asarray([r["iter"] for r in recs], dtype=np.int64),
            loss=np.asarray([r["loss"] for r in recs], dtype=np.float64),
            layers=layers,
            eps_rank=np.asarray(
                [[r["measures"]["eps_rank"][k] for k in layers] for r in recs], dtype=np.int64
            ),
            spectra=spectra,
        )
    return out


def last_layer_series(
    records: Sequence[dict[str, Any]], by: str = "net", extra: dict[str, str] | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Per network, the series of a run that recorded one layer: ``iter``, ``loss``, ``eps_rank`` (T,),
    each ``extra`` name from its record key (float64), and ``spectrum`` (T, n; empty if not kept)."""
    extra = extra or {}
    grouped = _grouped(records, by)
    return {
        label: {
            "iter": s.iter,
            "loss": s.loss,
            "eps_rank": s.last,
            **{k: np.asarray([r[key] for r in grouped[label]], dtype=np.float64) for k, key in extra.items()},
            "spectrum": s.spectra.get(s.layers[-1], np.zeros(0)),
        }
        for label, s in fitting_series(records, by).items()
    }


def series_arrays(data: dict[str, FittingSeries]) -> dict[str, np.ndarray]:
    """Flatten series to ``{"{net}/iter": ..., "{net}/loss": ..., "{net}/eps_rank": (T, layers)}``."""
    arrays: dict[str, np.ndarray] = {}
    for label, s in data.items():
        arrays[f"{label}/iter"] = s.iter
        arrays[f"{label}/loss"] = s.loss
        arrays[f"{label}/eps_rank"] = s.eps_rank
        for layer, spec in s.spectra.items():
            arrays[f"{label}/spectrum/{layer}"] = spec
    return arrays


def fitting_presets(
    quick_steps: int, paper_steps: int, every: tuple[int, int] = (20, 10)
) -> dict[str, dict[str, Any]]:
    """The ``quick`` and ``paper`` presets of a fitting experiment: full-batch Adam at lr 1e-3 for
    ``quick_steps`` or ``paper_steps`` (2000 quadrature points), recorded ``every`` steps."""
    return {
        "quick": {"stages": (("adam", quick_steps, 1e-3),), "every": every[0]},
        "paper": {
            "stages": (("adam", paper_steps, 1e-3),),
            "every": every[1],
            "quadrature_points": 2000,
            "checkpoint_every": 2000,
        },
    }


def net_label(depth: int, width: int) -> str:
    """``(4, 50)`` -> ``"L4_n50"``, the label of an MLP of ``depth`` hidden layers of ``width``."""
    return f"L{depth}_n{width}"


def net_title(label: str) -> str:
    """``"L4_n50"`` -> ``"L = 4, n = 50"`` (a label of the form ``L{depth}_n{width}``)."""
    depth, width = label.split("_")
    return f"L = {depth[1:]}, n = {width[1:]}"
