"""Shared training of function-fitting networks under a ``Monitor``, with checkpoints and resume.

Used by ``staircase`` and the paper 000 fitting experiments: one implementation of the record
numbering (a global ``step`` across networks) and of the resume protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import torch
from torch import nn

from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.experiments.base import Progress, no_progress
from rankscope.problems import FunctionFitting, staircase_target
from rankscope.sampling import gauss_legendre, trapezoid
from rankscope.train import Monitor, Trainer, parse_stages

__all__ = ["FittingSettings", "train_fitting"]


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


def train_fitting(
    nets: Sequence[tuple[str, Callable[[], nn.Module]]],
    settings: FittingSettings,
    run_dir: Any,
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
        >>> from rankscope.experiments.paper000_fitting import LayersConfig
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
