"""``ntk-spectrum`` — paper 002 Sec. 4.1, Fig. 3: the spectrum of the PINN neural tangent kernel of a
multiscale elliptic problem at ``scale = 1/80``.

The problem and the NTK K are those of the package docstring (``rankscope.experiments.paper002``).

All eigenvalues of K at ``scale = 1/80`` at initialisation (standard normal) and after training (Glorot +
Adam), one hidden layer. The spectrum of the Glorot initialisation before training is reported too: at
``lr = 1e-5`` the parameters barely move, and the single dominant eigenvalue of Fig. 3(b) is already
there at the Glorot draw (measured lambda_1/lambda_2 about 40 before and after 1000 steps), so Fig. 3's
contrast is between the two initialisations rather than an effect of training.

Since K has rank at most ``N_p`` (151 parameters for width 50) below its size 258, ``lambda_min`` is
zero up to round-off; we report ``lambda_max / |lambda_min|`` and also ``lambda_max / lambda_{N_p}``,
the ratio to the smallest eigenvalue that can be non-zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from rankscope.experiments._resume import TrainJob, train_jobs
from rankscope.experiments.base import Check, Experiment, ExperimentConfig, Progress, no_progress
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper002._common import glorot_mlp
from rankscope.matrices.ntk import residual_ntk
from rankscope.nets import normal_mlp
from rankscope.problems.multiscale import multiscale_bvp
from rankscope.store import RunDir
from rankscope.train import Stage

__all__ = [
    "SPECTRUM_CLAIMS",
    "NtkSpectrumConfig",
    "NtkSpectrumExperiment",
    "spectrum_checks",
    "spectrum_summary",
]


@dataclass(frozen=True)
class NtkSpectrumConfig(ExperimentConfig):
    """Configuration of ``ntk-spectrum`` (see the module docstring)."""

    scale_inverse: int = 80
    width: int = 50
    collocation_points: int = 256
    lam: float = 1.0
    train_steps: int = 1000
    lr: float = 1e-5
    large_fraction: float = 1e-2  # "large": eigenvalue >= large_fraction * lambda_max
    cluster_fraction: float = 1e-3  # "near zero": eigenvalue <= cluster_fraction * lambda_max
    handful: int = 10  # "a handful": at most this many large eigenvalues at initialisation
    dominant_ratio: float = 10.0  # "single dominant": lambda_1 >= dominant_ratio * lambda_2
    every: int = 50
    checkpoint_every: int = 1000


def spectrum_summary(eig: np.ndarray, n_params: int, cfg: NtkSpectrumConfig) -> dict[str, Any]:
    """Counts and ratios of a descending spectrum; "non-zero" means above ``n eps_mach lambda_max``
    (the usual numerical-rank threshold), ``n`` the matrix size."""
    lmax = float(eig[0])
    nonzero = eig[eig > eig.size * np.finfo(np.float64).eps * lmax]
    return {
        "lambda_max": lmax,
        "lambda_2": float(eig[1]),
        "lambda_min": float(eig[-1]),
        "n_params": int(n_params),
        "numerical_rank": int(nonzero.size),
        "n_large": int((eig >= cfg.large_fraction * lmax).sum()),
        "fraction_near_zero": float((eig <= cfg.cluster_fraction * lmax).mean()),
        "ratio_max_min": lmax / abs(float(eig[-1])) if eig[-1] != 0 else math.inf,
        "ratio_max_min_nonzero": lmax / float(nonzero[-1]),
        "ratio_1_2": lmax / float(eig[1]) if eig[1] > 0 else math.inf,
    }


def _dominant_ours(m: dict[str, Any], cfg: Any) -> str:
    trained, glorot = m["trained"], m.get("glorot")
    before = (
        ""
        if glorot is None
        else f"; at the Glorot initialisation before training already {glorot['ratio_1_2']:.3g}"
    )
    return (
        f"lambda_1/lambda_2 = {trained['ratio_1_2']:.3g}, {trained['n_large']} eigenvalue(s) >= "
        f"{cfg.large_fraction:g} lambda_max{before} (criterion: lambda_1/lambda_2 >= {cfg.dominant_ratio:g})"
    )


def _stiff_ours(m: dict[str, Any], cfg: Any) -> str:
    init, trained = m["init"], m["trained"]
    return (
        f"lambda_max/|lambda_min| = {init['ratio_max_min']:.3g} (init), {trained['ratio_max_min']:.3g} "
        f"(trained; lambda_min is round-off: K has numerical rank {init['numerical_rank']} / "
        f"{trained['numerical_rank']} of {init['n_params']} parameters); over the non-zero eigenvalues "
        f"{init['ratio_max_min_nonzero']:.3g} (init), {trained['ratio_max_min_nonzero']:.3g} (trained) "
        "(criterion: the latter >= 1e4 in both)"
    )


#: The claims of Fig. 3, read from :func:`spectrum_summary` at initialisation (``init``) and after
#: training (``trained``; ``glorot``, the Glorot initialisation before training, is quoted beside it).
SPECTRUM_CLAIMS = (
    Claim(
        "at initialisation: a handful of large eigenvalues, the rest near zero",
        paper="Fig. 3(a): a handful of large eigenvalues, the rest clustered around the origin",
        reads=("init",),
        criterion=lambda m, cfg: bool(
            2 <= m["init"]["n_large"] <= cfg.handful and m["init"]["fraction_near_zero"] >= 0.8
        ),
        describe=lambda m, cfg: (
            f"{m['init']['n_large']} eigenvalues >= {cfg.large_fraction:g} lambda_max, "
            f"{m['init']['fraction_near_zero']:.0%} <= {cfg.cluster_fraction:g} lambda_max "
            f"(criterion: 2..{cfg.handful} "
            "large and >= 80% near zero)"
        ),
    ),
    Claim(
        "after training: one dominant eigenvalue",
        paper="Fig. 3(b): a single large eigenvalue well separated from the cluster near the origin",
        reads=("trained", "glorot"),
        criterion=lambda m, cfg: bool(m["trained"]["ratio_1_2"] >= cfg.dominant_ratio),
        describe=_dominant_ours,
    ),
    Claim(
        "stiff: lambda_max / lambda_min is large",
        paper="in both cases lambda_max/lambda_min is quite large (no value given)",
        reads=("init", "trained"),
        criterion=lambda m, cfg: bool(
            m["init"]["ratio_max_min_nonzero"] >= 1e4 and m["trained"]["ratio_max_min_nonzero"] >= 1e4
        ),
        describe=_stiff_ours,
    ),
)


def spectrum_checks(
    cfg: NtkSpectrumConfig,
    init: dict[str, Any],
    trained: dict[str, Any],
    glorot: dict[str, Any] | None = None,
) -> list[Check]:
    """The claims of Fig. 3 (:data:`SPECTRUM_CLAIMS`) from :func:`spectrum_summary` at initialisation
    and after training (``glorot``: the Glorot initialisation before training, reported beside the
    trained network)."""
    measures = {"init": init, "trained": trained, **({} if glorot is None else {"glorot": glorot})}
    return evaluate_claims(SPECTRUM_CLAIMS, measures, cfg)


class NtkSpectrumExperiment(Experiment[NtkSpectrumConfig]):
    name = "ntk-spectrum"
    Config = NtkSpectrumConfig
    claims = SPECTRUM_CLAIMS

    def run(self, cfg: NtkSpectrumConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        problem = multiscale_bvp(1.0 / cfg.scale_inverse, lam=cfg.lam)
        xc, xb = problem.collocation(cfg.collocation_points), problem.boundary()
        job = TrainJob(
            "trained",
            partial(glorot_mlp, cfg.width, 1, cfg.seed),
            problem.loss_fn(xc, xb),
            (Stage("adam", cfg.train_steps, cfg.lr),),
        )
        trained = train_jobs([job], run_dir, progress, every=cfg.every, checkpoint_every=cfg.checkpoint_every)
        nets = {
            "init": normal_mlp(cfg.width, 1, cfg.seed),
            "trained": trained["trained"],
            "glorot": glorot_mlp(cfg.width, 1, cfg.seed),  # the trained network's starting point
        }
        eigs, summaries = {}, {}
        for phase, net in nets.items():
            ntk = residual_ntk(net, problem.operator, xc, xb, lam=cfg.lam)
            eigs[phase] = ntk.eigenvalues()
            n_params = sum(p.numel() for p in net.parameters())
            summaries[phase] = spectrum_summary(eigs[phase], n_params, cfg)
        return Result(summaries, {f"{k}/eigenvalues": v for k, v in eigs.items()})

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        a = run_dir.read_arrays()
        fig, axes = new_figure(1, 3, figsize=(15, 4.2))
        for ax, phase, title in (
            (axes[0], "init", "(a) at initialisation"),
            (axes[1], "trained", "(b) after training"),
        ):
            e = a[f"{phase}/eigenvalues"]
            ax.plot(e, np.zeros_like(e), "o", ms=4, alpha=0.6)
            ax.set(xlabel="eigenvalue of K (real)", title=title, yticks=[])
        for phase, c in (("init", "C0"), ("trained", "C1")):
            e = a[f"{phase}/eigenvalues"]
            axes[2].semilogy(
                np.arange(1, e.size + 1), np.clip(e / e[0], 1e-18, None), ".", ms=3, color=c, label=phase
            )
        axes[2].set(xlabel="index", ylabel="lambda_i / lambda_max", title="sorted spectra")
        axes[2].legend()
        fig.suptitle("NTK spectrum at scale = 1/80 (paper 002 Fig. 3)")
        run_dir.save_figure(fig, "ntk_spectrum")
