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


STAIRCASE_CLAIMS = (
    "eps-rank starts far below full",
    "eps-rank rises in steps",
    "loss falls fastest where the eps-rank grows",
)


def _fake_reproduction(root):
    """A reproduction root as ``reproduce`` writes it, by hand: ``staircase`` over 3 seeds (seed 2
    failed; claim 0 holds in seeds 0-1, claim 1 in seed 0, claim 2 in none) and ``staircase-layers``,
    whose sweep never started."""
    from rankscope.sweep.ledger_store import write_marker

    root.mkdir(parents=True)
    write_marker(
        root,
        names=["staircase", "staircase-layers"],
        preset="quick",
        seeds=3,
        overrides={},
        command="rankscope reproduce staircase staircase-layers --seeds 3 --out X",
    )
    points = []
    for seed in range(3):
        name = f"seed={seed}"
        point = {
            "index": seed,
            "name": name,
            "dir": name,
            "settings": {"seed": seed},
            "status": "done",
            "attempts": 1,
            "error": None,
            "seconds": 2.0 + seed,
            "host": "h",
        }
        run = RunDir.create(
            root / "staircase" / name, experiment="staircase", preset="quick", config={"seed": seed}
        )
        if seed == 2:
            point.update(status="failed", error="RuntimeError: training diverged")
            points.append(point)
            continue
        holds = (True, seed == 0, False)
        run.write_summary(
            {
                "checks": [
                    {"name": c, "paper": f"paper says {c}", "ours": f"seed {seed} measured", "holds": h}
                    for c, h in zip(STAIRCASE_CLAIMS, holds, strict=True)
                ],
                "measures": {"L1_n6": {"width": 6, "initial_eps_rank": 2 + seed, "plateau_levels": [1, 2]}},
                "provenance": {
                    "cpu": "Fake CPU <9000>",
                    "versions": {"torch": "9.9"},
                    "git": {"commit": "abc"},
                },
            }
        )
        points.append(point)
    doc = {
        "format": "rankscope-sweep/1",
        "experiment": "staircase",
        "preset": "quick",
        "overrides": {},
        "grid": {"seed": [0, 1, 2]},
        "seed_key": "seed",
        "holds_fraction": 0.8,
        "points": points,
    }
    (root / "staircase" / "sweep.json").write_text(json.dumps(doc))
    return root


@pytest.fixture
def fake_reproduction(tmp_path):
    """A hand-made reproduction root ``tmp_path/repro`` (see :func:`_fake_reproduction`)."""
    return _fake_reproduction(tmp_path / "repro")
