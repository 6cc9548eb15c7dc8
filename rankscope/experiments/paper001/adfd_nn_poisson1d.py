"""``adfd-nn-poisson1d``: two-layer sin networks on the AD vs the FD PINN loss of 1D Poisson, and the
eigenvalues of their training kernels G (paper 001 Fig. 4, appendix B.2; shared parts in ``_nn.py``).

Presets use lr = 1e-2 (10x the paper's upper end; the largest stable rate we found, 2e-2 stalls and
3e-2 diverges). What the quick preset measures (2 seeds): after 40k steps, the FD error lags AD's
(ratios 1.1 and 2.9) but G's kept spectrum at 1e-5 is the same for both (e = 6, H = 0.183 each), so
``H_G_AD > H_G_FD`` is not reproduced there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rankscope.experiments.paper001._nn import NnConfig, NnExperiment, nn_claims

__all__ = ["NnPoisson1dExperiment"]


class NnPoisson1dExperiment(NnExperiment):
    name = "adfd-nn-poisson1d"
    summary = "Paper 001 Fig. 4: two-layer sin nets on the AD vs FD PINN loss, 1D Poisson; eigenvalues of G"
    paper = "paper 001, Fig. 4, appendix B.2"
    problem = "poisson1d"
    paper_h = (0.0250, 0.0021)
    figure = "fig4"
    claims = nn_claims(paper_h)
    not_reproduced: ClassVar[dict[str, frozenset[str]]] = {
        "quick": frozenset({"H_G_AD(cutoff) > H_G_FD(cutoff) at the end of training"})
    }
    Config = NnConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"steps": 40000, "lr": 1e-2, "seeds": (0, 1), "record_every": 200},
        "paper": {"steps": 200000, "lr": 1e-2, "seeds": (0, 1, 2, 3, 4), "record_every": 500},
    }
