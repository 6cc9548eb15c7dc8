"""``adfd-nn-poisson1d``: two-layer sin networks on the AD vs the FD PINN loss of 1D Poisson, and the
eigenvalues of their training kernels G (paper 001 Fig. 4, appendix B.2; shared parts in ``_nn.py``).

Presets use lr = 1e-2 (10x the paper's upper end; the largest stable rate we found, 2e-2 stalls and
3e-2 diverges). Expected wall time on 2 cores: quick ~60 s (20k steps, 2 seeds), paper ~10 min a
seed (200k steps, 5 nets; measured, seeds 0-2, one job beside another: 30.5 min for the three). What
the quick preset measures (seeds 0-2): the kernel claims hold in every seed (H_AD = 0.166 > H_FD =
0.026, e = 8 vs ~51, Def. 1-2 of J's singular values at 1e-5); the FD error lags AD's only in the
networks whose AD error is already below FD's float32 floor (ratios 1.00-1.36 at 20k steps, margins
-0.035, -0.050, -0.049), so the loss claim is fragile there.
"""

from __future__ import annotations

from rankscope.experiments.paper001._nn import NnConfig, NnExperiment
from rankscope.experiments.paper001._nn_claims import nn_claims

__all__ = ["NnPoisson1dExperiment"]


class NnPoisson1dExperiment(NnExperiment):
    name = "adfd-nn-poisson1d"
    problem = "poisson1d"
    paper_h = (0.0250, 0.0021)
    figure = "fig4"
    claims = nn_claims(paper_h)
    Config = NnConfig
