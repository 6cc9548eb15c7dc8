"""Paper 001, two-layer networks: the training, measures and claims that ``adfd-nn-poisson1d``,
``adfd-nn-poisson2d`` and ``adfd-nn-biharmonic`` share (paper 001 Figs. 4, 5(c, d), 6(c, d), appendix B).

Each trains two-layer sin networks ``phi = sum_j a_j sin(w_j . x + b_j)`` (100 neurons) by full-batch
gradient descent (plain SGD on the full batch, appendix B.1) in float32 on the PINN loss with AD
derivatives (B.2.2, B.3.2, B.4.2) and, from the same initial parameters, with FD derivatives (B.2.3,
B.3.3, B.4.3). Every seed is one independent pair of runs; all seeds train side by side as one batched
computation. At a few points of training the eigenvalues of ``G_AD`` and ``G_FD`` (eq. 19, ``G = J J^T``
from the Jacobian of each network's own residual) are recorded with their cut-off numbers and truncated
entropy (Def. 1-2).

Set-up details the text leaves open and our choices: initialisation ``w, b ~ U[-1, 1]`` (as the RFM),
``a ~ U(+-1/sqrt(M))``; boundary points: the two end points in 1D, ``n`` midpoints per edge in 2D;
the boundary derivative ``phi_x`` is exact in both losses, as (B.4.3) writes it.

Learning rates and lengths: the paper sweeps the rate in [1e-4, 1e-3] without saying which it plots or
for how many steps. The AD/FD gap opens only once the loss is small -- float32 round-off in the FD
quotient (``~ eps_32 |phi| / h^k``) sets a floor under FD's loss -- which at 1e-3 takes far more steps
than a CPU run affords in 1D. Each experiment's presets name the rate they use and what they measure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import torch

from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, no_progress
from rankscope.experiments.checks import Check, all_of, at_least, at_most
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.linalg import cutoff_number, truncated_entropy
from rankscope.linalg.truncated_svd import shared_count
from rankscope.matrices.training_kernel import (
    init_two_layer,
    kernel_spectrum,
    pinn_loss,
    residual_jacobian,
    two_layer_residual,
)
from rankscope.problems.adfd import adfd_problem
from rankscope.store import RunDir

__all__ = [
    "LOSS_CLAIM",
    "NnConfig",
    "NnExperiment",
    "kernel_checks",
    "kernel_claims",
    "kernel_measures",
    "loss_checks",
    "loss_measures",
    "nn_claims",
]

METHODS = ("ad", "fd")


@dataclass(frozen=True)
class NnConfig(ExperimentConfig):
    """Configuration of the ``adfd-nn-*`` experiments (defaults: 1D Poisson, Fig. 4)."""

    width: int = 100
    points: int = 100  # per axis; h = |Omega| / points
    boundary_points: int = 64  # per face in 2D (1D uses the two end points)
    lr: float = 1e-3
    steps: int = 100000
    cutoff: float = 1e-5
    kernel_at: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0)  # fractions of training where G is recorded
    record_every: int = 100
    checkpoint_every: int = 5000
    phase1_steps: int = 4000  # end of the first phase, where AD and FD should still train alike
    top_rtol: float = 0.1
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)


def _init(cfg: NnConfig, dim: int) -> dict[str, torch.Tensor]:
    draws = [init_two_layer(cfg.width, dim, seed=s) for s in cfg.seeds]
    return {k: torch.stack([d[k] for d in draws]) for k in ("a", "w", "b")}


def _rel_residual(params: dict[str, torch.Tensor], spec: Any) -> list[float]:
    r = two_layer_residual(params, spec)
    rel: list[float] = (r.norm(dim=-1) / spec.forcing.norm()).tolist()
    return rel


def kernel_record(
    params: dict[str, torch.Tensor], spec: Any, cutoff: float
) -> tuple[dict[str, Any], np.ndarray]:
    """Eigenvalues of G (eq. 19) of every seed's network, with e_G and H_G at ``cutoff``."""
    eigs, hs, es = [], [], []
    for i in range(params["a"].shape[0]):
        one = {k: v[i].detach() for k, v in params.items()}
        spec_g = kernel_spectrum(residual_jacobian(one, spec))
        eigs.append(spec_g.values)
        hs.append(truncated_entropy(spec_g, cutoff))
        es.append(cutoff_number(spec_g, cutoff))
    return {"H": hs, "e": es}, np.stack(eigs)


class NnExperiment(Experiment[NnConfig]):
    """Shared run/summarise/figures of the three network experiments."""

    problem: ClassVar[str]
    paper_h: ClassVar[tuple[float, float]]
    figure: ClassVar[str]

    def run(self, cfg: NnConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        problem = adfd_problem(self.problem)
        specs = {m: problem.pinn_spec(cfg.points, m, dtype=torch.float32) for m in METHODS}
        if problem.dim > 1:
            bpts = torch.as_tensor(problem.boundary_points(cfg.boundary_points), dtype=torch.float32)
            specs = {m: replace(s, boundary_points=bpts) for m, s in specs.items()}
        kernel_steps = sorted({min(cfg.steps, round(f * cfg.steps)) for f in cfg.kernel_at})
        start = 0
        params = {m: _init(cfg, problem.dim) for m in METHODS}
        ckpt = run_dir.load_checkpoint()
        if ckpt is not None:
            start, state = ckpt
            params = {m: {k: state[m][k].clone() for k in ("a", "w", "b")} for m in METHODS}
            run_dir.truncate_metrics_after(start - 1)
        for m in METHODS:
            for p in params[m].values():
                p.requires_grad_(True)
        for step in range(start, cfg.steps + 1):
            if step > start and step % cfg.checkpoint_every == 0:
                run_dir.save_checkpoint(
                    {m: {k: v.detach() for k, v in params[m].items()} for m in METHODS}, step
                )
            losses = {m: pinn_loss(params[m], specs[m]) for m in METHODS}
            total = losses["ad"].sum() + losses["fd"].sum()
            if not bool(torch.isfinite(total)):
                raise RuntimeError(
                    f"training diverged at step {step} (loss {float(total)}) with lr = {cfg.lr}; "
                    "lower the learning rate (--set lr=...)"
                )
            if step % cfg.record_every == 0 or step == cfg.steps or step in kernel_steps:
                rec: dict[str, Any] = {"step": step}
                with torch.no_grad():
                    for m in METHODS:
                        rec[f"loss_{m}"] = losses[m].tolist()
                        rec[f"lf_{m}"] = _rel_residual(params[m], specs[m])
                    rec["pde_fd"] = _rel_residual(params["fd"], specs["ad"])  # exact residual of the FD net
                if step in kernel_steps:
                    for m in METHODS:
                        meas, eig = kernel_record(params[m], specs[m], cfg.cutoff)
                        rec[f"kernel_{m}"] = meas
                        run_dir.write_arrays(**{f"eig_{m}/step{step}": eig})
                run_dir.append_metrics(rec)
            if step == cfg.steps:
                break
            grads = torch.autograd.grad(total, [p for m in METHODS for p in params[m].values()])
            with torch.no_grad():
                for p, g in zip((p for m in METHODS for p in params[m].values()), grads, strict=True):
                    p -= cfg.lr * g
            progress("steps", step + 1, cfg.steps)
        return self.summarise(cfg, run_dir)

    def summarise(self, cfg: NnConfig, run_dir: RunDir) -> Result:
        """The measures of the kernel claims and of the loss claim (the arrays are written already)."""
        records = run_dir.read_metrics()
        measures = kernel_measures(records, run_dir.read_arrays(), self.paper_h)
        measures.update(loss_measures(records, cfg))
        return Result(measures)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        records = run_dir.read_metrics()
        arrays = run_dir.read_arrays()
        cutoff = float(run_dir.read_config()["config"]["cutoff"])
        kernel_steps = [r["step"] for r in records if "kernel_ad" in r]
        fig, axes = new_figure(1, 3, figsize=(15, 4))
        for step, alpha in zip(kernel_steps, np.linspace(0.35, 1.0, len(kernel_steps)), strict=True):
            for m, color in (("ad", "C0"), ("fd", "C1")):
                eig = arrays[f"eig_{m}/step{step}"][0]
                eig = eig[eig > 0]
                axes[0].semilogy(
                    np.arange(1, eig.size + 1),
                    eig / eig[0],
                    color=color,
                    alpha=alpha,
                    lw=1,
                    label=f"{m.upper()} step {step}",
                )
        axes[0].axhline(cutoff, color="red", ls="--", lw=0.8)
        axes[0].set(xlabel="index i", ylabel="lambda_i / lambda_1", title="(a) eigenvalues of G (seed 0)")
        axes[0].legend(fontsize="xx-small")
        steps = np.array([r["step"] for r in records])
        for m in METHODS:
            lf = np.array([r[f"lf_{m}"] for r in records])
            loss = np.array([r[f"loss_{m}"] for r in records])
            axes[1].semilogy(steps, lf.mean(1), label=m.upper())
            axes[2].semilogy(steps, loss.mean(1), label=m.upper())
        axes[1].set(
            xlabel="step", ylabel="||r|| / ||f||", title="(b) relative training error L_F (seed mean)"
        )
        axes[2].set(xlabel="step", ylabel="L_PINN", title="(c) PINN loss (seed mean)")
        for ax in axes[1:]:
            ax.legend(fontsize="small")
        run_dir.save_figure(fig, self.figure)


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


def _entropy_ours(m: dict[str, Any]) -> str:
    h_ad, h_fd, h0_ad, h0_fd = (
        m[k] for k in ("H_G_AD_final", "H_G_FD_final", "H_G_AD_initial", "H_G_FD_initial")
    )
    steps = m["kernel_steps"]
    return (
        f"step {steps[-1]}: H_AD = {np.mean(h_ad):.4f} +- {np.std(h_ad):.4f}, H_FD = {np.mean(h_fd):.4f} "
        f"+- {np.std(h_fd):.4f} (e_AD = {m['e_G_AD_final']}, e_FD = {m['e_G_FD_final']}); at "
        f"step {steps[0]}: {np.mean(h0_ad):.4f} vs {np.mean(h0_fd):.4f} "
        "(criterion: AD > FD for every seed)"
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
            describe=lambda m, cfg: _entropy_ours(m),
            title=lambda cfg: f"H_G_AD({cfg.cutoff:g}) > H_G_FD({cfg.cutoff:g}) at the end of training",
            quote=lambda cfg: (
                f"H_G_AD({cfg.cutoff:g}) = {paper_h[0]} > H_G_FD({cfg.cutoff:g}) = {paper_h[1]}"
            ),
        ),
    )


def kernel_checks(
    records: list[dict[str, Any]], arrays: dict[str, np.ndarray], cfg: NnConfig, paper_h: tuple[float, float]
) -> tuple[list[Check], dict[str, Any]]:
    """The kernel claims (:func:`kernel_claims`) decided on ``records`` and ``arrays``: checks, measures."""
    measures = kernel_measures(records, arrays, paper_h)
    return evaluate_claims(kernel_claims(paper_h), measures, cfg), measures


def loss_measures(records: list[dict[str, Any]], cfg: NnConfig) -> dict[str, Any]:
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


def loss_checks(records: list[dict[str, Any]], cfg: NnConfig) -> tuple[list[Check], dict[str, Any]]:
    """The loss claim (:data:`LOSS_CLAIM`, Fig. 4(b)) decided on ``records``: checks, measures."""
    measures = loss_measures(records, cfg)
    return evaluate_claims((LOSS_CLAIM,), measures, cfg), measures


def nn_claims(paper_h: tuple[float, float]) -> tuple[Claim, ...]:
    """The claim table of an ``adfd-nn-*`` experiment: the kernel claims (``paper_h``: the paper's
    ``H_G_AD``, ``H_G_FD``), then the loss claim."""
    return (*kernel_claims(paper_h), LOSS_CLAIM)
