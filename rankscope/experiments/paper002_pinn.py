"""Paper 002 Sec. 2 and 4.2: the frequency principle of a PINN, and a two-scale function three ways.

``two-scale`` — Sec. 4.2, Fig. 4. ``u^eps`` of eq. (26) with ``eps = 1/32`` learned by a tanh MLP with
four hidden layers of 40 (Glorot-uniform initialisation, output bias): (1) regression on
``N = ceil(2 pi/(eps/2)) = 403`` equispaced points of ``[-pi, pi]``, (2) a PINN for the Poisson problem
(27), (3) a PINN for the Darcy problem (28) with appendix D's forcing, both with ``N_c = 1024``
equispaced interior collocation points and the loss of Sec. 4.2 (eq. (8) with ``lambda = 2``). Each is
trained ``trials`` times (seeds ``seed + t``) by Adam stages then L-BFGS; the trial-averaged network is
compared with ``u^eps`` at 1000 equispaced points of ``[-pi, pi]``.

``frequency-principle`` — Sec. 2, Fig. 1, appendix A. The PINN for eq. (4) (4 x 60 tanh, ``N_c = 512``,
``lambda = 80``); every ``every`` steps the DFT of the error ``u_true - u_NN`` on a periodic grid of
``dft_points`` points of ``[-pi, pi)`` is taken (``rankscope.analysis.frequency``) and the amplitudes at
the frequencies 1, 5, 15, 55 recorded; Fig. 1 shows their rolling average.

Not stated in the paper, chosen here: the L-BFGS stage length (paper: "a few thousand iterations, on
average", i.e. until convergence; here a fixed number of ``max_iter=1`` strong-Wolfe steps), the
collocation points exclude the end points, float32 training, and the quick presets' shortened
schedules (constant Adam rates, see ``presets``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from rankscope.analysis.frequency import error_amplitudes, periodic_grid, rolling_average
from rankscope.experiments._resume import TrainJob, train_jobs
from rankscope.experiments.base import (
    Check,
    Experiment,
    ExperimentConfig,
    Progress,
    choice,
    no_progress,
    register,
)
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.nets import ACTIVATIONS, MLP
from rankscope.problems.multiscale import (
    FREQUENCIES,
    frequency_bvp,
    frequency_solution,
    two_scale_darcy,
    two_scale_poisson,
    two_scale_solution,
)
from rankscope.store import RunDir
from rankscope.train import parse_stages

__all__ = [
    "FREQUENCY_CLAIMS",
    "TWO_SCALE_CLAIMS",
    "FrequencyConfig",
    "FrequencyPrinciple",
    "TwoScale",
    "TwoScaleConfig",
    "frequency_checks",
    "learning_order",
    "two_scale_checks",
]

METHODS = ("regression", "poisson", "darcy")
PAPER_MAX_ERROR = {"regression": 2.65e-3, "poisson": 7.20e-2, "darcy": 4.31e-1}


def _mlp(width: int, depth: int, activation: str, seed: int) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        return MLP(1, width, depth, act=activation, init="xavier", seed=seed, out_bias=True)

    return build


def _predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return model(x).reshape(-1).double().numpy()


# ==============================================================================================
# two-scale: regression vs Poisson PINN vs Darcy PINN (Sec. 4.2, Fig. 4)


@dataclass(frozen=True)
class TwoScaleConfig(ExperimentConfig):
    """Configuration of ``two-scale`` (see the module docstring)."""

    eps: float = 1 / 32
    width: int = 40
    depth: int = 4
    activation: str = choice("tanh", ACTIVATIONS)
    trials: int = 2
    regression_points: int = 403  # ceil(2 pi / (eps/2))
    collocation_points: int = 1024
    eval_points: int = 1000
    regression_stages: tuple[tuple[str, int, float], ...] = (
        ("adam", 2000, 1e-2),
        ("adam", 1000, 1e-3),
        ("lbfgs", 300, 1.0),
    )
    poisson_stages: tuple[tuple[str, int, float], ...] = (("adam", 500, 1e-3), ("lbfgs", 150, 1.0))
    darcy_stages: tuple[tuple[str, int, float], ...] = (("adam", 500, 1e-3), ("lbfgs", 150, 1.0))
    lam: float = 2.0  # eq. (8) with lambda = 2 is Sec. 4.2's 1/2 (u(-pi)^2 + u(pi)^2)
    darcy_fail_level: float = 0.1  # "fails": max error of the averaged network >= this (paper: 0.431)
    regression_level: float = 1e-2  # "small": max error <= this (paper: 2.65e-3)
    every: int = 25
    checkpoint_every: int = 500


#: The claims of Sec. 4.2, read from the max errors of the trial-averaged networks (keys ``METHODS``).
TWO_SCALE_CLAIMS = (
    Claim(
        "regression < Poisson PINN < Darcy PINN",
        paper="max error of the trial-averaged network at 1000 points: "
        + ", ".join(f"{m} {PAPER_MAX_ERROR[m]:.2e}" for m in METHODS),
        reads=("max_error_of_mean",),
        criterion=lambda m, cfg: bool(
            m["max_error_of_mean"]["regression"]
            < m["max_error_of_mean"]["poisson"]
            < m["max_error_of_mean"]["darcy"]
        ),
        describe=lambda m, cfg: (
            ", ".join(f"{k} {m['max_error_of_mean'][k]:.2e}" for k in METHODS)
            + f" over {cfg.trials} trials (criterion: strictly increasing in this order)"
        ),
    ),
    Claim(
        "regression is accurate",
        paper=f"max |u^eps - E u_R| ~ {PAPER_MAX_ERROR['regression']:.2e}",
        reads=("max_error_of_mean",),
        criterion=lambda m, cfg: bool(m["max_error_of_mean"]["regression"] <= cfg.regression_level),
        describe=lambda m, cfg: (
            f"{m['max_error_of_mean']['regression']:.2e} (criterion: <= {cfg.regression_level:g})"
        ),
    ),
    Claim(
        "Darcy PINN fails",
        paper=f"max |u^eps - E u_D| ~ {PAPER_MAX_ERROR['darcy']:.2e}, about 40% of max |u^eps|",
        reads=("max_error_of_mean",),
        criterion=lambda m, cfg: bool(m["max_error_of_mean"]["darcy"] >= cfg.darcy_fail_level),
        describe=lambda m, cfg: (
            f"{m['max_error_of_mean']['darcy']:.2e} (criterion: >= {cfg.darcy_fail_level:g})"
        ),
    ),
)


def two_scale_checks(cfg: TwoScaleConfig, errors: dict[str, float]) -> list[Check]:
    """The claims of Sec. 4.2 (:data:`TWO_SCALE_CLAIMS`) from the max errors of the trial-averaged
    networks (keys ``METHODS``)."""
    return evaluate_claims(TWO_SCALE_CLAIMS, {"max_error_of_mean": errors}, cfg)


@register
class TwoScale(Experiment):
    name = "two-scale"
    summary = (
        "Paper 002 Sec. 4.2 / Fig. 4: u^eps (eps = 1/32) is learned by regression and by a Poisson PINN "
        "but not by a Darcy PINN"
    )
    paper = "paper 002, Sec. 4.2, eq. (26)-(28), appendix D, Fig. 4"
    Config = TwoScaleConfig
    claims = TWO_SCALE_CLAIMS
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {
            "trials": 10,
            "regression_stages": (("adam", 20000, 1e-2), ("adam", 10000, 1e-3), ("lbfgs", 3600, 1.0)),
            "poisson_stages": (
                ("adam", 10000, 1e-4),
                ("adam", 10000, 1e-5),
                ("adam", 20000, 1e-6),
                ("adam", 20000, 1e-7),
                ("lbfgs", 3000, 1.0),
            ),
            "darcy_stages": (
                ("adam", 10000, 1e-3),
                ("adam", 10000, 1e-4),
                ("adam", 20000, 1e-5),
                ("adam", 20000, 1e-6),
                ("lbfgs", 3000, 1.0),
            ),
            "every": 100,
            "checkpoint_every": 2000,
        },
    }

    def jobs(self, cfg: TwoScaleConfig) -> list[TrainJob]:
        """The ``3 * trials`` training jobs, labelled ``method/trial``."""
        xr = torch.linspace(-math.pi, math.pi, cfg.regression_points)[:, None]
        yr = two_scale_solution(xr.double(), cfg.eps).float()
        poisson = two_scale_poisson(cfg.eps, lam=cfg.lam)
        darcy = two_scale_darcy(cfg.eps, lam=cfg.lam)
        xc = poisson.collocation(cfg.collocation_points)

        def mse(model: nn.Module) -> torch.Tensor:
            return ((model(xr) - yr) ** 2).mean()

        losses = {"regression": mse, "poisson": poisson.loss_fn(xc), "darcy": darcy.loss_fn(xc)}
        stages = {
            "regression": cfg.regression_stages,
            "poisson": cfg.poisson_stages,
            "darcy": cfg.darcy_stages,
        }
        return [
            TrainJob(
                f"{m}/{t}",
                _mlp(cfg.width, cfg.depth, cfg.activation, cfg.seed + t),
                losses[m],
                tuple(parse_stages(stages[m])),
            )
            for m in METHODS
            for t in range(cfg.trials)
        ]

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: TwoScaleConfig = config
        if not (isinstance(cfg.trials, int) and cfg.trials > 0):
            raise ValueError(f"trials must be a positive integer; got {cfg.trials!r}")
        models = train_jobs(
            self.jobs(cfg), run_dir, progress, every=cfg.every, checkpoint_every=cfg.checkpoint_every
        )
        x = torch.linspace(-math.pi, math.pi, cfg.eval_points, dtype=torch.float64)
        exact = two_scale_solution(x.numpy(), cfg.eps)
        arrays: dict[str, Any] = {"x": x.numpy(), "exact": exact}
        errors, variances = {}, {}
        for m in METHODS:
            preds = np.stack([_predict(models[f"{m}/{t}"], x[:, None].float()) for t in range(cfg.trials)])
            arrays[f"{m}/trials"] = preds
            arrays[f"{m}/mean"] = preds.mean(0)
            errors[m] = float(np.abs(exact - preds.mean(0)).max())
            variances[m] = float((exact[None] - preds).var(0).mean())
        measures = {
            "max_error_of_mean": errors,
            "paper_max_error": PAPER_MAX_ERROR,
            "mean_error_variance": variances,
            "paper_mean_error_variance": {"regression": 3e-7, "poisson": 1.12e-1, "darcy": 2.83e-1},
            "final_loss": {r["run"]: r["loss"] for r in run_dir.read_metrics()},
        }
        return Result(measures, arrays)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        arrays = run_dir.read_arrays()
        records = run_dir.read_metrics()
        fig, axes = new_figure(1, 3, figsize=(16, 4.2))
        x, exact = arrays["x"], arrays["exact"]
        axes[0].plot(x, exact, "k-", lw=2, label="u^eps (26)")
        names = {"regression": "E u_R", "poisson": "E u_P", "darcy": "E u_D"}
        for m, c in zip(METHODS, ("tab:blue", "tab:orange", "tab:red"), strict=True):
            if f"{m}/mean" not in arrays:
                continue
            axes[0].plot(x, arrays[f"{m}/mean"], color=c, lw=1, label=names[m])
            axes[1].semilogy(x, np.abs(exact - arrays[f"{m}/mean"]) + 1e-16, color=c, lw=0.8, label=names[m])
        for label in sorted({r["run"] for r in records}):
            rs = [r for r in records if r["run"] == label]
            c = {"regression": "tab:blue", "poisson": "tab:orange", "darcy": "tab:red"}[label.split("/")[0]]
            axes[2].semilogy([r["iter"] for r in rs], [r["loss"] for r in rs], color=c, lw=0.7)
        axes[0].set(xlabel="x", ylabel="u", title="(a) u^eps and trial-averaged networks")
        axes[1].set(xlabel="x", ylabel="|error|", title="(b) generalisation errors")
        axes[2].set(xlabel="step", ylabel="loss", title="training loss (each trial)")
        axes[0].legend()
        axes[1].legend()
        fig.suptitle("Two-scale function, eps = 1/32 (paper 002 Fig. 4)")
        run_dir.save_figure(fig, "two_scale")


# ==============================================================================================
# frequency-principle (Sec. 2, Fig. 1, appendix A)


@dataclass(frozen=True)
class FrequencyConfig(ExperimentConfig):
    """Configuration of ``frequency-principle`` (see the module docstring)."""

    width: int = 60
    depth: int = 4
    activation: str = choice("tanh", ACTIVATIONS)
    collocation_points: int = 512
    lam: float = 80.0
    # the start of appendix A's schedule (the paper preset runs all of it: 56,100 steps)
    stages: tuple[tuple[str, int, float], ...] = (
        ("adam", 100, 1e-2),
        ("adam", 1000, 1e-3),
        ("adam", 4900, 1e-4),
    )
    dft_points: int = 512
    every: int = 10
    window: int = 50  # rolling average over this many records (appendix A: 50 values)
    fall_fraction: float = 0.5  # "learned": rolling |e_k| <= fall_fraction * initial |e_k|
    checkpoint_every: int = 1000


def learning_order(
    iters: np.ndarray, amplitudes: np.ndarray, fraction: float, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """First iteration at which the rolling average of each frequency's error amplitude falls to
    ``fraction`` of its initial (unaveraged) value; ``inf`` where it never does.

    Args:
        iters: ``(T,)`` recorded iterations.
        amplitudes: ``(T, m)`` error amplitudes per frequency.
        fraction: in ``(0, 1)``.
        window: rolling-average length.

    Returns:
        ``(times (m,), smoothed (T, m))``.

    Example:
        >>> a = np.array([[1.0, 1.0], [0.1, 1.0], [0.1, 0.1]])
        >>> learning_order(np.array([0, 1, 2]), a, 0.5, 1)[0].tolist()
        [1.0, 2.0]
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1); got {fraction!r}")
    amp = np.asarray(amplitudes, dtype=np.float64)
    smooth = rolling_average(amp, window)
    times = np.full(amp.shape[1], np.inf)
    for k in range(amp.shape[1]):
        hit = np.flatnonzero(smooth[:, k] <= fraction * amp[0, k])
        if hit.size:
            times[k] = float(np.asarray(iters)[hit[0]])
    return times, smooth


def _learned_times(m: dict[str, Any]) -> np.ndarray:
    return np.array([m["learned_at_step"][str(k)] for k in FREQUENCIES], dtype=np.float64)


def _learned_in_order(m: dict[str, Any]) -> bool:
    times = _learned_times(m)
    finite = bool(np.all(np.isfinite(times)))
    return finite and bool(np.all(np.diff(times) >= 0) and times[-1] > times[0])


#: The claim of Fig. 1: the error at 1, 5, 15, 55 is learned in that order.
FREQUENCY_CLAIMS = (
    Claim(
        "low frequencies are learned first",
        paper="the low frequencies of the solution are learned more rapidly than the high ones (Fig. 1: "
        "|e_1|, |e_5|, |e_15|, |e_55| fall in this order)",
        reads=("learned_at_step", "final_max_error"),
        criterion=lambda m, cfg: _learned_in_order(m),
        describe=lambda m, cfg: (
            f"first step at which the rolling mean ({cfg.window} records) of |e_k| <= {cfg.fall_fraction:g} "
            "x its initial value: "
            + ", ".join(f"k={k}: {v:g}" for k, v in zip(FREQUENCIES, _learned_times(m), strict=True))
            + " (criterion: all finite, non-decreasing in k, t_55 > t_1); final "
            f"max-norm error {m['final_max_error']:.2e} (paper, after 56,100 steps: 1.26e-2)"
        ),
    ),
)


def _learned_at_step(times: np.ndarray) -> dict[str, float]:
    return {str(k): float(t) for k, t in zip(FREQUENCIES, times, strict=True)}


def frequency_checks(cfg: FrequencyConfig, times: np.ndarray, final_inf_error: float) -> list[Check]:
    """The claim of Fig. 1 (:data:`FREQUENCY_CLAIMS`): the error at 1, 5, 15, 55 is learned in that order."""
    measures = {"learned_at_step": _learned_at_step(times), "final_max_error": final_inf_error}
    return evaluate_claims(FREQUENCY_CLAIMS, measures, cfg)


@register
class FrequencyPrinciple(Experiment):
    name = "frequency-principle"
    summary = (
        "Paper 002 Sec. 2 / Fig. 1: a PINN for -u'' = sin x + sin 5x + sin 15x + sin 55x learns low "
        "frequencies first"
    )
    paper = "paper 002, Sec. 2, eq. (4)-(6), appendix A, Fig. 1"
    Config = FrequencyConfig
    claims = FREQUENCY_CLAIMS
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {
            "stages": (
                ("adam", 100, 1e-2),
                ("adam", 1000, 1e-3),
                ("adam", 15000, 1e-4),
                ("adam", 30000, 1e-5),
                ("adam", 10000, 1e-6),
            ),
            "every": 1,
            "checkpoint_every": 5000,
        },
    }

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: FrequencyConfig = config
        problem = frequency_bvp(lam=cfg.lam)
        xc = problem.collocation(cfg.collocation_points)
        grid = periodic_grid(-math.pi, math.pi, cfg.dft_points)
        u_true = frequency_solution(grid)
        xg = torch.as_tensor(grid, dtype=torch.float32)[:, None]

        def record(model: nn.Module) -> dict[str, Any]:
            amp = error_amplitudes(u_true, _predict(model, xg), FREQUENCIES)
            return {"amplitude": [float(a) for a in amp]}

        job = TrainJob(
            "pinn",
            _mlp(cfg.width, cfg.depth, cfg.activation, cfg.seed),
            problem.loss_fn(xc),
            tuple(parse_stages(cfg.stages)),
            record,
        )
        models = train_jobs([job], run_dir, progress, every=cfg.every, checkpoint_every=cfg.checkpoint_every)
        records = run_dir.read_metrics()
        iters = np.array([r["iter"] for r in records], dtype=np.float64)
        amp = np.array([r["amplitude"] for r in records], dtype=np.float64)
        times, smooth = learning_order(iters, amp, cfg.fall_fraction, cfg.window)
        x = torch.linspace(-math.pi, math.pi, 1000, dtype=torch.float64)
        pred = _predict(models["pinn"], x[:, None].float())
        inf_err = float(np.abs(frequency_solution(x.numpy()) - pred).max())
        measures = {
            "learned_at_step": _learned_at_step(times),
            "initial_amplitude": {str(k): float(a) for k, a in zip(FREQUENCIES, amp[0], strict=True)},
            "final_amplitude": {str(k): float(a) for k, a in zip(FREQUENCIES, amp[-1], strict=True)},
            "final_max_error": inf_err,
            "paper_final_max_error": 1.26e-2,
            "final_loss": float(records[-1]["loss"]),
        }
        arrays = dict(iter=iters, amplitude=amp, smoothed=smooth, x=x.numpy(), prediction=pred, times=times)
        return Result(measures, arrays)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        a = run_dir.read_arrays()
        records = run_dir.read_metrics()
        fig, axes = new_figure(1, 2, figsize=(12, 4.2))
        for k, (freq, c) in enumerate(zip(FREQUENCIES, ("C0", "C1", "C2", "C3"), strict=True)):
            axes[0].semilogy(a["iter"], a["smoothed"][:, k], color=c, label=f"|e_{freq}|")
            axes[0].axvline(a["times"][k], color=c, ls=":", lw=0.8) if np.isfinite(a["times"][k]) else None
        axes[0].set(
            xlabel="step", ylabel="|DFT of u_true - u_NN| (rolling mean)", title="(a) error by frequency"
        )
        axes[0].legend()
        axes[1].semilogy([r["iter"] for r in records], [r["loss"] for r in records], lw=0.8)
        axes[1].set(xlabel="step", ylabel="loss (5)", title="(b) PINN loss")
        fig.suptitle("Frequency principle for -u'' = sin x + sin 5x + sin 15x + sin 55x (paper 002 Fig. 1)")
        run_dir.save_figure(fig, "frequency_principle")
