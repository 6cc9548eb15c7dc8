"""A_AD of the 2D Poisson random-feature system: torch.func builder vs the closed form for sin features.

Set-up of paper 001 Fig. 2(c) / appendix B.3: M = 200 sin features with
``w, b ~ U[-1, 1]``, the Laplacian at the 64 x 64 cell-centred grid on [0, 1]^2, float64.

Baseline: ``system_matrix_ad(..., method="closed_form")`` (``-|w_j|^2 sin(w_j . x_i + b_j)``).
Candidate: ``system_matrix_ad(..., method="autodiff")`` (``sigma''`` by ``torch.func``: ``vmap`` of a
nested ``grad`` of the activation, then the exact chain rule for the affine argument).
Target: time ratio <= 3x, with the two matrices equal to round-off.
"""

from __future__ import annotations

import time

import torch

from rankscope.bench import BenchResult, best_of
from rankscope.matrices.random_features import sample_features, system_matrix_ad
from rankscope.operators.constant_coefficient import laplacian_operator
from rankscope.operators.fd_grids import fd_grid


def run(quick: bool = False) -> list[BenchResult]:
    """Time ratio of the torch.func A_AD builder over the closed form (2D Poisson, M = 200, 64 x 64)."""
    torch.set_num_threads(1)
    m, n = 200, 64
    feats = sample_features(m, 2, seed=0)
    x = torch.as_tensor(fd_grid((0.0, 0.0), (1.0, 1.0), n).points())
    op = laplacian_operator(2)
    repeats = 3 if quick else 7
    base_s, closed = best_of(lambda: system_matrix_ad(feats, x, op, method="closed_form"), repeats)
    cand_s, auto = best_of(lambda: system_matrix_ad(feats, x, op, method="autodiff"), repeats)
    diff = float((closed - auto).abs().max() / closed.abs().max())
    return [
        BenchResult(
            name=f"rfm.A_AD[poisson2d, M={m}, {n}x{n}]",
            baseline="closed form (sin)",
            baseline_s=base_s,
            candidate="torch.func (nested grad of sum sigma)",
            candidate_s=cand_s,
            kind="overhead",
            target=3.0,
            extra={"m": m, "points": n * n, "max_rel_diff": diff, "agree": diff <= 1e-12},
        )
    ]


if __name__ == "__main__":
    t0 = time.perf_counter()
    for r in run():
        print(r.describe(), r.extra)
    print(f"total {time.perf_counter() - t0:.1f}s")
