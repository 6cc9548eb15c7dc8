"""2D ReLU mass-matrix assembly: exact polygon integration vs the quadrature builder (paper 003, issue 17).

Matrix: ``A_ij = int_[0,1]^2 relu(w_i . x + b_i) relu(w_j . x + b_j) dx`` for ``random_neurons(n, 2,
seed=0)`` (unit normals, hyperplanes through uniform points of the square).

* baseline: :func:`rankscope.matrices.relu.mass_matrix` with the composite 2-point Gauss-Legendre rule
  of about ``4 n`` points (``2 sqrt(n)`` per axis, the 2D test rule of the paper-003 experiments).
* candidate: :meth:`rankscope.matrices.relu_2d.ReluEntries2D.matrix` (exact up to rounding; after a
  warm-up call for numba's JIT).

"At equal accuracy" cannot be met by the quadrature: its error falls like ``h^2`` (kinks) and is
``~1e-6`` relative at ``4 n`` points, against rounding (``~1e-15``) for the closed form. The ratio at
the quadrature's own, far lower accuracy is therefore a lower bound of the ratio at equal accuracy;
the quadrature's measured error is in ``extra``. Target: >= 10x at n = 4096 (quick: n = 1024, 3x).
"""

from __future__ import annotations

import numpy as np

from rankscope.bench import BenchResult, best_of
from rankscope.matrices.relu import mass_matrix
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.nets.shallow_relu import random_neurons
from rankscope.sampling import Box, gauss_legendre

UNIT = Box((0.0, 0.0), (1.0, 1.0))


def run(quick: bool = False) -> list[BenchResult]:
    """Speed-up of the closed-form assembly over the quadrature builder, with the quadrature's error."""
    n = 1024 if quick else 4096
    net = random_neurons(n, 2, seed=0)
    exact = ReluEntries2D(net, UNIT)
    exact.matrix()  # JIT warm-up
    panels = int(np.ceil(np.sqrt(n)))  # 2 points per panel and axis: 4 n points
    rule = gauss_legendre(UNIT, 2, panels=panels)
    base_s, aq = best_of(lambda: mass_matrix(net, UNIT, quadrature=rule), repeats=1)
    cand_s, a = best_of(lambda: ReluEntries2D(net, UNIT).matrix(), repeats=3)
    return [
        BenchResult(
            name=f"relu_2d_assembly.closed_form_vs_quadrature[n={n}]",
            baseline=f"mass_matrix with a {len(rule)}-point Gauss-Legendre rule",
            baseline_s=base_s,
            candidate="ReluEntries2D.matrix (polygon integration, exact)",
            candidate_s=cand_s,
            kind="speedup",
            target=3.0 if quick else 10.0,
            extra={
                "quadrature_points": len(rule),
                "quadrature_rel_error_fro": float(np.linalg.norm(aq - a) / np.linalg.norm(a)),
                "quadrature_rel_error_max": float(np.abs(aq - a).max() / np.abs(a).max()),
                "entries_per_second": float(n * (n + 1) / 2 / cand_s),
            },
        )
    ]
