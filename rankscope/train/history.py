"""``History``: what a :class:`~rankscope.train.monitor.Monitor` recorded, one entry per recorded step
(the measures per layer, the loss and the spectra), aligned with the recorded steps."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["History"]


def _rank(value: float | None) -> int | float:
    """An eps-rank as ``int``, or ``nan`` for a step whose features were not finite (or ``None``)."""
    if value is None or not math.isfinite(float(value)):
        return math.nan
    return int(value)


@dataclass
class History:
    """What a ``Monitor`` recorded: one entry per recorded step.

    ``measures[name][layer]`` is the list of that measure's values for that layer, aligned with
    ``steps``; ``loss`` is aligned with ``steps`` too (``nan`` where no loss was given).
    ``spectra[layer]`` holds the eigenvalues (descending) at each recorded step when kept.
    A step where a layer's neuron functions were not finite holds ``nan`` for every measure (and a
    spectrum of ``nan``) of that layer.
    """

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    measures: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    spectra: dict[str, list[np.ndarray]] = field(default_factory=dict)

    @property
    def eps_rank(self) -> dict[str, list[int | float]]:
        """eps-rank per layer per recorded step (paper 000 Def. 2.5): ``int``, or ``float("nan")`` at a
        step where the layer's neuron functions were not finite."""
        return {k: [_rank(v) for v in vals] for k, vals in self.measures.get("eps_rank", {}).items()}

    def __len__(self) -> int:
        return len(self.steps)

    def append(self, record: Mapping[str, Any]) -> None:
        """Append one record in the format ``Monitor.record`` returns."""
        self.steps.append(int(record["step"]))
        loss = record.get("loss")
        self.loss.append(float("nan") if loss is None else float(loss))
        for mname, per_layer in record.get("measures", {}).items():
            for layer, value in per_layer.items():
                self.measures.setdefault(mname, {}).setdefault(layer, []).append(value)
        for layer, values in record.get("spectrum", {}).items():
            self.spectra.setdefault(layer, []).append(np.asarray(values, dtype=np.float64))
