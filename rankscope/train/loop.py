"""A small full-batch training loop: stages of SGD, Adam or L-BFGS, with callbacks and checkpoints.

The trainer owns the model and the optimiser state (one end of the one-way pipeline); callbacks such
as ``Monitor`` observe it. ``state_dict()``/``load_state_dict()`` capture everything needed to resume
a run bit-for-bit on the same machine: model, optimiser, stage, step and the global torch RNG.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from rankscope._checks import check_choice, check_positive_int

__all__ = ["Callback", "Stage", "Trainer", "parse_stages"]

OPTIMIZERS = ("adam", "sgd", "lbfgs")


@dataclass(frozen=True)
class Stage:
    """``steps`` optimiser steps of ``optimizer`` (``adam``, ``sgd`` or ``lbfgs``) at rate ``lr``."""

    optimizer: str = "adam"
    steps: int = 1000
    lr: float = 1e-3
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_positive_int("steps", self.steps)
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ValueError(f"lr must be a positive number; got {self.lr!r}")

    def build(self, params: Sequence[nn.Parameter]) -> torch.optim.Optimizer:
        if self.optimizer == "adam":
            return torch.optim.Adam(params, lr=self.lr, **self.options)
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, lr=self.lr, **self.options)
        # max_eval: torch's default (max_iter * 5 // 4 = 1) leaves the strong-Wolfe search no trial
        # beyond the first, so one rejected trial step returns a zero step and L-BFGS stalls for good.
        opts: dict[str, Any] = {
            "max_iter": 1,
            "max_eval": 25,
            "history_size": 50,
            "line_search_fn": "strong_wolfe",
        }
        opts.update(self.options)
        return torch.optim.LBFGS(params, lr=self.lr, **opts)


def parse_stages(spec: Sequence[Any]) -> list[Stage]:
    """Stages from config data: ``[["adam", 5000, 1e-3], ["lbfgs", 500, 1.0]]`` or ``Stage``s."""
    out = []
    for i, s in enumerate(spec):
        if isinstance(s, Stage):
            out.append(s)
        elif isinstance(s, (list, tuple)) and len(s) == 3:
            out.append(Stage(str(s[0]), int(s[1]), float(s[2])))
        else:
            raise ValueError(
                f"stages[{i}] must be [optimizer, steps, lr] such as ['adam', 5000, 0.001]; got {s!r}"
            )
    if not out:
        raise ValueError("stages must hold at least one [optimizer, steps, lr] entry")
    return out


class Callback(Protocol):
    def on_step(self, step: int, loss: float) -> None: ...


class Trainer:
    """Minimise ``loss_fn(model)`` over the ``stages`` in turn, calling callbacks at every step.

    ``on_step(step, loss)`` is called with the loss of the parameters *before* the update of that
    step (so step 0 is the initial network), while those parameters are still in place, and once
    more after the last step with ``step == total_steps`` and the final loss.

    Example:
        >>> net = nn.Linear(1, 1)
        >>> x = torch.linspace(-1, 1, 10)[:, None]
        >>> t = Trainer(net, lambda m: ((m(x) - 2 * x) ** 2).mean(), [Stage("adam", 5, 1e-2)])
        >>> t.run().step
        5
    """

    def __init__(
        self,
        model: nn.Module,
        loss_fn: Callable[[nn.Module], torch.Tensor],
        stages: Sequence[Stage],
        callbacks: Sequence[Callback] = (),
    ) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.stages = list(stages)
        if not self.stages:
            raise ValueError("stages must hold at least one Stage")
        self.callbacks = list(callbacks)
        self.step = 0
        self.stage_index = 0
        self._opt: torch.optim.Optimizer | None = None
        self._opt_stage = -1
        self.last_loss = float("nan")

    @property
    def total_steps(self) -> int:
        return sum(s.steps for s in self.stages)

    def _stage_at(self, step: int) -> tuple[int, int]:
        start = 0
        for i, s in enumerate(self.stages):
            if step < start + s.steps:
                return i, start
            start += s.steps
        return len(self.stages), start

    def _optimizer(self, i: int) -> torch.optim.Optimizer:
        if self._opt is None or self._opt_stage != i:
            self._opt = self.stages[i].build(list(self.model.parameters()))
            self._opt_stage = i
        return self._opt

    def _one_step(self, opt: torch.optim.Optimizer) -> float:
        """One optimiser step; callbacks see the loss of the parameters *before* the update."""
        step = self.step
        if isinstance(opt, torch.optim.LBFGS):
            holder: dict[str, float] = {}

            def closure() -> torch.Tensor:
                opt.zero_grad(set_to_none=True)
                loss = self.loss_fn(self.model)
                if "first" not in holder:
                    holder["first"] = float(loss.detach())
                    self._notify(step, holder["first"])
                loss.backward()
                return loss

            opt.step(closure)
            return holder["first"]
        opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model)
        value = float(loss.detach())
        self._notify(step, value)
        loss.backward()
        opt.step()
        return value

    def _notify(self, step: int, loss: float) -> None:
        for cb in self.callbacks:
            cb.on_step(step, loss)

    def run(
        self,
        until: int | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
        checkpoint: Callable[[Trainer], None] | None = None,
        checkpoint_every: int = 0,
    ) -> Trainer:
        """Train from the current step to ``until`` (default: the end of the last stage).

        ``checkpoint(trainer)`` is called at the top of every ``checkpoint_every``-th step: at that
        moment ``trainer.step`` steps are done and every callback has seen steps ``< trainer.step``.
        """
        end = self.total_steps if until is None else min(until, self.total_steps)
        start = self.step
        while self.step < end:
            if (
                checkpoint is not None
                and checkpoint_every
                and self.step > start
                and self.step % checkpoint_every == 0
            ):
                checkpoint(self)
            i, _ = self._stage_at(self.step)
            self.last_loss = self._one_step(self._optimizer(i))
            self.step += 1
            if on_progress is not None:
                on_progress(self.step)
        if self.step == self.total_steps and end == self.total_steps:
            # Not under no_grad: a PINN loss differentiates the network in x with autograd.
            final = float(self.loss_fn(self.model).detach())
            self.last_loss = final
            self._notify(self.step, final)
        for cb in self.callbacks:  # a background Monitor hands over its last record
            flush = getattr(cb, "flush", None)
            if callable(flush):
                flush()
        return self

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: model, optimiser, step and the torch RNG state."""
        i, _ = self._stage_at(self.step)
        return {
            "step": self.step,
            "model": self.model.state_dict(),
            "optimizer": self._opt.state_dict() if self._opt is not None else None,
            "optimizer_stage": self._opt_stage,
            "rng": torch.get_rng_state(),
            "stage_index": i,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.step = int(state["step"])
        torch.set_rng_state(state["rng"])
        self._opt = None
        stage = int(state.get("optimizer_stage", -1))
        if state.get("optimizer") is not None and 0 <= stage < len(self.stages):
            opt = self._optimizer(stage)
            opt.load_state_dict(state["optimizer"])
