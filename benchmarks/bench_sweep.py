"""Sweep throughput: 16 small staircase runs through the local process pool vs one after another.

Baseline: the 16 runs one after another in this process with ``run_experiment`` (after one untimed
warm-up run, so the baseline pays no import or first-call cost). Candidate: ``run_sweep`` on a
``LocalPool`` of 2 workers, including the pool's start-up (spawned workers import torch and
rankscope: about 2 s of CPU per worker). Each run trains one tanh MLP (L = 1, n = 6) for 5000 Adam
steps on 50 points with the eps-rank recorded every 20 steps (about 2.5 s of CPU), so the whole
benchmark takes about a minute on an idle 2-core machine. Expected speed-up: close to the core
count less the workers' start-up; target >= 1.5x with 2 workers. On a machine shared with other
jobs the ratio falls: the two workers do not get two whole cores.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import torch

from rankscope.bench import BenchResult
from rankscope.experiments import run_experiment
from rankscope.sweep import LocalPool, SweepSpec, parse_grid, run_sweep

SMALL = {
    "nets": [[1, 6]],
    "stages": [["adam", 5000, 0.01]],
    "every": 20,
    "checkpoint_every": 2500,
    "train_points": 50,
    "quadrature_points": 50,
}
JOBS = 2


def run(quick: bool = False) -> list[BenchResult]:
    torch.set_num_threads(1)
    runs = 4 if quick else 16
    overrides = dict(SMALL, stages=[["adam", 300, 0.01]]) if quick else SMALL
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        root = Path(tmp)
        run_experiment("staircase", "quick", root / "warm-up", {**overrides, "seed": 99})
        t0 = time.perf_counter()
        for seed in range(runs):
            run_experiment("staircase", "quick", root / f"seq-{seed}", {**overrides, "seed": seed})
        sequential = time.perf_counter() - t0

        spec = SweepSpec("staircase", "quick", parse_grid([f"seed=0:{runs}"]), overrides)
        t0 = time.perf_counter()
        result = run_sweep(spec, root / "pool", backend=LocalPool(jobs=JOBS))
        pooled = time.perf_counter() - t0
        if not result.complete:
            raise RuntimeError(f"the benchmark sweep had failed runs: {[p.error for p in result.failed]}")
    return [
        BenchResult(
            name=f"sweep of {runs} staircase runs on a {JOBS}-worker pool",
            baseline="one after another (in-process)",
            baseline_s=sequential,
            candidate=f"LocalPool(jobs={JOBS})",
            candidate_s=pooled,
            kind="speedup",
            target=1.5,
            extra={
                "runs": runs,
                "jobs": JOBS,
                "cpu_count": os.cpu_count(),
                "steps": overrides["stages"][0][1],
            },
        )
    ]


if __name__ == "__main__":
    for r in run(quick=False):
        print(r.describe())
