"""``Monitor``: records the loss and spectral measures of chosen layers every k steps.

A thin stateful wrapper (house style habit 1) owning only the history; the Gram matrices come from
``rankscope.matrices.GramEvaluator``, the measures from ``rankscope.linalg``. Use it from your own
loop (``monitor.record(step, loss=...)``) or as a ``Trainer`` callback.

Monitoring never changes training: the forward passes run on a float64 replica of the model, in
eval mode by default (``mode="train"`` opts out), and the global RNG is restored after each, so a
run with a monitor gives bitwise the same weights as one without. Two conditions are reported
rather than raised inside the training loop: a layer whose neuron functions are not finite (a
diverged model) is recorded as NaN with one :class:`NonFiniteFeaturesWarning` (or raises, with
``on_nonfinite="raise"``), and fewer quadrature points than features, which caps every rank at the
point count, gives one :class:`RankCappedWarning` when the monitor is built.

``background=True`` moves the measuring off the training thread: at a due step the live parameters
are copied into the replica at once (so the record is of exactly that step's weights), and the
forward pass, Gram matrices and spectra run on one worker thread while training goes on; torch and
LAPACK release the GIL, so on a machine with a spare core the monitor's cost nearly vanishes from
the wall time. Records reach the history and the sink in step order: at the next due step, at
:meth:`Monitor.flush`, when ``history`` is read, and when a ``Trainer`` run returns.
``features="training"`` removes the second forward when the points are the training batch
(:mod:`rankscope.train.training_features`); with ``background=True`` its Gram matrices go to the worker.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

import numpy as np
from torch import nn

from rankscope._checks import check_choice, check_nonnegative, check_positive_int
from rankscope.linalg import Spectrum, eigenspectrum, eps_rank
from rankscope.matrices.gram import GramEvaluator
from rankscope.nets.layer_specs import LayerSpec, resolve_layers
from rankscope.nets.modes import MeasureMode, check_mode
from rankscope.sampling.quadrature import Quadrature
from rankscope.train.history import History
from rankscope.train.training_features import TrainingFeatures

__all__ = [
    "FEATURE_SOURCES",
    "NONFINITE_POLICIES",
    "History",
    "Monitor",
    "NonFiniteFeaturesWarning",
    "RankCappedWarning",
]

Measure = Callable[[Spectrum], float]


@runtime_checkable
class MetricsSink(Protocol):
    """Where records can be appended: a :class:`~rankscope.store.RunDir`, or anything alike."""

    def append_metrics(self, record: dict[str, Any]) -> None: ...


#: Where ``Monitor`` reads the neuron functions (a float64 replica, or the training forward pass),
#: and what it does with a layer whose neuron functions have NaN or Inf values.
FEATURE_SOURCES, NONFINITE_POLICIES = ("replica", "training"), ("warn", "raise")


class NonFiniteFeaturesWarning(RuntimeWarning):
    """A layer's neuron functions had NaN or Inf values at a recorded step; NaN was recorded."""


class RankCappedWarning(RuntimeWarning):
    """A layer has more features than quadrature points, so its recorded ranks are capped."""


def _spectrum(mat: np.ndarray) -> Spectrum:
    """``rankscope.linalg.eigenspectrum(M)`` bit for bit, without its checks and copies (about a
    twentieth of a record's time): a ``GramEvaluator`` matrix is exactly symmetric, so LAPACK
    ``eigvalsh`` of ``(M + M^T)/2`` is ``eigvalsh`` of ``M``. Any other matrix goes through
    ``eigenspectrum``."""
    n = mat.shape[0]
    if mat.size == 0 or not np.array_equal(mat, mat.T):
        return eigenspectrum(mat)
    return Spectrum(np.linalg.eigvalsh(mat), kind="eig", dtype=mat.dtype.name, shape=(n, n))


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
        sink: called with each record (a JSON-able dict), e.g. a TensorBoard sink; or a
            :class:`~rankscope.store.RunDir` (anything with ``append_metrics``), whose
            ``metrics.jsonl`` then holds the history and ``rankscope report`` draws it.
        mode: ``"eval"`` (default: dropout off, BatchNorm running statistics), ``"train"`` (randomly
            dropped-out features, larger and noisy ranks) or ``"as_is"`` (``rankscope.nets.modes``).
        on_nonfinite: ``"warn"`` (default): a layer with NaN or Inf neuron functions is recorded as
            NaN and a :class:`NonFiniteFeaturesWarning` names it and the step, once per layer;
            ``"raise"``: ``record`` raises ``ValueError`` naming them.
        background: measure on a worker thread (module docstring), without restoring the global RNG
            (that would rewind what training drew meanwhile), so the forward must draw nothing:
            ``mode="train"`` is refused. A record gets its measures when it is flushed.
        features: ``"replica"`` (default): a float64 replica of the model is evaluated at the
            quadrature's points at each record. ``"training"``: when the quadrature's points are the
            training batch, the features of the training forward pass itself are kept by hooks and
            reduced to Gram matrices, with no second forward (:mod:`rankscope.train.training_features`:
            of the parameters before the step's update, in the training dtype and mode); with
            ``background=True`` the Gram matrices and spectra of those features run on the worker.

    The monitor evaluates the model once when built, so that points that do not fit the model
    raise a ``ValueError`` naming both shapes here rather than in the training loop, and warns
    (:class:`RankCappedWarning`) for each layer with more features than quadrature points.

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
        quadrature: Quadrature | None = None,
        *,
        every: int = 10,
        eps: float = 1e-6,
        measures: Mapping[str, Measure] | None = None,
        keep_spectra: bool = True,
        sink: Callable[[dict[str, Any]], None] | MetricsSink | None = None,
        mode: MeasureMode | str = MeasureMode.EVAL,
        on_nonfinite: str = "warn",
        background: bool = False,
        features: str = "replica",
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
        self.sink: Callable[[dict[str, Any]], None] | None = (
            sink.append_metrics if isinstance(sink, MetricsSink) else sink
        )
        self.mode = check_mode(mode)
        self.on_nonfinite = check_choice("on_nonfinite", on_nonfinite, NONFINITE_POLICIES)
        if not isinstance(background, bool):
            raise TypeError(f"background must be True or False; got {background!r}")
        if background and self.mode is MeasureMode.TRAIN:
            raise ValueError(
                "background=True cannot measure in mode='train' (dropout draws random numbers, and the "
                "RNG cannot be restored from a second thread); use mode='eval' or background=False"
            )
        self.features = check_choice("features", features, FEATURE_SOURCES)
        self._history = History()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="rankscope-monitor") if background else None
        self._pending: tuple[dict[str, Any], Future[dict[str, Any]]] | None = None
        self._grams = GramEvaluator(model, self.refs, quadrature, mode=self.mode)
        self._warned: set[str] = set()
        self._warn_capped(self._grams())  # fails early on points that do not fit the model
        self._training = (
            TrainingFeatures(model, self.refs, quadrature) if self.features == "training" else None
        )

    def _warn_capped(self, mats: Mapping[str, np.ndarray]) -> None:
        m = self._grams.n_points
        for layer, mat in mats.items():
            if mat.shape[0] > m:
                warnings.warn(
                    f"layer {layer!r} has {mat.shape[0]} features but the quadrature has {m} points (with "
                    f"weight > 0): its Gram matrix has rank at most {m}, so its eps-rank is capped at the "
                    f"point count {m}; use at least {mat.shape[0]} points to measure it",
                    RankCappedWarning,
                    stacklevel=3,
                )

    def _nonfinite(self, layers: list[str], step: int | None) -> None:
        when = "now" if step is None else f"at step {step}"
        if self.on_nonfinite == "raise":
            raise ValueError(
                f"on_nonfinite='raise': layers {layers} have NaN or Inf neuron functions {when} (has the "
                "model diverged?); expected finite values, or on_nonfinite='warn' to record NaN"
            )
        new = [layer for layer in layers if layer not in self._warned]
        if new:
            self._warned.update(new)
            warnings.warn(
                f"layers {new} have NaN or Inf neuron functions {when} (has the model diverged?); "
                "recording NaN for their measures (warned once per layer; on_nonfinite='raise' raises)",
                NonFiniteFeaturesWarning,
                stacklevel=4,
            )

    def due(self, step: int) -> bool:
        """Whether ``record(step)`` would compute anything."""
        return step % self.every == 0

    @property
    def history(self) -> History:
        """The records so far (pending background records are flushed first)."""
        self.flush()
        return self._history

    def flush(self) -> None:
        """Wait for a pending background record and hand it to the history and the sink."""
        if self._pending is None:
            return
        rec, fut = self._pending
        self._pending = None
        rec.update(fut.result())  # re-raises an error of the worker (e.g. on_nonfinite="raise")
        self._commit(rec)

    def close(self) -> None:
        """Flush and stop the worker thread (a background monitor); idempotent."""
        self.flush()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self._training is not None:
            self._training.close()

    def _commit(self, rec: dict[str, Any]) -> None:
        self._history.append(rec)
        if self.sink is not None:
            self.sink(rec)

    def _background_measure(self, step: int, feats: dict[str, Any] | None = None) -> dict[str, Any]:
        # features="training" hands over the features it took (and checked) on the training thread
        feats = self._grams.replica_features(preserve_rng=False) if feats is None else feats
        return self._measures_of(self._grams.grams(feats), step)

    def measure(self, step: int | None = None) -> dict[str, Any]:
        """Compute the measures of the current model now (no history change); ``step`` only labels
        the non-finite warning or error. With ``features="training"``: of the last forward pass."""
        mats = self._training.grams() if self._training is not None else self._grams()
        return self._measures_of(mats, step)

    def _measures_of(self, mats: Mapping[str, np.ndarray], step: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {"measures": {"eps_rank": {}}, "spectrum": {}}
        for name in self.extra_measures:
            out["measures"][name] = {}
        bad = [layer for layer, mat in mats.items() if not np.isfinite(mat).all()]
        if bad:
            self._nonfinite(bad, step)
        for layer, mat in mats.items():
            if layer in bad:
                for name in out["measures"]:
                    out["measures"][name][layer] = math.nan
                if self.keep_spectra:
                    out["spectrum"][layer] = [math.nan] * mat.shape[0]
                continue
            spec = _spectrum(mat)
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
        if self._pool is None:
            rec.update(self.measure(step))
            self._commit(rec)
            return rec
        self.flush()  # one record in flight at most: the replica is free again
        if self._training is not None:
            feats = self._training.features()
            self._pending = (rec, self._pool.submit(self._background_measure, int(step), feats))
            return rec
        self._grams.sync()
        self._pending = (rec, self._pool.submit(self._background_measure, int(step)))
        return rec

    # Trainer callback protocol
    def on_step(self, step: int, loss: float) -> None:
        self.record(step, loss=loss)
