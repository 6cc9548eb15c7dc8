"""Train several networks in turn, resumably: the one checkpoint/resume protocol of the experiments.

An experiment that trains networks one after another (several widths, initialisations, trials)
describes each as a :class:`Job` (a label and a function that builds its ``Trainer``) and calls
:func:`train_in_turn`. Records get a global ``step``: job ``i`` occupies ``offset_i .. offset_i +
total_i`` with ``offset_i = sum_{j<i} (total_j + 1)``, so steps increase through the whole run.
Checkpoints hold the job index and the current trainer's state; a resumed run drops the records
written after the checkpoint and writes them again, bit for bit.

:class:`TrainJob` and :func:`train_jobs` are the shorthand for networks trained on a plain loss with
loss-only (or custom) records every ``every`` steps (paper 002's ``two-scale``, ``frequency-principle``,
``ntk-scaling`` and ``ntk-spectrum``); :func:`trainer_job` turns one into a :class:`Job`, so that such
networks can share one run with jobs of another kind.

A job's ``build`` may return any :class:`Resumable` — an object with the ``Trainer``'s resume surface —
so a method that is not a gradient optimiser (paper 003's SgGN) takes part in the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import nn

from rankscope.experiments.base import Progress, no_progress
from rankscope.train import Stage, Trainer

__all__ = ["Job", "RecordSink", "Resumable", "TrainJob", "train_in_turn", "train_jobs", "trainer_job"]

RecordSink = Callable[[dict[str, Any]], None]


class Resumable(Protocol):
    """What :func:`train_in_turn` needs of a job's trainer (``rankscope.train.Trainer`` has it).

    ``run`` trains from ``step`` to ``total_steps``, calling ``on_progress(done)`` and, at the top of
    every ``checkpoint_every``-th step, ``checkpoint(self)``; ``state_dict``/``load_state_dict`` resume it.
    """

    model: nn.Module
    step: int

    @property
    def total_steps(self) -> int: ...

    def run(
        self,
        until: int | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
        checkpoint: Callable[[Any], None] | None = None,
        checkpoint_every: int = 0,
    ) -> Any: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Job:
    """One network to train: ``build(sink)`` returns its ``Trainer`` (seed the model inside ``build``),
    or any other :class:`Resumable`.

    ``sink(record)`` writes a metrics record whose ``"step"`` is the trainer's own step; the record is
    stored with ``"iter"`` = that step, the global ``"step"``, and the job's label.
    """

    label: str
    build: Callable[[RecordSink], Resumable]


def _start_index(state: dict[str, Any]) -> int:
    for key in ("index", "net_index", "run_index"):  # the last two: checkpoints of earlier versions
        if key in state:
            return int(state[key])
    if "done" in state:  # single-network checkpoints of earlier versions
        return int(bool(state["done"]))
    raise ValueError(f"checkpoint holds no job index; keys {sorted(state)}")


def train_in_turn(
    jobs: Sequence[Job],
    run_dir: Any,
    total_steps: int | Sequence[int],
    progress: Progress = no_progress,
    *,
    checkpoint_every: int = 0,
    label_key: str = "net",
    keep_finished: bool = False,
) -> dict[str, nn.Module]:
    """Train each job's trainer to ``total_steps`` in turn, checkpointing into ``run_dir``.

    Args:
        jobs: the networks, in order; labels must be distinct.
        run_dir: a ``rankscope.store.RunDir``; a checkpoint there resumes the run.
        total_steps: each job's number of training steps (its trainer's ``total_steps``): one number
            for all jobs or one per job.
        progress: ``progress(label, done, total)``.
        checkpoint_every: save a checkpoint every this many steps (0: only after each job).
        label_key: the record key that holds the job's label (``"net"``, ``"run"``, ...).
        keep_finished: keep the finished jobs' weights in the checkpoints so that a resumed run can
            return every trained model; otherwise only the models trained in this call are returned.

    Returns:
        ``{label: model}`` of the trained models (see ``keep_finished``).
    """
    labels = [job.label for job in jobs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"jobs must have distinct labels; got {labels}")
    totals = [total_steps] * len(jobs) if isinstance(total_steps, int) else [int(t) for t in total_steps]
    if len(totals) != len(jobs):
        raise ValueError(f"total_steps must hold one entry per job ({len(jobs)}); got {len(totals)}")
    offsets = [0]
    for t in totals:
        offsets.append(offsets[-1] + t + 1)
    start, trainer_state, finished = 0, None, {}
    ckpt = run_dir.load_checkpoint()
    if ckpt is not None:
        gstep, state = ckpt
        start, trainer_state = _start_index(state), state.get("trainer")
        finished = dict(state.get("finished") or {})
        run_dir.truncate_metrics_after(gstep - 1)
    else:  # killed before the first checkpoint: start again from nothing
        run_dir.truncate_metrics_after(-1)

    out: dict[str, nn.Module] = {}
    for i, job in enumerate(jobs):
        total, offset = totals[i], offsets[i]
        if i < start and not (keep_finished and job.label in finished):
            progress(job.label, total, total)
            continue

        def sink(rec: dict[str, Any], _offset: int = offset, _label: str = job.label) -> None:
            row = dict(rec)
            row["iter"] = rec["step"]
            row["step"] = _offset + rec["step"]
            row[label_key] = _label
            run_dir.append_metrics(row)

        trainer = job.build(sink)
        if trainer.total_steps != total:
            raise ValueError(
                f"job {job.label!r} trains {trainer.total_steps} steps; total_steps says {total}"
            )
        if i < start:  # finished in an earlier call: reload its weights
            trainer.model.load_state_dict(finished[job.label])
            out[job.label] = trainer.model
            progress(job.label, total, total)
            continue
        if trainer_state is not None and i == start:
            trainer.load_state_dict(trainer_state)

        def save(tr: Resumable, _i: int = i, _offset: int = offset) -> None:
            state = {"index": _i, "trainer": tr.state_dict(), "finished": finished}
            run_dir.save_checkpoint(state, _offset + tr.step)

        def report(done: int, _label: str = job.label, _total: int = total) -> None:
            progress(_label, done, _total)

        trainer.run(on_progress=report, checkpoint=save, checkpoint_every=checkpoint_every)
        if keep_finished:
            finished[job.label] = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
        run_dir.save_checkpoint({"index": i + 1, "trainer": None, "finished": finished}, offsets[i + 1])
        out[job.label] = trainer.model
    return out


@dataclass(frozen=True)
class TrainJob:
    """One network to train: ``build()`` makes it (seeded), ``loss_fn(model)`` is its loss, ``record(model)``
    adds fields to each metrics record (``None``: loss only); ``record_step(model, step)`` does the same
    for records that depend on the trainer's step (measures taken only at some steps)."""

    label: str
    build: Callable[[], nn.Module]
    loss_fn: Callable[[nn.Module], torch.Tensor]
    stages: tuple[Stage, ...]
    record: Callable[[nn.Module], dict[str, Any]] | None = None
    record_step: Callable[[nn.Module, int], dict[str, Any]] | None = None

    @property
    def total(self) -> int:
        return sum(s.steps for s in self.stages)


def trainer_job(job: TrainJob, every: int) -> Job:
    """``job`` as a :class:`Job` for :func:`train_in_turn`: a ``Trainer`` on its stages that records
    ``{"step", "loss", ...}`` every ``every`` steps and at the last step."""
    if not (isinstance(every, int) and every > 0):
        raise ValueError(f"every must be a positive integer; got {every!r}")

    def build(sink: RecordSink) -> Trainer:
        net = job.build()

        class _Record:
            def on_step(self, step: int, loss: float) -> None:
                if step % every and step != job.total:
                    return
                rec: dict[str, Any] = {"step": step, "loss": loss}
                if job.record is not None:
                    rec.update(job.record(net))
                if job.record_step is not None:
                    rec.update(job.record_step(net, step))
                sink(rec)

        return Trainer(net, job.loss_fn, job.stages, [_Record()])

    return Job(job.label, build)


def train_jobs(
    jobs: Sequence[TrainJob],
    run_dir: Any,
    progress: Progress = no_progress,
    *,
    every: int,
    checkpoint_every: int,
) -> dict[str, nn.Module]:
    """Train ``jobs`` in turn, appending ``{"step", "run", "iter", "loss", ...}`` every ``every`` steps
    (and at the last step), with the checkpoint/resume protocol of
    :func:`rankscope.experiments._resume.train_in_turn` (finished networks travel in the checkpoint).

    Returns:
        ``{label: trained model}``.
    """
    if not (isinstance(every, int) and every > 0):
        raise ValueError(f"every must be a positive integer; got {every!r}")
    return train_in_turn(
        [trainer_job(j, every) for j in jobs],
        run_dir,
        [j.total for j in jobs],
        progress,
        checkpoint_every=checkpoint_every,
        label_key="run",
        keep_finished=True,
    )
