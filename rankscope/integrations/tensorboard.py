"""``TensorBoardSink``: a ``Monitor`` sink that writes every record as TensorBoard scalars and histograms.

Pass it as ``Monitor(..., sink=TensorBoardSink(log_dir))``; each record the monitor takes becomes, at
``global_step = record["step"]``:

- a scalar ``<prefix>/<layer>/<measure>`` for every measure of every layer
  (``rankscope/layers.1/eps_rank``, ``rankscope/layers.1/effective_rank``, ...);
- a scalar ``<prefix>/loss`` when the record has a loss (a record taken without a loss writes none),
  and a scalar ``<prefix>/<key>`` for any other real number the record carries
  (``monitor.record(step, loss=..., lr=1e-3)`` gives ``rankscope/lr``);
- when the record has spectra (``keep_spectra=True``) and ``histograms=True``: a histogram
  ``<prefix>/<layer>/spectrum`` of ``log10`` of the positive eigenvalues, and a scalar
  ``<prefix>/<layer>/positive_eigenvalues`` counting them.

NaN is written, never dropped: a measure of a layer whose neuron functions were not finite (the
monitor records NaN for it) is a NaN scalar, so the gap shows in TensorBoard at the step it
happened; its spectrum is NaN too, so its count scalar is NaN and no histogram is written at that
step. A spectrum with no positive eigenvalue writes a count of 0 and no histogram (TensorBoard has
no empty histogram).

Scalars are stored as float32 by TensorBoard. Needs the ``tensorboard`` package:
``pip install 'rankscope[tensorboard]'``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

try:
    from torch.utils.tensorboard import SummaryWriter
except ImportError as exc:  # torch raises ImportError when the tensorboard package is missing
    raise ImportError(
        "rankscope.integrations.tensorboard needs the tensorboard package: "
        "pip install 'rankscope[tensorboard]'"
    ) from exc

__all__ = ["TensorBoardSink"]

#: record keys that are not written as plain scalars
_STRUCTURED = ("step", "loss", "measures", "spectrum")


def _check_log_dir(log_dir: str | os.PathLike[str]) -> Path:
    """``log_dir`` as a ``Path``, or a one-line ``ValueError`` if it (or a parent) is not a directory."""
    if not isinstance(log_dir, (str, os.PathLike)):
        raise TypeError(f"log_dir must be a directory path (str or os.PathLike); got {log_dir!r}")
    path = Path(log_dir)
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p == path else f"lies under the file {str(p)!r}"
                raise ValueError(
                    f"log_dir must be a directory; got {str(path)!r}, which {what}: "
                    "pass a directory path (it is created if missing)"
                )
            break
    return path


def _scalar(value: Any) -> float:
    """A record value as a float: ``None`` and anything not finite become NaN."""
    return math.nan if value is None else float(value)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class TensorBoardSink:
    """Write each ``Monitor`` record to a TensorBoard event file in ``log_dir``.

    A callable: ``sink(record)`` writes one record (the dict ``Monitor.record`` returns) at
    ``global_step = record["step"]``. The tags are listed in the module docstring.

    Args:
        log_dir: directory of the event files (created if missing; TensorBoard's ``--logdir``).
        prefix: first component of every tag (``"rankscope"``).
        histograms: write spectra (when the records have them) as histograms of ``log10`` of the
            positive eigenvalues, with a scalar of their count.

    Raises:
        ValueError: ``log_dir`` is a file, or lies under one.

    Example:
        >>> import tempfile, rankscope
        >>> from rankscope.integrations.tensorboard import TensorBoardSink
        >>> net = rankscope.nets.MLP(1, 10, 2, seed=0)
        >>> q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 100)
        >>> with tempfile.TemporaryDirectory() as d, TensorBoardSink(d) as sink:
        ...     mon = rankscope.Monitor(net, quadrature=q, every=10, sink=sink)
        ...     _ = mon.record(0, loss=1.0)
        ...     sink.tags_written[:2]
        ['rankscope/loss', 'rankscope/layers.1/eps_rank']
    """

    def __init__(
        self, log_dir: str | os.PathLike[str], *, prefix: str = "rankscope", histograms: bool = True
    ) -> None:
        self.log_dir = _check_log_dir(log_dir)
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"prefix must be a non-empty string; got {prefix!r}")
        self.prefix = prefix
        self.histograms = bool(histograms)
        #: the underlying ``torch.utils.tensorboard.SummaryWriter`` (write your own scalars with it)
        self.writer = SummaryWriter(log_dir=str(self.log_dir))
        #: every tag written so far, in first-written order
        self.tags_written: list[str] = []
        self._closed = False

    def _add_scalar(self, tag: str, value: float, step: int) -> None:
        self.writer.add_scalar(tag, value, global_step=step)
        if tag not in self.tags_written:
            self.tags_written.append(tag)

    def __call__(self, record: Mapping[str, Any]) -> None:
        """Write one record (``{"step", "loss", "measures", "spectrum"?, ...}``) at its step."""
        if self._closed:
            raise RuntimeError(f"TensorBoardSink({str(self.log_dir)!r}) is closed; make a new one")
        step = int(record["step"])
        p = self.prefix
        if record.get("loss") is not None:
            self._add_scalar(f"{p}/loss", _scalar(record["loss"]), step)
        for measure, per_layer in record.get("measures", {}).items():
            for layer, value in per_layer.items():
                self._add_scalar(f"{p}/{layer}/{measure}", _scalar(value), step)
        for key, value in record.items():
            if key not in _STRUCTURED and _is_real(value):
                self._add_scalar(f"{p}/{key}", float(value), step)
        if self.histograms:
            for layer, values in record.get("spectrum", {}).items():
                self._add_spectrum(layer, np.asarray(values, dtype=np.float64), step)

    def _add_spectrum(self, layer: str, values: np.ndarray, step: int) -> None:
        tag = f"{self.prefix}/{layer}/spectrum"
        count = f"{self.prefix}/{layer}/positive_eigenvalues"
        if not np.isfinite(values).all():
            self._add_scalar(count, math.nan, step)
            return
        positive = values[values > 0]
        self._add_scalar(count, float(positive.size), step)
        if positive.size:
            self.writer.add_histogram(tag, np.log10(positive), global_step=step)
            if tag not in self.tags_written:
                self.tags_written.append(tag)

    def flush(self) -> None:
        """Write pending events to disk (TensorBoard otherwise flushes every 120 s and on close)."""
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file; further records raise ``RuntimeError``."""
        if not self._closed:
            self.writer.close()
            self._closed = True

    def __enter__(self) -> TensorBoardSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = ", closed" if self._closed else ""
        return f"TensorBoardSink({str(self.log_dir)!r}, prefix={self.prefix!r}{state})"
