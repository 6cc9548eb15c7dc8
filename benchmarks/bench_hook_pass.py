"""All-layer eps-ranks from one hook pass vs one forward pass per layer.

Network: a 4 x 50 tanh MLP (paper 000 Fig. 3's L = 4, n = 50), Xavier, seed 0. Quadrature: 10^4
Gauss–Legendre points on [-1, 1] (eq. 4.1), as a composite rule of 100 panels of 100 nodes (a single
10^4-node rule costs numpy's ``leggauss`` a 10^4 x 10^4 eigenproblem, minutes, before any timing).
Both paths evaluate the neuron functions in float64 and compute the Gram matrix and eps-rank
(eps = 1e-6, Def. 2.5) of every hidden layer:

* baseline: ``gram_matrix(net, k, q)`` for each layer k, i.e. one full forward pass per layer;
* candidate: ``gram_matrices(net, "all", q)``, one forward pass with a hook on every layer.

The forward pass costs about as much as the four Gram matrices together (m x n x n flops per layer
each), so the saving is three forward passes out of four plus the shared Gram and eigenvalue work:
about 2.5x in theory (measured 2.4-2.8x on a shared 2-core machine). Target: speed-up >= 2x,
with identical eps-ranks.
"""

from __future__ import annotations

import torch

from rankscope.bench import BenchResult, best_of
from rankscope.linalg import eigenspectrum, eps_rank
from rankscope.matrices import gram_matrices, gram_matrix
from rankscope.nets import MLP
from rankscope.sampling import gauss_legendre

EPS = 1e-6


def run(quick: bool = False) -> list[BenchResult]:
    """Speed-up of one hook pass over one forward per layer (identical eps-ranks required)."""
    torch.set_num_threads(1)
    depth, width, nodes, panels = 4, 50, 100, 100
    points = nodes * panels
    net = MLP(1, width, depth, act="tanh", seed=0)
    q = gauss_legendre((-1.0, 1.0), nodes, panels=panels)
    layers = list(range(depth))

    def per_layer() -> list[int]:
        return [eps_rank(eigenspectrum(gram_matrix(net, k, q)), EPS) for k in layers]

    def one_pass() -> list[int]:
        mats = gram_matrices(net, "all", q)
        return [eps_rank(eigenspectrum(m), EPS) for m in mats.values()]

    repeats = 5 if quick else 30
    base_s, base_ranks, cand_s, cand_ranks = float("inf"), None, float("inf"), None
    for _ in range(3):  # interleave the two, so both see the shared machine's noise
        t, base_ranks = best_of(per_layer, repeats)
        base_s = min(base_s, t)
        t, cand_ranks = best_of(one_pass, repeats)
        cand_s = min(cand_s, t)
    if base_ranks != cand_ranks:
        raise AssertionError(f"the two paths disagree: per layer {base_ranks}, one pass {cand_ranks}")
    return [
        BenchResult(
            name=f"all-layer eps-rank, {depth} x {width} tanh MLP, {points} Gauss-Legendre points",
            baseline="one forward per layer (gram_matrix x 4)",
            baseline_s=base_s,
            candidate="one hook pass (gram_matrices 'all')",
            candidate_s=cand_s,
            kind="speedup",
            target=2.0,
            extra={"eps_rank_per_layer": cand_ranks, "repeats": repeats},
        )
    ]


if __name__ == "__main__":
    for result in run(quick=False):
        print(result.describe())
