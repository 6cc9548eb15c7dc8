"""``rankscope analyze`` on ResNet-18 at 32 x 32 with 256 inputs, against the 2-minute budget.

Issue 16's target: every diagnostic of ``analyze`` (feature spectra of the 17 layers, weight ranks,
partial Jacobian ranks on the central 16 x 16 x 3 patch, classification dimension and independence
deficit with labels, top of the output NTK) on ``resnet18(num_classes=10, small_input=True)`` (11.2M
parameters) at 256 random 3 x 32 x 32 inputs, in at most 2 minutes on 2 CPU cores.

The target is a wall-time budget, so the "baseline" is the budget itself (120 s, not measured);
measured in the same run and reported beside it, as the yardstick of the machine's speed, is one
float32 forward and backward pass of the 256-input batch: ``analyze_in_passes`` says how many such
passes the whole analysis costs, a figure that does not depend on the machine. The per-step
seconds come from the run's ``summary.json``. Quick mode: 32 inputs (target unchanged).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import torch

from rankscope.analyze.run import analyze
from rankscope.bench import BenchResult, best_of
from rankscope.nets.resnet import resnet18

BUDGET_S = 120.0


def run(quick: bool = False) -> list[BenchResult]:
    """Wall time of ``analyze`` (all diagnostics) against the 120 s budget; per-step seconds beside."""
    m = 32 if quick else 256
    net = resnet18(num_classes=10, small_input=True, seed=0).eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(m, 3, 32, 32, generator=gen)
    y = torch.randint(0, 10, (m,), generator=gen)

    def pass_once() -> None:
        net.zero_grad(set_to_none=True)
        net(x).square().sum().backward()
        net.zero_grad(set_to_none=True)

    pass_s, _ = best_of(pass_once, repeats=2)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        t0 = time.perf_counter()
        analyze(net, x, out, labels=y)
        total = time.perf_counter() - t0
        summary = json.loads((out / "summary.json").read_text())
    return [
        BenchResult(
            name=f"analyze.resnet18[{m} x 3x32x32, labels, all diagnostics]",
            baseline="the 2-minute budget of issue 16 (not measured)",
            baseline_s=BUDGET_S,
            candidate="rankscope.analyze.run.analyze",
            candidate_s=total,
            kind="overhead",
            target=1.0,
            extra={
                "seconds": summary["seconds"],
                "forward_backward_s": round(pass_s, 3),
                "analyze_in_passes": round(total / pass_s, 1),
                "ntk": {k: summary["measures"]["ntk"][k] for k in ("points", "outputs", "method")},
                "threads": torch.get_num_threads(),
            },
        )
    ]


if __name__ == "__main__":
    import sys

    for r in run(quick="--quick" in sys.argv):
        print(r.describe(), r.extra)
