"""The training runs of the ``sggn`` experiment, as jobs of the shared resume protocol
(:func:`rankscope.experiments._resume.train_in_turn`): SgGN, and Adam or L-BFGS (torch, float64) on the
same quadrature loss from the same initialisation.

Adam and L-BFGS are ordinary ``Trainer`` stages (:func:`torch_job`, through
:func:`~rankscope.experiments._resume.trainer_job`). SgGN is not: a ``Stage`` builds a
``torch.optim.Optimizer`` that steps on the gradient of a fixed ``loss_fn``, while an SgGN iteration
solves for ``c`` (the linear step ``A c = f``), then for ``(W, b)`` (the layer Gauss–Newton system
``Hhat z = -ghat`` with its own Armijo search on a quadrature that follows the breakpoints), in numpy.
So :func:`sggn_job` wraps :func:`rankscope.train.sggn.sggn_iterations` in a small :class:`SgGNRun` with
the ``Trainer``'s resume surface (:class:`~rankscope.experiments._resume.Resumable`).

Not an experiment module (the leading underscore keeps it out of the registry).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope.experiments._resume import Job, RecordSink, TrainJob, trainer_job
from rankscope.experiments.paper003._sggn_problems import SgGNConfig
from rankscope.problems.relu_targets import Target
from rankscope.sampling.adaptive import breakpoints_1d
from rankscope.train import Stage
from rankscope.train.sggn import SgGNOptions, sggn_iterations
from rankscope.train.sggn_step import linear_step, quadrature_loss_torch

__all__ = ["SgGNRun", "lbfgs_stage", "sggn_job", "torch_job"]

Extra = Callable[[dict[str, Any]], dict[str, Any]]


def _neurons(w: np.ndarray, b: np.ndarray, c: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {"weights": w.tolist(), "biases": b.tolist(), "coefficients": c.tolist()}
    if w.shape[1] == 1:
        out["breakpoints"] = breakpoints_1d(w, b).tolist()
    return out


class ShallowNet(nn.Module):
    """``v = relu(x W^T + b) c`` as parameters ``(W, b, c)`` (in that order: L-BFGS flattens them so),
    with a buffer ``clock``: the training wall time at the last record (it travels in the checkpoint)."""

    def __init__(self, w: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))
        self.b = nn.Parameter(torch.tensor(b, dtype=torch.float64))
        self.c = nn.Parameter(torch.tensor(c, dtype=torch.float64))
        self.clock: torch.Tensor
        self.register_buffer("clock", torch.zeros((), dtype=torch.float64))


def _shallow(module: nn.Module) -> ShallowNet:
    if not isinstance(module, ShallowNet):
        raise TypeError(f"expected the ShallowNet of torch_job; got {type(module).__name__}")
    return module


def lbfgs_stage(steps: int, history: int) -> Stage:
    """One L-BFGS iteration per step. torch's defaults would cripple it here: ``max_eval = 5/4 max_iter
    = 1`` leaves the strong-Wolfe search no trial step, and the absolute tolerances (1e-7 on the
    gradient, 1e-9 on changes) stop iterations on losses J ~ 1e-3."""
    opts = {
        "max_iter": 1,
        "max_eval": 25,
        "history_size": history,
        "line_search_fn": "strong_wolfe",
        "tolerance_grad": 0.0,
        "tolerance_change": 0.0,
    }
    return Stage("lbfgs", steps, 1.0, opts)


def torch_job(
    label: str,
    method: str,
    cfg: SgGNConfig,
    target: Target,
    rule: Any,
    w0: np.ndarray,
    b0: np.ndarray,
    steps: int,
    extra: Extra,
) -> Job:
    """Adam or L-BFGS on all of (W, b, c) of the quadrature loss, float64, from (W0, b0, c0 = L2 proj.).

    Each record (every ``record_every`` steps and the last) holds the loss, the relative error, the
    neurons and ``time``: the wall time of training, the records' own cost left out. A resumed run
    restarts the clock at its last record before the checkpoint (at most ``record_every`` steps' time
    is lost). ``extra(record)`` adds fields (the problem, the method, the 2D check error).
    """
    x, wq = rule(w0, b0)
    u_norm2 = float(wq @ target(x) ** 2)
    c0, _ = linear_step(x, wq, w0, b0, target(x), diagnostics=False)
    last: list[float] = []  # perf_counter at the end of the previous record (none after a resume)

    def build() -> nn.Module:
        last.clear()
        return ShallowNet(w0, b0, c0)

    def loss_fn(module: nn.Module) -> torch.Tensor:
        net = _shallow(module)
        return quadrature_loss_torch(net.w, net.b, net.c, target, rule)

    def record(module: nn.Module) -> dict[str, Any]:
        now = time.perf_counter()
        net = _shallow(module)
        if last:
            net.clock += now - last[0]
        with torch.no_grad():
            loss = float(loss_fn(net))
        if not np.isfinite(loss):
            raise FloatingPointError(f"loss J is not finite ({loss}) for {method} in {label}")
        w, b, c = (p.detach().numpy().copy() for p in (net.w, net.b, net.c))
        rec = {"rel_error": float(np.sqrt(2 * loss / u_norm2)), "time": float(net.clock), **_neurons(w, b, c)}
        rec = extra(rec)
        last[:] = [time.perf_counter()]
        return rec

    if method == "adam":
        stage = Stage("adam", steps, cfg.adam_lr)
    else:
        stage = lbfgs_stage(steps, cfg.lbfgs_history)
    return trainer_job(TrainJob(label, build, loss_fn, (stage,), record), cfg.record_every)


class SgGNRun:
    """SgGN from ``(W0, b0)`` with the ``Trainer``'s resume surface: ``step`` = iterations done,
    ``state_dict`` = the neurons, the iteration and the clock; it checkpoints every ``every`` iterations
    (one SgGN iteration costs about as much as 100 optimiser steps, so ``checkpoint_every // 100``).
    It may stop before ``total_steps`` when the line search finds no decrease."""

    def __init__(
        self, cfg: SgGNConfig, target: Target, rule: Any, w0: np.ndarray, b0: np.ndarray, sink: RecordSink
    ) -> None:
        self.cfg, self.target, self.rule, self.sink = cfg, target, rule, sink
        self.w, self.b = w0, b0
        self.step, self.clock = 0, 0.0
        self.model: nn.Module = ShallowNet(w0, b0, np.zeros(w0.shape[0]))  # the protocol's (unused)

    @property
    def total_steps(self) -> int:
        return self.cfg.sggn_iterations

    def state_dict(self) -> dict[str, Any]:
        return {
            "weights": torch.from_numpy(self.w.copy()),
            "biases": torch.from_numpy(self.b.copy()),
            "iter": self.step,
            "time": self.clock,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.w, self.b = state["weights"].numpy(), state["biases"].numpy()
        self.step, self.clock = int(state["iter"]), float(state["time"])

    def run(
        self,
        until: int | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
        checkpoint: Callable[[Any], None] | None = None,
        checkpoint_every: int = 0,
    ) -> SgGNRun:
        cfg, start = self.cfg, self.step
        end = self.total_steps if until is None else min(until, self.total_steps)
        solver = cfg.mass_solver_1d if self.target.dim == 1 else "dense"
        opts = SgGNOptions(iterations=end - start, mass_solver=solver, separation=cfg.sggn_separation)
        every = max(1, checkpoint_every // 100) if checkpoint_every else 0
        for rec in sggn_iterations(
            self.w,
            self.b,
            self.target,
            self.rule,
            opts,
            domain=self.target.domain,
            start_iteration=start,
            start_time=self.clock,
        ):
            self.sink({"step": rec.iteration, **rec.as_dict()})
            self.w, self.b, self.step, self.clock = rec.weights, rec.biases, rec.iteration, rec.time
            if on_progress is not None:
                on_progress(rec.iteration)
            if checkpoint is not None and every and rec.iteration % every == 0 and rec.iteration > start:
                checkpoint(self)
        return self


def sggn_job(
    label: str, cfg: SgGNConfig, target: Target, rule: Any, w0: np.ndarray, b0: np.ndarray, extra: Extra
) -> Job:
    """SgGN as a :class:`Job`; ``extra(record)`` adds fields to each iteration's record."""

    def build(sink: RecordSink) -> SgGNRun:
        return SgGNRun(cfg, target, rule, w0, b0, lambda rec: sink(extra(rec)))

    return Job(label, build)
