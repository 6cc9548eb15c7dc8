"""All-layer partial Jacobian ranks: one forward-mode sweep vs reverse mode per sub-network.

Paper 004 eq. (5), Sec. 4.3: the numerical rank (eq. (4)) of the
partial Jacobian of every sub-network of a ResNet-18 (rankscope.nets.resnet.resnet18, 11.7M
parameters; no torchvision) at a Gaussian 3 x 64 x 64 input on the central 16 x 16 x 3 patch
(K = 768 columns), for its 10 sub-networks (stem, 8 basic blocks, pooled features).

Baseline: ``partial_ranks(method="reverse")`` — each sub-network's partial Jacobian separately by
``torch.func.jacrev`` (d_k vector-Jacobian products each; the paper computes each sub-network's
Jacobian on its own). Candidate: ``partial_ranks(method="forward")`` — all of them from one
``jvp``-under-``vmap`` sweep of the K patch directions. Both include the same rank computation.
Target: speed-up >= 20x with the same ranks. Quick mode: 3 x 32 x 32 input, 8 x 8 x 3 patch.
Both are timed once after a warm-up on a tiny network (the reverse baseline takes minutes).
"""

from __future__ import annotations

import time

import torch

from rankscope.bench import BenchResult, best_of
from rankscope.matrices.jacobian_ranks import partial_ranks
from rankscope.matrices.patch import Patch
from rankscope.nets.resnet import resnet18


def _warm_up() -> None:
    net = resnet18(num_classes=2, width=2, seed=0).eval()
    x = torch.randn(3, 16, 16)
    for method in ("forward", "reverse"):
        partial_ranks(net, x, Patch.central(x.shape, 2), method=method)


def run(quick: bool = False) -> list[BenchResult]:
    """Speed-up of the one-sweep forward mode over per-sub-network reverse mode (same ranks)."""
    size, patch_side = (32, 8) if quick else (64, 16)
    torch.manual_seed(0)
    net = resnet18(num_classes=1000, width=64, seed=0).eval()
    x = torch.randn(3, size, size, generator=torch.Generator().manual_seed(0))
    patch = Patch.central(x.shape, patch_side)
    _warm_up()
    fwd_s, fwd = best_of(
        lambda: partial_ranks(net, x, patch, method="forward"), repeats=1 if not quick else 2
    )
    rev_s, rev = best_of(lambda: partial_ranks(net, x, patch, method="reverse"), repeats=1)
    return [
        BenchResult(
            name=f"partial_jacobian.resnet18[3x{size}x{size}, patch {patch_side}x{patch_side}x3]",
            baseline="partial_ranks(method='reverse'): jacrev per sub-network",
            baseline_s=rev_s,
            candidate="partial_ranks(method='forward'): one jvp/vmap sweep",
            candidate_s=fwd_s,
            kind="speedup",
            target=20.0,
            extra={
                "n_columns": fwd.n_columns,
                "layers": list(fwd.layers),
                "forward_ranks": list(fwd.ranks),
                "reverse_ranks": list(rev.ranks),
                "same_ranks": fwd.ranks == rev.ranks,
                "threads": torch.get_num_threads(),
            },
        )
    ]


if __name__ == "__main__":
    import sys

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    for r in run(quick="--quick" in sys.argv):
        print(r.describe(), r.extra)
    print(f"total {time.perf_counter() - t0:.1f}s")
