"""Paper 001, two-layer networks: the measures and claims of ``adfd-nn-poisson1d``, ``adfd-nn-poisson2d``
and ``adfd-nn-biharmonic`` (Figs. 4, 5(c, d), 6(c, d)), read from the records and arrays that the
training in ``_nn.py`` writes.

Kernel claims: the top eigenvalue of ``G_AD`` and ``G_FD`` agree (Prop. 1), the eigenvalues past the
shared ones are larger for FD (Prop. 2), and ``H_G_AD(a) > H_G_FD(a)`` at the end (Def. 1-2 on the
spectrum that ``NnConfig.spectrum`` names). Loss claim: AD and FD train alike in the first phase and FD
falls behind after it (Fig. 4(b)).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rankscope.experiments.checks import Check, all_of, at_least, at_most
from rankscope.experiments.claims import Claim, evaluate_claims
from rankscope.linalg.truncated_svd import shared_count

__all__ = [
    "LOSS_CLAIM",
    "kernel_checks",
    "kernel_claims",
    "kernel_measures",
    "loss_checks",
    "loss_measures",
    "nn_claims",
]


def kernel_measures(
    records: list[dict[str, Any]], arrays: dict[str, np.ndarray], paper_h: tuple[float, float]
) -> dict[str, Any]:
    """What the kernel claims read (Fig. 4(a), 5(c), 6(c)): the relative gap of lambda_1 of G_AD and
    G_FD at every recorded step and seed, the median log10(lambda_FD,i / lambda_AD,i) past the shared
    eigenvalues at the last one, and H_G, e_G at the first and last."""
    krecs = [r for r in records if "kernel_ad" in r]
    gaps, tails = [], []
    final = krecs[-1]
    for r in krecs:
        ad, fd = arrays[f"eig_ad/step{r['step']}"], arrays[f"eig_fd/step{r['step']}"]
        for i in range(ad.shape[0]):
            gaps.append(abs(ad[i, 0] - fd[i, 0]) / ad[i, 0])
    ad, fd = arrays[f"eig_ad/step{final['step']}"], arrays[f"eig_fd/step{final['step']}"]
    for i in range(ad.shape[0]):
        rank = int(min(np.count_nonzero(ad[i] > 0), np.count_nonzero(fd[i] > 0)))
        k = shared_count(ad[i, :rank], fd[i, :rank], rtol=0.05)
        tiny = np.finfo(np.float64).tiny
        t = np.log10(np.maximum(fd[i, k:rank], tiny) / np.maximum(ad[i, k:rank], tiny))
        tails.append(float(np.median(t)) if t.size else 0.0)
    return {
        "paper_H_G_AD": paper_h[0],
        "paper_H_G_FD": paper_h[1],
        "H_G_AD_final": final["kernel_ad"]["H"],
        "H_G_FD_final": final["kernel_fd"]["H"],
        "e_G_AD_final": final["kernel_ad"]["e"],
        "e_G_FD_final": final["kernel_fd"]["e"],
        "top_gap_max": float(max(gaps)),
        "top_gap_median": float(np.median(gaps)),
        "kernel_steps": [int(r["step"]) for r in krecs],
        "H_G_AD_initial": krecs[0]["kernel_ad"]["H"],
        "H_G_FD_initial": krecs[0]["kernel_fd"]["H"],
        "G_tail_log10_fd_over_ad_final": tails,
    }


def _entropy_ours(m: dict[str, Any], cfg: Any) -> str:
    h_ad, h_fd, h0_ad, h0_fd = (
        m[k] for k in ("H_G_AD_final", "H_G_FD_final", "H_G_AD_initial", "H_G_FD_initial")
    )
    steps = m["kernel_steps"]
    return (
        f"step {steps[-1]}: H_AD = {np.mean(h_ad):.4f} +- {np.std(h_ad):.4f}, H_FD = {np.mean(h_fd):.4f} "
        f"+- {np.std(h_fd):.4f} (e_AD = {m['e_G_AD_final']}, e_FD = {m['e_G_FD_final']}); at "
        f"step {steps[0]}: {np.mean(h0_ad):.4f} vs {np.mean(h0_fd):.4f} "
        f"(Def. 1-2 of the {'singular values of J' if cfg.spectrum == 'jacobian' else 'eigenvalues of G'}; "
        "criterion: AD > FD for every seed)"
    )


def kernel_claims(paper_h: tuple[float, float]) -> tuple[Claim, ...]:
    """The claims about the eigenvalues of G_AD vs G_FD (Fig. 4(a), 5(c), 6(c)): top ones agree, small
    ones larger for FD, H_G_AD(a) > H_G_FD(a) at the end of training (``paper_h``: the paper's H's)."""
    return (
        Claim(
            "large eigenvalues of G_AD and G_FD agree",
            paper="the large eigenvalues of G are similar for AD and FD throughout training (Fig. 4(a), "
            "Prop. 1)",
            reads=("top_gap_max", "top_gap_median", "kernel_steps"),
            criterion=lambda m, cfg: bool(m["top_gap_max"] <= cfg.top_rtol),
            describe=lambda m, cfg: (
                f"|lambda_1,AD - lambda_1,FD| / lambda_1,AD over {len(m['kernel_steps'])} recorded steps "
                f"x seeds: max {m['top_gap_max']:.2e}, median {m['top_gap_median']:.2e} (criterion: <= "
                f"{cfg.top_rtol:g} everywhere)"
            ),
        ),
        Claim(
            "small eigenvalues of G larger for FD",
            paper="C_2 augments the small eigenvalues of the FD kernel above those of AD (Sec. 3.2, Prop. 2)",
            reads=("G_tail_log10_fd_over_ad_final", "kernel_steps"),
            criterion=lambda m, cfg: all(t > 0 for t in m["G_tail_log10_fd_over_ad_final"]),
            describe=lambda m, cfg: (
                f"at step {m['kernel_steps'][-1]}: median log10(lambda_FD,i / lambda_AD,i) past the shared "
                f"ones: {[round(t, 2) for t in m['G_tail_log10_fd_over_ad_final']]} decades per seed "
                "(criterion: > 0 for every seed)"
            ),
        ),
        Claim(
            "H_G_AD(cutoff) > H_G_FD(cutoff) at the end of training",
            paper=f"H_G_AD(cutoff) = {paper_h[0]} > H_G_FD(cutoff) = {paper_h[1]}",
            reads=("H_G_AD_final", "H_G_FD_final", "e_G_AD_final", "e_G_FD_final", "H_G_AD_initial"),
            criterion=lambda m, cfg: all(
                a > b for a, b in zip(m["H_G_AD_final"], m["H_G_FD_final"], strict=True)
            ),
            describe=lambda m, cfg: _entropy_ours(m, cfg),
            title=lambda cfg: f"H_G_AD({cfg.cutoff:g}) > H_G_FD({cfg.cutoff:g}) at the end of training",
            quote=lambda cfg: (
                f"H_G_AD({cfg.cutoff:g}) = {paper_h[0]} > H_G_FD({cfg.cutoff:g}) = {paper_h[1]}"
            ),
        ),
    )


def kernel_checks(
    records: list[dict[str, Any]], arrays: dict[str, np.ndarray], cfg: Any, paper_h: tuple[float, float]
) -> tuple[list[Check], dict[str, Any]]:
    """The kernel claims (:func:`kernel_claims`) decided on ``records`` and ``arrays``: checks, measures."""
    measures = kernel_measures(records, arrays, paper_h)
    return evaluate_claims(kernel_claims(paper_h), measures, cfg), measures


def loss_measures(records: list[dict[str, Any]], cfg: Any) -> dict[str, Any]:
    """Fig. 4(b): the final L_F of each method and L_F,FD / L_F,AD per seed at the end of the first
    phase (``cfg.phase1_steps``) and at the end of training."""
    steps = np.array([r["step"] for r in records])
    lf_ad = np.array([r["lf_ad"] for r in records])
    lf_fd = np.array([r["lf_fd"] for r in records])
    i1 = int(np.searchsorted(steps, cfg.phase1_steps))
    i1 = min(i1, len(steps) - 1)
    early = lf_fd[i1] / lf_ad[i1]
    late = lf_fd[-1] / lf_ad[-1]
    return {
        "lf_ad_final": lf_ad[-1].tolist(),
        "lf_fd_final": lf_fd[-1].tolist(),
        "pde_residual_fd_net_final": records[-1]["pde_fd"],
        "ratio_early": early.tolist(),
        "ratio_final": late.tolist(),
        "phase1_step": int(steps[i1]),
        "final_step": int(steps[-1]),
    }


def _loss_margin(m: dict[str, Any]) -> float:
    # per seed: early ratio within 12% (|log10| <= 0.05) and final ratio >= 1.05 x early ratio; the
    # margin is the worst of the two relative margins over the seeds
    early, late = m["ratio_early"], m["ratio_final"]
    return all_of(
        [at_most(abs(math.log10(e)), 0.05) for e in early],
        [at_least(lt / e, 1.05) for e, lt in zip(early, late, strict=True)],
    )


LOSS_CLAIM = Claim(
    "AD loss falls faster than FD after the first phase",
    paper="at the beginning AD and FD train alike (large eigenvalues dominate); after several steps FD's "
    "training error decreases more slowly than AD's (Fig. 4(b), 5(d), 6(d))",
    reads=("ratio_early", "ratio_final", "phase1_step", "final_step", "lf_ad_final", "lf_fd_final"),
    criterion=lambda m, cfg: _loss_margin(m),
    describe=lambda m, cfg: (
        f"L_F,FD / L_F,AD (||r||/||f||) at step {m['phase1_step']}: "
        f"{[round(float(e), 3) for e in m['ratio_early']]}; at step {m['final_step']}: "
        f"{[round(float(v), 2) for v in m['ratio_final']]} (final L_F: AD {np.mean(m['lf_ad_final']):.2e}, "
        f"FD {np.mean(m['lf_fd_final']):.2e}; criterion per seed: early ratio within 12% (|log10| <= 0.05) "
        f"and final ratio >= 1.05 x early ratio; margin {_loss_margin(m):+.3f})"
    ),
)


def loss_checks(records: list[dict[str, Any]], cfg: Any) -> tuple[list[Check], dict[str, Any]]:
    """The loss claim (:data:`LOSS_CLAIM`, Fig. 4(b)) decided on ``records``: checks, measures."""
    measures = loss_measures(records, cfg)
    return evaluate_claims((LOSS_CLAIM,), measures, cfg), measures


def nn_claims(paper_h: tuple[float, float]) -> tuple[Claim, ...]:
    """The claim table of an ``adfd-nn-*`` experiment: the kernel claims (``paper_h``: the paper's
    ``H_G_AD``, ``H_G_FD``), then the loss claim."""
    return (*kernel_claims(paper_h), LOSS_CLAIM)
