"""Fixtures the sweep tests share: a tiny staircase sweep spec and one pool sweep run from it, and a
fake sweep root holding finished runs (for the aggregation and the report)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rankscope.store import RunDir
from rankscope.sweep import LocalPool, SweepSpec, parse_grid, run_sweep

TINY = {
    "nets": [[1, 6]],
    "stages": [["adam", 40, 0.01]],
    "every": 5,
    "checkpoint_every": 20,
    "train_points": 50,
    "quadrature_points": 50,
}
# SGD at lr 1e30 passes the config's checks and diverges at its first step: a point that fails at run time
GRID = ["seed=0:2", 'stages=[["adam", 40, 0.01]]|[["sgd", 40, 1e30]]']
SPEC = SweepSpec("staircase", "quick", parse_grid(GRID), {k: v for k, v in TINY.items() if k != "stages"})


@pytest.fixture(scope="package")
def tiny() -> dict:
    """Overrides of a staircase run small enough for a test."""
    return TINY


@pytest.fixture(scope="package")
def sweep_spec() -> SweepSpec:
    """Two seeds x two stages, one of which diverges (a point that fails at run time)."""
    return SPEC


@pytest.fixture(scope="package")
def pool_sweep(tmp_path_factory):
    """``(root, result)`` of :data:`SPEC` run on a local pool of two workers (read-only: copy it)."""
    root = tmp_path_factory.mktemp("pool") / "sweep"
    result = run_sweep(SPEC, root, backend=LocalPool(jobs=2))
    return root, result


LOSSES = {
    ("0.1", 0): [1.0, 0.5, 0.1],
    ("0.1", 1): [1.0, 0.4, 0.3],
    ("0.1", 2): [1.0, 0.6, 0.2],
    ("0.2", 0): [2.0, 1.0, 0.5],
    ("0.2", 1): [2.0, 0.5, 0.25],
}


def _fake_sweep(root):
    """A sweep root as run_sweep writes it: two settings (lr) x three seeds, one run failed."""
    points = []
    for i, (lr, seed) in enumerate([(lr, s) for lr in ("0.1", "0.2") for s in range(3)]):
        name = f"lr={lr}__seed={seed}"
        point = {
            "index": i,
            "name": name,
            "dir": name,
            "settings": {"lr": float(lr), "seed": seed},
            "status": "done",
            "attempts": 1,
            "error": None,
            "seconds": 1.0,
            "host": "h",
        }
        run = RunDir.create(root / name, experiment="staircase", preset="quick", config={"seed": seed})
        if (lr, seed) not in LOSSES:
            point.update(status="failed", error="ValueError: width must be positive")
            points.append(point)
            continue
        loss = np.array(LOSSES[(lr, seed)])
        run.write_arrays(
            **{"net/iter": np.array([0, 10, 20]), "net/loss": loss, "net/spectrum": np.ones((3, 2))}
        )
        run.write_summary(
            {
                "checks": [
                    {"name": "loss falls", "paper": "it falls", "ours": "", "holds": bool(loss[-1] < 0.25)},
                    {"name": "always", "paper": "p", "ours": "", "holds": True},
                ],
                "measures": {"net": {"final_loss": float(loss[-1]), "levels": [1, 2]}, "seed_echo": seed},
            }
        )
        points.append(point)
    doc = {
        "format": "rankscope-sweep/1",
        "experiment": "staircase",
        "preset": "quick",
        "overrides": {"every": 5},
        "grid": {"lr": [0.1, 0.2], "seed": [0, 1, 2]},
        "seed_key": "seed",
        "holds_fraction": 0.6,
        "points": points,
    }
    (root / "sweep.json").write_text(json.dumps(doc))
    return root


@pytest.fixture
def fake_sweep(tmp_path):
    """A fake sweep root ``tmp_path/sw`` with finished runs (see :data:`LOSSES`) and one failed point."""
    return _fake_sweep(tmp_path / "sw")
