"""Monitoring overhead: the staircase quick training with and without a Monitor every 10 steps.

Same process, same seed, same data; the monitor computes the Gram matrix of the last hidden layer
(1000 Gauss–Legendre points, float64) and its eps-rank every 10 steps. Target: at most 1.05x the
wall time of the training without it.

Two monitored arms: the synchronous Monitor (measured 1.15-1.17x: its float64 forward pass alone is
~1.065x of this training, so 1.05x is out of reach on one thread) and ``background=True`` (the
measuring runs on a worker thread while training goes on; training is pinned to one torch thread
here, so the worker has the second core).
"""

from __future__ import annotations

import torch

from rankscope.bench import BenchResult
from rankscope.experiments.base import get_experiment, resolve_config
from rankscope.nets import MLP
from rankscope.problems import staircase_target
from rankscope.sampling import gauss_legendre, trapezoid
from rankscope.train import Monitor, Trainer, parse_stages


def _train(cfg, monitored: bool, background: bool = False) -> None:
    problem = staircase_target()
    quad = gauss_legendre(problem.domain, cfg.quadrature_points)
    x, _ = trapezoid(problem.domain, cfg.train_points).to_torch(dtype=torch.float32)
    y = problem.target(x)
    stages = parse_stages(cfg.stages)
    for i, (depth, width) in enumerate(cfg.nets):
        net = MLP(1, width, depth, act=cfg.activation, init=cfg.init, seed=cfg.seed + i)
        callbacks = (
            [Monitor(net, "last", quad, every=10, eps=cfg.eps, background=background)] if monitored else []
        )
        Trainer(net, lambda m: problem.mse(m, x, y), stages, callbacks).run()
        for cb in callbacks:
            cb.close()


def run(quick: bool = False) -> list[BenchResult]:
    import time

    torch.set_num_threads(1)
    steps = 600 if quick else 6000
    cfg = resolve_config(get_experiment("staircase"), "quick", {"stages": [["adam", steps, 1e-3]]})
    base, mon, bg = [], [], []
    for _ in range(1 if quick else 3):  # interleave to share the machine's noise fairly
        t0 = time.perf_counter()
        _train(cfg, monitored=False)
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _train(cfg, monitored=True)
        mon.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _train(cfg, monitored=True, background=True)
        bg.append(time.perf_counter() - t0)
    return [
        BenchResult(
            name="monitor overhead (staircase quick, every 10 steps)",
            baseline="no monitor",
            baseline_s=min(base),
            candidate="with monitor",
            candidate_s=min(mon),
            kind="overhead",
            target=1.05,
            extra={"steps_per_net": steps, "nets": [list(n) for n in cfg.nets]},
        ),
        BenchResult(
            name="monitor overhead, background=True (staircase quick, every 10 steps)",
            baseline="no monitor",
            baseline_s=min(base),
            candidate="with Monitor(background=True)",
            candidate_s=min(bg),
            kind="overhead",
            target=1.05,
            extra={"steps_per_net": steps, "nets": [list(n) for n in cfg.nets]},
        ),
    ]
