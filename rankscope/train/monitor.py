"""``Monitor``: records the loss and spectral measures of chosen layers every k steps.

A thin stateful wrapper (house style habit 1): it owns only the history; the Gram matrices come from
``rankscope.matrices.gram_matrices`` and the measures from ``rankscope.linalg``. Use it from your own
loop (``monitor.record(step, loss=...)``) or as a ``Trainer`` callback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

from rankscope._checks import check_nonnegative, check_positive_int
from rankscope.linalg import Spectrum, eigenspectrum, eps_rank
from rankscope.matrices.gram import GramEvaluator
from rankscope.nets.features import LayerSpec, resolve_layers

__all__ = ["History", "Monitor"]

Measure = Callable[[Spectrum], float]


@dataclass
class History:
    """What a ``Monitor`` recorded: one entry per recorded step.

    ``measures[name][layer]`` is the list of that measure's values for that layer, aligned with
    ``steps``; ``loss`` is aligned with ``steps`` too (``nan`` where no loss was given).
    ``spectra[layer]`` holds the eigenvalues (descending) at each recorded step when kept.
    """

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    measures: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    spectra: dict[str, list[np.ndarray]] = field(default_factory=dict)

    @property
    def eps_rank(self) -> dict[str, list[int]]:
        """eps-rank per layer per recorded step (paper 000 Def. 2.5)."""
        return {k: [int(v) for v in vals] for k, vals in self.measures.get("eps_rank", {}).items()}

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


class Monitor:
    """Record the loss and the eps-rank (and other measures) of chosen layers during training.

    Args:
        model: the network being trained.
        layers: layer spec, ``"last"`` (default), ``"all"``, a name, an index or a list.
        quadrature: a ``rankscope.sampling.Quadrature`` on the domain (points and weights).
        every: record when ``step % every == 0``.
        eps: threshold of the eps-rank (paper 000 Sec. 4: 1e-6).
        measures: extra measures ``{name: f(Spectrum) -> number}`` beside ``eps_rank``.
        keep_spectra: keep each recorded spectrum in the history and the record.
        sink: called with each record (a JSON-able dict), e.g. ``RunDir.append_metrics``.

    Example:
        >>> import torch, rankscope
        >>> net = rankscope.nets.MLP(1, 10, 2, seed=0)
        >>> q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 100)
        >>> mon = rankscope.Monitor(net, layers="last", quadrature=q, every=10)
        >>> _ = mon.record(0, loss=1.0)
        >>> len(mon.history), mon.history.eps_rank["layers.1"][0] <= 10
        (1, True)
    """

    def __init__(
        self,
        model: nn.Module,
        layers: LayerSpec = "last",
        quadrature: Any = None,
        *,
        every: int = 10,
        eps: float = 1e-6,
        measures: Mapping[str, Measure] | None = None,
        keep_spectra: bool = True,
        sink: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        if quadrature is None:
            raise TypeError("quadrature is required: e.g. rankscope.sampling.gauss_legendre((-1, 1), 1000)")
        self.model = model
        self.layers = layers
        self.refs = resolve_layers(model, layers)  # fail early on an unknown layer
        self.quadrature = quadrature
        self.every = check_positive_int("every", every)
        self.eps = check_nonnegative("eps", eps)
        self.extra_measures = dict(measures or {})
        self.keep_spectra = keep_spectra
        self.sink = sink
        self.history = History()
        self._grams = GramEvaluator(model, self.refs, quadrature)

    def due(self, step: int) -> bool:
        """Whether ``record(step)`` would compute anything."""
        return step % self.every == 0

    def measure(self) -> dict[str, Any]:
        """Compute the measures of the current model now (no history change)."""
        mats = self._grams()
        out: dict[str, Any] = {"measures": {"eps_rank": {}}, "spectrum": {}}
        for name in self.extra_measures:
            out["measures"][name] = {}
        for layer, mat in mats.items():
            spec = eigenspectrum(mat)
            out["measures"]["eps_rank"][layer] = int(eps_rank(spec, self.eps))
            for name, fn in self.extra_measures.items():
                out["measures"][name][layer] = float(fn(spec))
            if self.keep_spectra:
                out["spectrum"][layer] = spec.values.tolist()
        if not self.keep_spectra:
            del out["spectrum"]
        return out

    def record(
        self, step: int, loss: float | None = None, *, force: bool = False, **extra: Any
    ) -> dict[str, Any] | None:
        """Record at ``step`` if it is due (or ``force``); return the record or ``None``."""
        if not (force or self.due(step)):
            return None
        rec: dict[str, Any] = {"step": int(step), "loss": None if loss is None else float(loss)}
        rec.update(extra)
        rec.update(self.measure())
        self.history.append(rec)
        if self.sink is not None:
            self.sink(rec)
        return rec

    # Trainer callback protocol
    def on_step(self, step: int, loss: float) -> None:
        self.record(step, loss=loss)
