"""``adfd-nn-poisson2d``: two-layer sin networks on the AD vs the FD PINN loss of 2D Poisson, and the
eigenvalues of their training kernels G (paper 001 Fig. 5(c, d), B.3.1, appendix B.3; shared parts in
``_nn.py``).

Presets use lr = 1e-3 (1e-2 oscillates). Expected wall time on 2 cores: quick ~60-100 s (3k steps on
32 x 32, 2 seeds), paper ~30 min or more (50k steps on 64 x 64, 5 seeds; not timed here). What the
quick preset measures (seed 0): after 3k steps AD and FD are indistinguishable (H_AD = H_FD = 0.1136,
e = 16 each at 1e-4; L_F ratio 1.00), so neither ``H_G_AD > H_G_FD`` nor the later gap of the losses
is reproduced there.
"""

from __future__ import annotations

from dataclasses import dataclass

from rankscope.experiments.paper001._nn import NnConfig, NnExperiment
from rankscope.experiments.paper001._nn_claims import nn_claims

__all__ = ["NnPoisson2dConfig", "NnPoisson2dExperiment"]


@dataclass(frozen=True)
class NnPoisson2dConfig(NnConfig):
    """``adfd-nn-poisson2d``: 64 x 64 grid (h = 1/64), cut-off 1e-4 (Fig. 5(c, d))."""

    points: int = 64
    cutoff: float = 1e-4
    phase1_steps: int = 300


class NnPoisson2dExperiment(NnExperiment):
    name = "adfd-nn-poisson2d"
    problem = "poisson2d"
    paper_h = (0.0847, 0.0771)
    figure = "fig5cd"
    claims = nn_claims(paper_h)
    Config = NnPoisson2dConfig
