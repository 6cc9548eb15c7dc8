"""``pinn-poisson-udi``: paper 000 Example 4.2, Fig. 7 — a PINN for Poisson's equation, Xavier vs UDI.

The PINN for ``-Delta u = 8 sin 2x sin 2y`` on ``[-pi/2, pi/2]^2`` with ``u = 0`` on the boundary (exact
``u = sin 2x sin 2y``) minimises the loss (4.4) ``||Delta u + f||^2_{L2(Omega)} +
||u||^2_{L2(dOmega)}``, both norms by Gauss–Legendre quadrature (interior tensor rule, boundary face
rules of ``rankscope.sampling.boundary``) and the Laplacian by automatic differentiation
(``rankscope.operators.laplacian``). The same tanh MLP starts from Xavier initialisation or with its
first layer re-initialised by uniform-density initialisation (UDI, eq. 4.5, ``rankscope.nets.udi``); the
other layers are the same Xavier draw. We record the loss, the eps-rank (eps = 1e-6) of the last hidden
layer's Gram matrix on a 2-D tensor Gauss–Legendre rule, and the relative L2 error against the exact
solution.

Not stated in the paper, chosen here (all in ``PinnPoissonConfig``): the network (2 hidden layers of
50, paper preset 100), full-batch Adam with learning rate 1e-3 for 1500 steps (paper preset 10000),
20 (30) Gauss–Legendre nodes per axis for the interior and per face for the boundary norm, the UDI
scale ``gamma = 2`` and offsets ``r ~ U[0, R]`` with ``R`` the circumradius of the square.

Expected wall time on 2 cores: quick ~1 min (measured: 59 s mean over seeds 0-4); paper ~7.5 min a seed
(measured, seeds 0-2, one job beside another: 22 min 45 s for the three).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.checks import Check, at_most
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper000._common import rises_in_steps
from rankscope.experiments.paper000._fitting import last_layer_series
from rankscope.experiments.paper000._pinn_measures import pinn_measures, steps_to_reach
from rankscope.nets import ACTIVATIONS, MLP
from rankscope.nets.udi import uniform_density
from rankscope.problems.poisson import poisson_example_4_2
from rankscope.sampling import boundary, gauss_legendre
from rankscope.store import RunDir
from rankscope.train import Monitor, Trainer, parse_stages

__all__ = ["PinnPoissonConfig", "PinnPoissonUDIExperiment", "pinn_checks", "steps_to_reach"]


@dataclass(frozen=True)
class PinnPoissonConfig(ExperimentConfig):
    """Configuration of ``pinn-poisson-udi`` (see the module docstring for what we chose)."""

    width: int = 50
    depth: int = 2
    activation: str = choice("tanh", ACTIVATIONS)
    inits: tuple[str, ...] = choice(("xavier", "udi"), ("xavier", "udi"))
    udi_gamma: float = 2.0
    udi_radius_fraction: float = 1.0  # r_j ~ U[0, fraction * R], R the circumradius
    stages: tuple[tuple[str, int, float], ...] = (("adam", 1500, 1e-3),)
    interior_points: int = 20  # Gauss–Legendre nodes per axis for ||Delta u + f||^2
    boundary_points: int = 20  # Gauss–Legendre nodes per face for ||u||^2 on the boundary
    quadrature_points: int = 40  # per axis, Gram matrix of the Monitor
    error_points: int = 60  # per axis, relative L2 error
    eps: float = 1e-6
    every: int = 10
    checkpoint_every: int = 500
    loss_level: float = 1e-2  # speed criterion: steps until loss <= loss_level * ||f||^2
    early_fraction: float = 0.1  # "early" eps-rank: mean over the first 10% of training


def _relative_error(model: nn.Module, x: torch.Tensor, w: torch.Tensor, u: torch.Tensor) -> float:
    """``||u_theta - u|| / ||u||`` in L2 by quadrature, evaluated in float64 without touching ``model``."""
    params = {k: v.detach().double() for k, v in model.named_parameters()}
    with torch.no_grad():
        pred = torch.func.functional_call(model, params, (x,)).reshape(-1)
    return float(torch.sqrt((w * (pred - u) ** 2).sum() / (w * u**2).sum()))


def _both_inits(cfg: PinnPoissonConfig) -> bool:
    return "udi" in cfg.inits and "xavier" in cfg.inits


class PinnPoissonUDIExperiment(Experiment[PinnPoissonConfig]):
    name = "pinn-poisson-udi"
    Config = PinnPoissonConfig

    claims = (
        Claim(
            "UDI starts at a higher eps-rank",
            paper="uniform-density initialisation gives the neuron functions a high eps-rank from the "
            "start, Xavier a low one (Fig. 7, left)",
            reads=("initial_eps_rank", "early_mean_eps_rank"),
            criterion=lambda m, cfg: (
                m["udi"]["initial_eps_rank"] > m["xavier"]["initial_eps_rank"]
                and m["udi"]["early_mean_eps_rank"] > m["xavier"]["early_mean_eps_rank"]
            ),
            describe=lambda m, cfg: (
                f"eps-rank at step 0: UDI {m['udi']['initial_eps_rank']} vs Xavier "
                f"{m['xavier']['initial_eps_rank']}; mean over the first {cfg.early_fraction:.0%} of "
                f"training: UDI {m['udi']['early_mean_eps_rank']:.1f} vs Xavier "
                f"{m['xavier']['early_mean_eps_rank']:.1f} of {cfg.width} (criterion: UDI higher on both)"
            ),
            when=_both_inits,
        ),
        Claim(
            "UDI decreases the loss faster",
            paper="an initialisation with a high eps-rank significantly accelerates training (Fig. 7, right)",
            reads=("steps_to_level", "loss_level", "loss_at_10pct", "loss_at_50pct", "final_loss"),
            criterion=lambda m, cfg: _speed_margin(m),
            describe=lambda m, cfg: _describe_speed(m, cfg),
            when=_both_inits,
        ),
        Claim(
            "UDI ends with a lower error",
            paper="the paper reports no errors; accelerated training implies a more accurate solution "
            "after the same number of steps",
            reads=("final_rel_l2_error",),
            criterion=lambda m, cfg: at_most(
                m["udi"]["final_rel_l2_error"], m["xavier"]["final_rel_l2_error"]
            ),
            describe=lambda m, cfg: (
                f"relative L2 error vs sin 2x sin 2y after {sum(int(s[1]) for s in cfg.stages)} steps: "
                f"UDI {m['udi']['final_rel_l2_error']:.3e}, Xavier {m['xavier']['final_rel_l2_error']:.3e} "
                "(criterion: UDI lower; fragile within 5%)"
            ),
            when=_both_inits,
        ),
        Claim(
            "staircase under Xavier",
            paper="solving PDEs with neural networks also exhibits the staircase phenomenon (Fig. 7)",
            reads=("plateau_levels", "rises_between_plateaus", "max_eps_rank", "initial_eps_rank"),
            criterion=lambda m, cfg: rises_in_steps(m["xavier"], monotone=False),
            describe=lambda m, cfg: (
                f"Xavier eps-rank plateaus {m['xavier']['plateau_levels']} (criterion: >= 2 rises between "
                "plateaus lasting >= 2% of the records and a total rise >= 5)"
            ),
            when=_both_inits,
        ),
    )

    def run(self, cfg: PinnPoissonConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        for init in cfg.inits:
            if init not in ("xavier", "udi"):
                raise ValueError(f"inits entries must be 'xavier' or 'udi'; got {init!r}")
        problem = poisson_example_4_2()
        xi, wi = gauss_legendre(problem.domain, cfg.interior_points).to_torch(torch.float32)
        xb, wb = boundary(problem.domain, cfg.boundary_points).to_torch(torch.float32)
        interior = (xi, wi, problem.source(xi))
        bdry = (xb, wb)
        gram_quad = gauss_legendre(problem.domain, cfg.quadrature_points)
        xe, we = gauss_legendre(problem.domain, cfg.error_points).to_torch(torch.float64)
        ue = problem.exact(xe)
        stages = parse_stages(cfg.stages)
        total = sum(s.steps for s in stages)

        def job(init: str) -> Job:
            def build(sink: RecordSink) -> Trainer:
                torch.manual_seed(cfg.seed)
                net = MLP(2, cfg.width, cfg.depth, act=cfg.activation, init="xavier", seed=cfg.seed)
                if init == "udi":
                    radius = cfg.udi_radius_fraction * (0.5 * float(np.linalg.norm(problem.domain.widths)))
                    uniform_density(
                        net, problem.domain, seed=cfg.seed, gamma=cfg.udi_gamma, radius_range=(0.0, radius)
                    )

                def with_error(rec: dict[str, Any]) -> None:
                    sink({**rec, "rel_l2_error": _relative_error(net, xe, we, ue)})

                monitor = Monitor(net, "last", gram_quad, every=cfg.every, eps=cfg.eps, sink=with_error)

                class _Record:
                    """Record every ``every`` steps and always the final step."""

                    def on_step(self, step: int, loss: float) -> None:
                        monitor.record(step, loss=loss, force=step == total)

                return Trainer(net, lambda m: problem.loss(m, interior, bdry), stages, [_Record()])

            return Job(init, build)

        jobs = [job(init) for init in cfg.inits]
        train_in_turn(jobs, run_dir, total, progress, checkpoint_every=cfg.checkpoint_every, label_key="run")
        f_norm2 = float((wi.double() * interior[2].double() ** 2).sum())
        return self.summarise(cfg, run_dir, f_norm2)

    def summarise(self, cfg: PinnPoissonConfig, run_dir: RunDir, f_norm2: float) -> Result:
        data = last_layer_series(run_dir.read_metrics(), "run", {"error": "rel_l2_error"})
        series = {f"{label}/{key}": arr for label, d in data.items() for key, arr in d.items()}
        arrays: dict[str, Any] = {"f_norm2": np.float64(f_norm2), **series}
        return Result(pinn_measures(cfg, data, f_norm2), arrays)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        data = last_layer_series(run_dir.read_metrics(), "run", {"error": "rel_l2_error"})
        colours = {"udi": "tab:blue", "xavier": "tab:red"}
        names = {"udi": "UDI", "xavier": "Xavier"}
        fig, axes = new_figure(1, 3, figsize=(15, 4))
        for label, d in data.items():
            c, n = colours.get(label, None), names.get(label, label)
            axes[0].plot(d["iter"], d["eps_rank"], ".", ms=3, color=c, label=n)
            axes[1].semilogy(d["iter"], d["loss"], color=c, label=n)
            axes[2].semilogy(d["iter"], d["error"], color=c, label=n)
        axes[0].set(xlabel="step", ylabel="eps-rank (last hidden layer)", title="eps-rank")
        axes[1].set(xlabel="step", ylabel="loss (4.4)", title="loss")
        axes[2].set(xlabel="step", ylabel="relative L2 error", title="error vs exact solution")
        for ax in axes:
            ax.legend()
        fig.suptitle("PINN for Poisson's equation (paper 000 Fig. 7): Xavier vs uniform-density init")
        run_dir.save_figure(fig, "pinn_poisson_udi")


def _speed_margin(m: dict[str, Any]) -> float:
    """How far UDI's step count to the loss level is below half of Xavier's, relative to that half
    (recorded every few steps, so a margin below 0.1 is within the recording resolution: fragile)."""
    t_u, t_x = m["udi"]["steps_to_level"], m["xavier"]["steps_to_level"]
    if not math.isfinite(t_u):
        return -math.inf
    if not math.isfinite(t_x):
        return math.inf
    return at_most(t_u, t_x / 2)


def _describe_speed(m: dict[str, Any], cfg: PinnPoissonConfig) -> str:
    u, x = m["udi"], m["xavier"]
    return (
        f"steps until loss <= {cfg.loss_level:g} x ||f||^2 = {m['loss_level']:.3g}: UDI "
        f"{u['steps_to_level']:g} vs Xavier {x['steps_to_level']:g}; "
        f"loss at 10%/50%/100% of training: UDI {u['loss_at_10pct']:.2e}/{u['loss_at_50pct']:.2e}/"
        f"{u['final_loss']:.2e}, Xavier {x['loss_at_10pct']:.2e}/{x['loss_at_50pct']:.2e}/"
        f"{x['final_loss']:.2e} (criterion: UDI reaches the level in at most half of Xavier's steps; "
        f"margin {_speed_margin(m):+.2f}, fragile within 0.05)"
    )


def pinn_checks(
    cfg: PinnPoissonConfig, data: dict[str, dict[str, np.ndarray]], f_norm2: float
) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the recorded series of both runs: checks, measures."""
    measures = pinn_measures(cfg, data, f_norm2)
    if "udi" not in measures or "xavier" not in measures:
        return [], measures
    return evaluate_claims(PinnPoissonUDIExperiment.claims, measures, cfg), measures
