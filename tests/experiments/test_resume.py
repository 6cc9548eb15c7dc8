"""train_in_turn: global step numbering, kill and resume reproducing the unbroken run, bad input."""

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.store import RunDir
from rankscope.train import Stage, Trainer

X = torch.linspace(-1, 1, 32, dtype=torch.float64)[:, None]
Y = torch.sin(3 * X)


class Killed(Exception):
    pass


def _jobs(steps: dict[str, int], kill_at: tuple[str, int] | None = None) -> list[Job]:
    def job(label: str, n: int, seed: int) -> Job:
        def build(sink: RecordSink) -> Trainer:
            torch.manual_seed(seed)
            net = nn.Sequential(nn.Linear(1, 6), nn.Tanh(), nn.Linear(6, 1)).double()

            class Rec:
                def on_step(self, step: int, loss: float) -> None:
                    if kill_at == (label, step):
                        raise Killed
                    sink({"step": step, "loss": loss})

            # SGD with momentum: the optimiser state must travel in the checkpoint
            stage = Stage("sgd", n, 0.05, {"momentum": 0.9})
            return Trainer(net, lambda m: ((m(X) - Y) ** 2).mean(), [stage], [Rec()])

        return Job(label, build)

    return [job(label, n, seed) for seed, (label, n) in enumerate(steps.items())]


def _run(path: Path, **kw: Any) -> RunDir:
    return RunDir.create(path, experiment="t", preset="quick", config={}, **kw)


def test_steps_are_global_and_per_job_totals_are_respected(tmp_path: Path) -> None:
    run = _run(tmp_path / "r")
    models = train_in_turn(_jobs({"a": 3, "b": 5}), run, [3, 5], checkpoint_every=2)
    recs = run.read_metrics()
    assert [(r["net"], r["iter"], r["step"]) for r in recs] == [("a", i, i) for i in range(4)] + [
        ("b", i, 4 + i) for i in range(6)
    ]
    assert sorted(models) == ["a", "b"]


@pytest.mark.parametrize("kill_at", [("a", 3), ("b", 1), ("b", 5)])
def test_killed_run_resumes_to_the_unbroken_records(tmp_path: Path, kill_at: tuple[str, int]) -> None:
    steps = {"a": 6, "b": 6}
    ref = _run(tmp_path / "ref")
    ref_models = train_in_turn(_jobs(steps), ref, 6, checkpoint_every=2, keep_finished=True)

    run = _run(tmp_path / "r")
    with pytest.raises(Killed):
        train_in_turn(_jobs(steps, kill_at), run, 6, checkpoint_every=2, keep_finished=True)
    resumed = _run(tmp_path / "r", resume=True)
    models = train_in_turn(_jobs(steps), resumed, 6, checkpoint_every=2, keep_finished=True)

    assert resumed.read_metrics() == ref.read_metrics()
    for label in steps:  # finished jobs come back from the checkpoint, bit for bit
        for p, q in zip(models[label].parameters(), ref_models[label].parameters(), strict=True):
            assert torch.equal(p, q)


def test_bad_input_is_named(tmp_path: Path) -> None:
    run = _run(tmp_path / "r")
    with pytest.raises(ValueError, match="distinct labels"):
        train_in_turn(_jobs({"a": 2}) * 2, run, 2)
    with pytest.raises(ValueError, match="one entry per job"):
        train_in_turn(_jobs({"a": 2}), run, [2, 3])
    with pytest.raises(ValueError, match="trains 2 steps; total_steps says 3"):
        train_in_turn(_jobs({"a": 2}), run, 3)


def test_train_jobs_record_step_sees_the_trainer_step(tmp_path: Path) -> None:
    from rankscope.experiments._resume import TrainJob, train_jobs

    def build() -> nn.Module:
        torch.manual_seed(0)
        return nn.Linear(1, 1).double()

    job = TrainJob(
        "a",
        build,
        lambda m: ((m(X) - Y) ** 2).mean(),
        (Stage("sgd", 5, 0.05),),
        record_step=lambda m, step: {"seen": step, "w": float(m.weight.detach())},
    )
    run = _run(tmp_path / "r")
    train_jobs([job], run, every=2, checkpoint_every=2)
    assert [(r["iter"], r["seen"]) for r in run.read_metrics()] == [(0, 0), (2, 2), (4, 4), (5, 5)]
