"""``RankscopeCallback``: a Lightning callback that runs a ``Monitor`` inside ``Trainer.fit``.

The callback builds a :class:`rankscope.train.Monitor` on the LightningModule (or on its sub-module
named by ``module``) when fit starts, and records every ``every`` optimiser steps
(``trainer.global_step``). Steps mean what they mean in ``rankscope.train.Trainer`` and in
Lightning's own logging: the record of step ``s`` holds the measures of the parameters *before* the
update of step ``s`` (step 0 is the initial network) and the loss of that step's batch, so it lines
up with ``self.log("train_loss", ...)`` at the same step. The measures are therefore taken in
``on_train_batch_start`` and the record is completed with the batch loss in ``on_train_batch_end``;
when fit ends, the final network is recorded once more (without a loss) if its step is due.

Every record is logged to each of the Trainer's loggers (``logger.log_metrics(..., step=s)``) as
``<prefix>/<layer>/<measure>`` (``rankscope/layers.1/eps_rank``), so none is lost to
``log_every_n_steps``, and through ``pl_module.log_dict(..., logger=False)`` into
``trainer.callback_metrics`` (and the progress bar with ``prog_bar=True``). The history stays on
``callback.history``. Everything runs on global rank zero only; other ranks do nothing.

Monitoring never changes training (see ``Monitor``): the weights after ``fit`` are bitwise the same
with and without the callback. Needs the ``lightning`` package: ``pip install 'rankscope[lightning]'``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from rankscope._checks import check_nonnegative, check_positive_int
from rankscope.linalg import Spectrum
from rankscope.nets.layer_specs import LayerSpec
from rankscope.nets.modes import MeasureMode, check_mode
from rankscope.sampling.quadrature import Quadrature
from rankscope.train.monitor import History, MetricsSink, Monitor

try:
    import lightning.pytorch as pl
    from lightning.pytorch.utilities.types import STEP_OUTPUT
except ImportError as exc:
    raise ImportError(
        "rankscope.integrations.lightning needs the lightning package: pip install 'rankscope[lightning]'"
    ) from exc

__all__ = ["RankscopeCallback"]

Sink = Callable[[dict[str, Any]], None] | MetricsSink


def _batch_loss(outputs: STEP_OUTPUT) -> float | None:
    """The loss ``training_step`` returned (a tensor, or a mapping with ``"loss"``), or ``None``."""
    value = outputs.get("loss") if isinstance(outputs, Mapping) else outputs
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach().item())
    return None


def _metric_dict(record: Mapping[str, Any], prefix: str = "rankscope") -> dict[str, float]:
    """The measures of a ``Monitor`` record as ``{"<prefix>/<layer>/<measure>": value}`` (NaN kept)."""
    return {
        f"{prefix}/{layer}/{measure}": math.nan if value is None else float(value)
        for measure, per_layer in record.get("measures", {}).items()
        for layer, value in per_layer.items()
    }


class RankscopeCallback(pl.Callback):
    """Record and log a ``Monitor``'s measures during ``Trainer.fit``.

    Args:
        layers: layer spec of the monitored module (``"last"``, ``"all"``, a name, an index or a
            list); names are relative to ``module``.
        quadrature: a ``rankscope.sampling.Quadrature`` on the input domain (points and weights).
        every: record when ``trainer.global_step % every == 0``.
        eps: threshold of the eps-rank (paper 000 Sec. 4: 1e-6).
        measures: extra measures ``{name: f(Spectrum) -> number}`` beside ``eps_rank``.
        keep_spectra: keep each spectrum in ``history`` and in the records given to ``sink``.
        mode: train/eval mode the layers are measured in (``"eval"``, ``"train"``, ``"as_is"``).
        module: dotted attribute path of the sub-module to monitor (``"net"``, ``"model.encoder"``);
            ``None`` monitors the LightningModule itself (layer names then start with its attributes).
        sink: forwarded to the ``Monitor``: called with every record (e.g. a
            :class:`~rankscope.integrations.tensorboard.TensorBoardSink` or a ``RunDir``).
        prefix: first component of every logged metric name.
        prog_bar: show the measures in the progress bar.

    The ``Monitor`` is rebuilt at each ``fit``, so ``history`` holds the records of the last fit.

    Example:
        >>> import rankscope
        >>> from rankscope.integrations.lightning import RankscopeCallback
        >>> q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 200)
        >>> cb = RankscopeCallback(layers="all", quadrature=q, every=10, module="net")
        >>> len(cb.history), cb.monitor is None
        (0, True)
    """

    def __init__(
        self,
        layers: LayerSpec = "last",
        quadrature: Quadrature | None = None,
        *,
        every: int = 10,
        eps: float = 1e-6,
        measures: Mapping[str, Callable[[Spectrum], float]] | None = None,
        keep_spectra: bool = False,
        mode: MeasureMode | str = MeasureMode.EVAL,
        module: str | None = None,
        sink: Sink | None = None,
        prefix: str = "rankscope",
        prog_bar: bool = False,
    ) -> None:
        if quadrature is None:
            raise TypeError("quadrature is required: e.g. rankscope.sampling.gauss_legendre((-1, 1), 1000)")
        if module is not None and not isinstance(module, str):
            raise TypeError(f"module must be a dotted attribute path (str) or None; got {module!r}")
        self.layers = layers
        self.quadrature = quadrature
        self.every = check_positive_int("every", every)
        self.eps = check_nonnegative("eps", eps)
        self.measures = dict(measures or {})
        self.keep_spectra = bool(keep_spectra)
        self.mode = check_mode(mode)
        self.module = module
        self.sink = sink
        self.prefix = prefix
        self.prog_bar = bool(prog_bar)
        #: the ``Monitor`` of the current (or last) fit; ``None`` before fit and on ranks other than 0
        self.monitor: Monitor | None = None
        self._pending: dict[str, Any] | None = None
        self._measured: int | None = None

    @property
    def history(self) -> History:
        """The records of the last fit (empty before fit, and on ranks other than 0)."""
        return self.monitor.history if self.monitor is not None else History()

    def _target(self, pl_module: nn.Module) -> nn.Module:
        if self.module is None:
            return pl_module
        try:
            return pl_module.get_submodule(self.module)
        except AttributeError:
            names = [name for name, _ in pl_module.named_modules() if name]
            raise ValueError(
                f"module={self.module!r} is not a sub-module of {type(pl_module).__name__}; "
                f"expected one of {names}"
            ) from None

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Build the ``Monitor`` on the (sub-)module, now on its training device."""
        self.monitor, self._pending, self._measured = None, None, None
        if not trainer.is_global_zero:
            return
        self.monitor = Monitor(
            self._target(pl_module),
            self.layers,
            self.quadrature,
            every=self.every,
            eps=self.eps,
            measures=self.measures,
            keep_spectra=self.keep_spectra,
            sink=self.sink,
            mode=self.mode,
        )

    def on_train_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        """Measure the parameters before this step's update, when the step is due (once per step)."""
        step = trainer.global_step
        if self.monitor is None or step == self._measured or not self.monitor.due(step):
            return
        self._measured = step
        self._pending = {"step": step, **self.monitor.measure(step)}

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: STEP_OUTPUT,
        batch: Any,
        batch_idx: int,
    ) -> None:
        """Complete the pending record with this batch's loss, then keep, sink and log it."""
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        record = {"step": pending["step"], "loss": _batch_loss(outputs), **pending}
        metrics = self._emit(trainer, record)
        pl_module.log_dict(
            metrics, on_step=True, on_epoch=False, logger=False, prog_bar=self.prog_bar, rank_zero_only=True
        )

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Record the final network (no loss) if its step is due and was not recorded."""
        step = trainer.global_step
        if self.monitor is None or step == self._measured or not self.monitor.due(step):
            return
        self._measured = step
        self._emit(trainer, {"step": step, "loss": None, **self.monitor.measure(step)})

    def _emit(self, trainer: pl.Trainer, record: dict[str, Any]) -> dict[str, float]:
        """Append ``record`` to the history, give it to the sink and log it to every logger."""
        assert self.monitor is not None
        self.monitor.history.append(record)
        if self.monitor.sink is not None:
            self.monitor.sink(record)
        metrics = _metric_dict(record, self.prefix)
        for logger in trainer.loggers:
            logger.log_metrics(metrics, step=record["step"])
        return metrics
