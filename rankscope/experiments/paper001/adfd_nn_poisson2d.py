"""``adfd-nn-poisson2d``: two-layer sin networks on the AD vs the FD PINN loss of 2D Poisson, and the
eigenvalues of their training kernels G (paper 001 Fig. 5(c, d), B.3.1, appendix B.3; shared parts in
``_nn.py``).

Presets use lr = 1e-3 (1e-2 oscillates). What the quick preset measures (2 seeds): after 3k steps AD
and FD are indistinguishable, so neither ``H_G_AD > H_G_FD`` nor the later gap of the losses is
reproduced there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rankscope.experiments.paper001._nn import NnConfig, NnExperiment, nn_claims

__all__ = ["NnPoisson2dConfig", "NnPoisson2dExperiment"]


@dataclass(frozen=True)
class NnPoisson2dConfig(NnConfig):
    """``adfd-nn-poisson2d``: 64 x 64 grid (h = 1/64), cut-off 1e-4 (Fig. 5(c, d))."""

    points: int = 64
    cutoff: float = 1e-4
    phase1_steps: int = 300


class NnPoisson2dExperiment(NnExperiment):
    name = "adfd-nn-poisson2d"
    summary = "Paper 001 Fig. 5(c, d): two-layer sin nets, AD vs FD PINN loss, 2D Poisson; eigenvalues of G"
    paper = "paper 001, Fig. 5(c, d), B.3.1, appendix B.3"
    problem = "poisson2d"
    paper_h = (0.0847, 0.0771)
    figure = "fig5cd"
    claims = nn_claims(paper_h)
    not_reproduced: ClassVar[dict[str, frozenset[str]]] = {
        "quick": frozenset(
            {
                "H_G_AD(cutoff) > H_G_FD(cutoff) at the end of training",
                "AD loss falls faster than FD after the first phase",
            }
        )
    }
    Config = NnPoisson2dConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {
            "steps": 3000,
            "lr": 1e-3,
            "points": 32,
            "boundary_points": 32,
            "seeds": (0, 1),
            "record_every": 50,
        },
        "paper": {"steps": 50000, "lr": 1e-3, "seeds": (0, 1, 2, 3, 4), "record_every": 250},
    }
