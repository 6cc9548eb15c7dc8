"""Monitoring overhead: the staircase quick training with and without a Monitor every 10 steps.

Same process, same seed, same data; the monitor computes the Gram matrix of the last hidden layer
(1000 Gauss–Legendre points, float64) and its eps-rank every 10 steps. Target: at most 1.05x the
wall time of the training without it.

Two monitored arms: the synchronous Monitor (measured 1.15-1.17x: its float64 forward pass alone is
~1.065x of this training, so 1.05x is out of reach on one thread) and ``background=True`` (the
measuring runs on a worker thread while training goes on; training is pinned to one torch thread
here, so the worker has the second core). ``every`` = 1 and 100 are reported beside it (no target:
their rows carry ``target inf``).
"""

from __future__ import annotations

import time

import torch

from rankscope.bench import BenchResult
from rankscope.experiments.base import get_experiment, resolve_config
from rankscope.nets import MLP
from rankscope.problems import staircase_target
from rankscope.sampling import gauss_legendre, trapezoid
from rankscope.train import Monitor, Trainer, parse_stages


def _train(cfg, monitored: bool, background: bool = False, every: int = 10) -> None:
    problem = staircase_target()
    quad = gauss_legendre(problem.domain, cfg.quadrature_points)
    x, _ = trapezoid(problem.domain, cfg.train_points).to_torch(dtype=torch.float32)
    y = problem.target(x)
    stages = parse_stages(cfg.stages)
    for i, (depth, width) in enumerate(cfg.nets):
        net = MLP(1, width, depth, act=cfg.activation, init=cfg.init, seed=cfg.seed + i)
        mons = (
            [Monitor(net, "last", quad, every=every, eps=cfg.eps, background=background)] if monitored else []
        )
        Trainer(net, lambda m: problem.mse(m, x, y), stages, mons).run()
        for mon in mons:
            mon.close()


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(quick: bool = False) -> list[BenchResult]:
    """Overhead of the synchronous and the background Monitor at every = 10 (the target), 1 and 100."""
    torch.set_num_threads(1)
    steps = 600 if quick else 6000
    cfg = resolve_config(get_experiment("staircase"), "quick", {"stages": [["adam", steps, 1e-3]]})
    results = []
    for every, repeats in ((10, 1 if quick else 3), (1, 1), (100, 1)):
        base, sync, bg = [], [], []
        for _ in range(repeats):  # interleave to share the machine's noise fairly
            base.append(_timed(lambda: _train(cfg, monitored=False)))
            sync.append(_timed(lambda e=every: _train(cfg, monitored=True, every=e)))
            bg.append(_timed(lambda e=every: _train(cfg, monitored=True, background=True, every=e)))
        for label, arm in (("", sync), (", background=True", bg)):
            results.append(
                BenchResult(
                    name=f"monitor overhead{label} (staircase quick, every {every} steps)",
                    baseline="no monitor",
                    baseline_s=min(base),
                    candidate=f"with Monitor(every={every}{label})",
                    candidate_s=min(arm),
                    kind="overhead",
                    target=1.05 if every == 10 else float("inf"),
                    extra={"steps_per_net": steps, "nets": [list(n) for n in cfg.nets], "repeats": repeats},
                )
            )
    return results
