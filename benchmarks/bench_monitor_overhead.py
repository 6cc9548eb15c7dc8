"""Monitoring overhead: the staircase quick training with and without a Monitor every 10 steps.

Same process, same seed, same data; the monitor computes the Gram matrix of the last hidden layer
and its eps-rank every 10 steps. Target: at most 1.05x the wall time of the training without it.

Four monitored arms at every = 10 (the two training-forward ones also at every = 1 and 100):

- ``features="training"``, the target's arm: the monitor's points are the training batch (1000
  trapezoid points), and the features of the training forward pass are kept by hooks and reduced to
  the Gram matrix in float64, with no second forward (``rankscope.train.training_features``). Its
  eps-ranks agree with the float64 replica's at the same weights (tests/train/test_training_features.py
  checks a short training record by record);
- ``features="training", background=True``, no target: the same features, their Gram matrices and
  spectra on a worker thread (records bit-identical to the arm above, tested). Measured 1.10x where
  the arm above measured 1.02x: handing ~0.4 ms of work to a thread costs more than the work;
- the synchronous Monitor on a float64 replica at the experiment's 1000 Gauss-Legendre points
  (measured 1.15-1.18x: its float64 forward pass alone is ~1.065x of this training), no target;
- the same with ``background=True`` (the measuring on a worker thread while training goes on;
  training is pinned to one torch thread here, so the worker has the second core), no target.

Rows without a target (every = 1 and 100, the replica arms) carry ``target inf``.
"""

from __future__ import annotations

import statistics
import time

import torch

from rankscope.bench import BenchResult
from rankscope.experiments.base import get_experiment, resolve_config
from rankscope.nets import MLP
from rankscope.problems import staircase_target
from rankscope.sampling import gauss_legendre, trapezoid
from rankscope.train import Monitor, Trainer, parse_stages


def _train(
    cfg, monitored: bool, background: bool = False, every: int = 10, features: str = "replica"
) -> None:
    problem = staircase_target()
    batch = trapezoid(problem.domain, cfg.train_points)
    quad = batch if features == "training" else gauss_legendre(problem.domain, cfg.quadrature_points)
    x, _ = batch.to_torch(dtype=torch.float32)
    y = problem.target(x)
    stages = parse_stages(cfg.stages)
    for i, (depth, width) in enumerate(cfg.nets):
        net = MLP(1, width, depth, act=cfg.activation, init=cfg.init, seed=cfg.seed + i)
        mons = (
            [Monitor(net, "last", quad, every=every, eps=cfg.eps, background=background, features=features)]
            if monitored
            else []
        )
        Trainer(net, lambda m: problem.mse(m, x, y), stages, mons).run()
        for mon in mons:
            mon.close()


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(quick: bool = False) -> list[BenchResult]:
    """Overhead of the three monitored arms at every = 10 (the target), 1 and 100.

    Each repeat runs the baseline and every arm back to back, in an order rotated from repeat to
    repeat; the figures are the medians over the repeats (this machine's noise is +-10% between
    runs of the same arm, more than the 5% being measured)."""
    torch.set_num_threads(1)
    steps = 600 if quick else 6000
    cfg = resolve_config(get_experiment("staircase"), "quick", {"stages": [["adam", steps, 1e-3]]})
    all_arms = {
        "": {},
        ", background=True": {"background": True},
        ", features='training'": {"features": "training"},
        ", features='training', background=True": {"features": "training", "background": True},
    }
    results = []
    for every, repeats in ((10, 1 if quick else 4), (1, 1), (100, 1)):
        # every = 1 and 100 (no target): the two training-forward arms only, to keep the run short
        arms = all_arms if every == 10 else {k: v for k, v in all_arms.items() if "training" in k}
        times: dict[str, list[float]] = {"base": [], **{label: [] for label in arms}}
        order = ["base", *arms]
        for r in range(repeats):
            for label in order[r % len(order) :] + order[: r % len(order)]:
                if label == "base":
                    times[label].append(_timed(lambda: _train(cfg, monitored=False)))
                else:
                    kw = arms[label]
                    times[label].append(_timed(lambda e=every, kw=kw: _train(cfg, True, every=e, **kw)))
        for label in arms:
            results.append(
                BenchResult(
                    name=f"monitor overhead{label} (staircase quick, every {every} steps)",
                    baseline="no monitor",
                    baseline_s=statistics.median(times["base"]),
                    candidate=f"with Monitor(every={every}{label})",
                    candidate_s=statistics.median(times[label]),
                    kind="overhead",
                    target=1.05 if every == 10 and label == ", features='training'" else float("inf"),
                    extra={
                        "steps_per_net": steps,
                        "nets": [list(n) for n in cfg.nets],
                        "repeats": repeats,
                        "seconds": {k: [round(t, 2) for t in v] for k, v in times.items()},
                    },
                )
            )
    return results
