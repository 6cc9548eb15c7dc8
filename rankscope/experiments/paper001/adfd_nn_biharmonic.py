"""``adfd-nn-biharmonic``: two-layer sin networks on the AD vs the FD PINN loss of the biharmonic
problem, and the eigenvalues of their training kernels G (paper 001 Fig. 6(c, d), B.4.1, appendix B.4;
shared parts in ``_nn.py``).

Presets use lr = 3e-4 (1e-3 diverges). Expected wall time on 2 cores: quick ~30 s (6k steps, 2
seeds), paper ~2 min (50k steps, 5 nets; measured,
seeds 0-2, one job beside another: 124-130 s). What the quick preset measures (seed 0): after 6k steps
every claim holds (H_AD = 0.218 > H_FD = 0.054 of J's singular values at 1e-2; paper 0.1872, 0.0332).
"""

from __future__ import annotations

from dataclasses import dataclass

from rankscope.experiments.paper001._nn import NnConfig, NnExperiment
from rankscope.experiments.paper001._nn_claims import nn_claims

__all__ = ["NnBiharmonicConfig", "NnBiharmonicExperiment"]


@dataclass(frozen=True)
class NnBiharmonicConfig(NnConfig):
    """``adfd-nn-biharmonic``: N = 64 on [-1, 1] (h = 1/32), lambda = 100, cut-off 1e-2 (Fig. 6(c, d)).

    Appendix B.4 writes "64 x 64" points (copied from B.3) and ``h = 1/64``; 64 points on [-1, 1]
    give ``h = 1/32``. At ``h = 0.02`` (N = 100) the float32 FD quotient's round-off
    (``~ 16 eps_32 |phi| / h^4``) is already as large as ``f`` at initialisation.
    """

    points: int = 64
    cutoff: float = 1e-2
    phase1_steps: int = 600


class NnBiharmonicExperiment(NnExperiment):
    name = "adfd-nn-biharmonic"
    problem = "biharmonic"
    paper_h = (0.1872, 0.0332)
    figure = "fig6cd"
    claims = nn_claims(paper_h)
    Config = NnBiharmonicConfig
