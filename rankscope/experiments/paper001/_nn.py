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

Which spectrum Def. 1-2 are taken of (``spectrum``): the paper applies them to "G" but also writes
(Sec. 3.2) that eigenvalues "smaller than a sqrt(lambda_1)" are negligible, "similar to the truncated
SVD in RFM", where Def. 1-2 act on the singular values of ``A``. ``"jacobian"`` (default) takes them of
the singular values ``sqrt(lambda_i(G))`` of ``J`` (the network's ``A``); ``"kernel"`` of the
eigenvalues ``lambda_i(G)``, i.e. a cut-off ``a`` on ``sqrt(lambda)`` becomes ``a^2``. In 1D the FD
kernel's float32 round-off floor sits at ``lambda / lambda_1 ~ 1e-9..1e-8``: below ``1e-5`` on the
eigenvalues (both methods keep the same e = 6 values and tie, H = 0.1827 each), above it on the
singular values (e_AD = 8, e_FD ~ 52: H_AD ~ 0.17 > H_FD ~ 0.026).

Seeds: network ``s`` of ``seeds`` starts from ``init_two_layer(..., seed=1000 * cfg.seed + s)``.
Training runs through :func:`rankscope.experiments._resume.train_jobs` (one job: the AD and FD
networks of every seed as one module, plain SGD on the sum of their losses, which decouples); the
kernels are recorded at the multiples of ``record_every`` nearest to ``kernel_at``.

Learning rates and lengths: the paper sweeps the rate in [1e-4, 1e-3] without saying which it plots or
for how many steps. The AD/FD gap opens only once the loss is small -- float32 round-off in the FD
quotient (``~ eps_32 |phi| / h^k``) sets a floor under FD's loss -- which at 1e-3 takes far more steps
than a CPU run affords in 1D. Each experiment's presets name the rate they use and what they measure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from rankscope.experiments._resume import TrainJob, train_jobs
from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.claims import Result
from rankscope.experiments.paper001._nn_claims import kernel_measures, loss_measures
from rankscope.linalg import Spectrum, cutoff_number, truncated_entropy
from rankscope.matrices.training_kernel import (
    init_two_layer,
    kernel_spectrum,
    pinn_loss,
    residual_jacobian,
    two_layer_residual,
)
from rankscope.problems.adfd import adfd_problem
from rankscope.store import RunDir
from rankscope.train import Stage

__all__ = ["METHODS", "AdFdPair", "NnConfig", "NnExperiment", "kernel_record", "kernel_steps"]

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
    #: Def. 1-2 of the singular values of J ("jacobian") or of the eigenvalues of G ("kernel")
    spectrum: str = choice("jacobian", ("jacobian", "kernel"))
    kernel_at: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0)  # fractions of training where G is recorded
    record_every: int = 100
    checkpoint_every: int = 5000
    phase1_steps: int = 4000  # end of the first phase, where AD and FD should still train alike
    top_rtol: float = 0.1
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)


class AdFdPair(nn.Module):
    """The AD and the FD networks of every seed: ``ad_a, ad_w, ad_b, fd_a, ...`` with a leading seed
    dimension; both start from the same draw ``init_two_layer(width, dim, seed=1000 * seed + s)``."""

    def __init__(self, width: int, dim: int, seeds: tuple[int, ...], seed: int = 0) -> None:
        super().__init__()
        draws = [init_two_layer(width, dim, seed=1000 * seed + s) for s in seeds]
        for m in METHODS:
            for k in ("a", "w", "b"):
                self.register_parameter(f"{m}_{k}", nn.Parameter(torch.stack([d[k] for d in draws])))

    def params(self, method: str) -> dict[str, torch.Tensor]:
        """``{"a", "w", "b"}`` of the ``method`` networks (batched over seeds)."""
        return {k: getattr(self, f"{method}_{k}") for k in ("a", "w", "b")}


def kernel_steps(cfg: NnConfig) -> list[int]:
    """The steps where G is recorded: the multiples of ``record_every`` nearest to ``kernel_at`` (the last
    step for fractions >= 1)."""
    every, n = cfg.record_every, cfg.steps
    return sorted({n if f >= 1 else min(n, every * round(f * n / every)) for f in cfg.kernel_at})


def _rel_residual(params: dict[str, torch.Tensor], spec: Any) -> list[float]:
    r = two_layer_residual(params, spec)
    rel: list[float] = (r.norm(dim=-1) / spec.forcing.norm()).tolist()
    return rel


def kernel_record(
    params: dict[str, torch.Tensor], spec: Any, cutoff: float, spectrum: str = "jacobian"
) -> tuple[dict[str, Any], np.ndarray]:
    """Eigenvalues of G (eq. 19) of every seed's network, with e_G and H_G at ``cutoff`` taken of the
    singular values of J (``spectrum="jacobian"``) or of the eigenvalues of G (``"kernel"``)."""
    eigs, hs, es = [], [], []
    for i in range(params["a"].shape[0]):
        one = {k: v[i].detach() for k, v in params.items()}
        spec_g = kernel_spectrum(residual_jacobian(one, spec))
        measured = spec_g
        if spectrum == "jacobian":
            sv = np.sqrt(np.maximum(spec_g.values, 0.0))
            measured = Spectrum(sv, kind="svd", dtype=spec_g.dtype, shape=spec_g.shape)
        eigs.append(spec_g.values)
        hs.append(truncated_entropy(measured, cutoff))
        es.append(cutoff_number(measured, cutoff))
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
            bpts = torch.tensor(np.array(problem.boundary_points(cfg.boundary_points)), dtype=torch.float32)
            specs = {m: replace(s, boundary_points=bpts) for m, s in specs.items()}
        at = set(kernel_steps(cfg))

        def loss(model: nn.Module) -> torch.Tensor:
            assert isinstance(model, AdFdPair)
            return sum((pinn_loss(model.params(m), specs[m]).sum() for m in METHODS), torch.zeros(()))

        def record(model: nn.Module, step: int) -> dict[str, Any]:
            assert isinstance(model, AdFdPair)
            rec: dict[str, Any] = {}
            with torch.no_grad():
                for m in METHODS:
                    rec[f"loss_{m}"] = pinn_loss(model.params(m), specs[m]).tolist()
                    rec[f"lf_{m}"] = _rel_residual(model.params(m), specs[m])
                rec["pde_fd"] = _rel_residual(model.params("fd"), specs["ad"])  # exact residual of FD's net
            total = sum(sum(rec[f"loss_{m}"]) for m in METHODS)
            if not np.isfinite(total):
                raise RuntimeError(
                    f"training diverged at step {step} (loss {total}) with lr = {cfg.lr}; "
                    "lower the learning rate (--set lr=...)"
                )
            if step in at:
                for m in METHODS:
                    meas, eig = kernel_record(model.params(m), specs[m], cfg.cutoff, cfg.spectrum)
                    rec[f"kernel_{m}"] = meas
                    run_dir.write_arrays(**{f"eig_{m}/step{step}": eig})
            return rec

        job = TrainJob(
            "ad+fd",
            lambda: AdFdPair(cfg.width, problem.dim, cfg.seeds, cfg.seed),
            loss,
            (Stage("sgd", cfg.steps, cfg.lr),),
            record_step=record,
        )
        train_jobs([job], run_dir, progress, every=cfg.record_every, checkpoint_every=cfg.checkpoint_every)
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
        conf = run_dir.read_config()["config"]
        cutoff = float(conf["cutoff"])
        if conf.get("spectrum", "jacobian") == "jacobian":  # a cut-off a on sqrt(lambda) is a^2 on lambda
            cutoff = cutoff**2
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
