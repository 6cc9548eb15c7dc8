"""``adfd-nn-poisson1d``: two-layer sin networks on the AD vs the FD PINN loss of 1D Poisson, and the
eigenvalues of their training kernels G (paper 001 Fig. 4, appendix B.2; shared parts in ``_nn.py``).

Presets use lr = 1e-2 (10x the paper's upper end; the largest stable rate we found, 2e-2 stalls and
3e-2 diverges). Expected wall time on 2 cores: quick ~60 s (20k steps, 2 seeds), paper ~12 min
(200k steps, 5 seeds). What the quick preset measures (seeds 0-2): the kernel claims hold in every
seed (H_AD = 0.166 > H_FD = 0.026, e = 8 vs ~51, Def. 1-2 of J's singular values at 1e-5); the FD
error lags AD's only in the networks whose AD error is already below FD's float32 floor (ratios
1.00-1.36 at 20k steps, margins -0.035, -0.050, -0.049), so the loss claim is fragile there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rankscope.experiments.paper001._nn import NnConfig, NnExperiment
from rankscope.experiments.paper001._nn_claims import nn_claims

__all__ = ["NnPoisson1dExperiment"]


class NnPoisson1dExperiment(NnExperiment):
    name = "adfd-nn-poisson1d"
    summary = "Paper 001 Fig. 4: two-layer sin nets on the AD vs FD PINN loss, 1D Poisson; eigenvalues of G"
    paper = "paper 001, Fig. 4, appendix B.2"
    problem = "poisson1d"
    paper_h = (0.0250, 0.0021)
    figure = "fig4"
    claims = nn_claims(paper_h)
    diagnoses: ClassVar[dict[str, str]] = {
        "H_G_AD(cutoff) > H_G_FD(cutoff) at the end of training": (
            "Before: H_AD = H_FD = 0.1827 (e = 6 each) because Def. 1-2 were taken of the eigenvalues "
            "lambda of G: FD's float32 round-off floor (~ eps_32 |phi| / h^2, h = 2/100 as in B.2) sits at "
            "lambda / lambda_1 ~ 1e-9..1e-8, below the 1e-5 cut-off, so both keep the same top values. "
            "h, grid (N = 100 cell-centred, h = 0.02) and p_k = sigma_k / ||sigma||_1 with natural log "
            "match the paper. Sec. 3.2 cuts at 'a sqrt(lambda_1)', as the RFM's truncated SVD of A: "
            "taking Def. 1-2 of the singular values sqrt(lambda) of J (spectrum='jacobian') gives "
            "H_AD = 0.166 > H_FD = 0.026 (e = 8 vs 50-52) in seeds 0-2; the claim holds. Our values stay "
            "7x (AD) and 12x (FD) above the paper's: H = S / e with S ~ 1.3 the same for both; with "
            "N = 100, e <= 100, so the paper's H_FD = 0.0021 needs S <= 0.21 (p_1 >= 0.97), while our "
            "two top eigenvalues stay within lambda_2 / lambda_1 = 0.6-0.8 at every step and seed, "
            "which bounds S >= 0.68 and H_FD >= 0.0068 under either reading. The paper does not give "
            "its top spectrum (initialisation, steps), so the gap in value is not resolved."
        ),
        "AD loss falls faster than FD after the first phase": (
            "Holds in the networks whose AD error L_F falls below FD's float32 floor (~1e-4 relative): "
            "the FD/AD ratio is 1.00 until then and opens after (e.g. 1.24 at 20k, 2.7 at 40k steps in "
            "the faster network); the slower draws reach it only after ~40k steps (ratio 1.05 at 40k). "
            "At the paper's rates (1e-4..1e-3, B.1) this takes >10x more steps. The quick preset (20k "
            "steps, < 60 s) therefore sees ratios 1.00-1.36 (seeds 0-2): fragile, not a wrong setting; "
            "the paper preset (200k steps) should pass that point in every seed (not run here)."
        ),
    }
    Config = NnConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"steps": 20000, "lr": 1e-2, "seeds": (0, 1), "record_every": 200},
        "paper": {"steps": 200000, "lr": 1e-2, "seeds": (0, 1, 2, 3, 4), "record_every": 500},
    }
