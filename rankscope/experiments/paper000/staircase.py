"""``staircase``: paper 000 Example 2.6 (i), Fig. 2 — the staircase phenomenon of the eps-rank.

Fit ``f(x) = cos x + cos 2x + cos 30x`` on ``[-1, 1]`` (eq. 2.5) by the mean square error with tanh
MLPs of (L, n) in {(2, 50), (2, 25), (4, 50), (4, 25)}; record the loss and the eps-rank
(Def. 2.5, eps = 1e-6) of the Gram matrix of the last hidden layer (eq. 4.1, Gauss–Legendre
quadrature) over training.

The paper does not give the optimiser or the number of steps of Example 2.6; we use full-batch Adam
with learning rate 1e-3 on an equispaced grid of training points, which shows the staircase within a
few thousand steps. Everything is in ``StaircaseConfig`` and can be changed with ``--set``.

Expected wall time on 2 cores (quick measured on a loaded machine; paper estimated, not
measured): quick (6000 steps, 4 nets) about 3-6 min, paper (30,000 steps) about 20-30 min.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from rankscope.experiments.base import Experiment, Progress, choice, no_progress
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper000._common import draw_stairs, loss_rates, rises_in_steps, stair_measures
from rankscope.experiments.paper000._fitting import (
    FittingConfig,
    fitting_presets,
    fitting_series,
    last_layer_series,
    net_label,
    net_title,
    train_fitting,
)
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP
from rankscope.store import RunDir

__all__ = ["StaircaseConfig", "StaircaseExperiment"]


@dataclass(frozen=True)
class StaircaseConfig(FittingConfig):
    """Configuration of the ``staircase`` experiment (see module docstring)."""

    nets: tuple[tuple[int, int], ...] = ((2, 50), (2, 25), (4, 50), (4, 25))  # (L, n)
    activation: str = choice("tanh", ACTIVATIONS)
    init: str = choice("xavier", INITIALISERS)
    keep_spectra: bool = True  # the staircase figure draws the spectra


class StaircaseExperiment(Experiment[StaircaseConfig]):
    name = "staircase"
    Config = StaircaseConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = fitting_presets(6000, 30000)

    def run(self, cfg: StaircaseConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        nets = [
            (
                net_label(depth, width),
                lambda d=depth, w=width, i=i: MLP(
                    1, w, d, act=cfg.activation, init=cfg.init, seed=cfg.seed + i
                ),
            )
            for i, (depth, width) in enumerate(cfg.nets)
        ]
        train_fitting(nets, cfg, run_dir, progress, layers="last")
        return self.summarise(cfg, run_dir)

    claims = (
        Claim(
            "eps-rank starts far below full",
            paper="after Xavier initialisation the tanh neuron functions are nearly linear: eps-rank "
            "about 2 (Sec. 2.2)",
            reads=("initial_eps_rank", "width"),
            criterion=lambda m, cfg: all(_starts_low(d) for d in m.values()),
            describe=lambda m, cfg: (
                "initial eps-rank "
                + ", ".join(f"{k}: {d['initial_eps_rank']}/{d['width']}" for k, d in m.items())
                + " (criterion: <= min(4, n/5) for every network)"
            ),
        ),
        Claim(
            "eps-rank rises in steps",
            paper="the eps-rank grows in a staircase-like pattern during training (Fig. 2)",
            reads=("plateau_levels", "rises_between_plateaus", "max_eps_rank", "monotone_fraction"),
            criterion=lambda m, cfg: all(rises_in_steps(d) for d in m.values()),
            describe=lambda m, cfg: (
                "; ".join(f"{k}: plateaus {d['plateau_levels']}" for k, d in m.items())
                + " (criterion per network: >= 2 rises between plateaus lasting >= 2% of training, "
                ">= 60% of consecutive plateaus going up, and a total rise >= 5; holds if every network "
                f"shows it: {sum(rises_in_steps(d) for d in m.values())}/{len(m)})"
            ),
        ),
        Claim(
            "loss falls fastest where the eps-rank grows",
            paper="the loss decreases rapidly along with a significant growth of the eps-rank; it "
            "stagnates while the eps-rank does not grow (Sec. 2.2)",
            reads=("rate_growing", "rate_flat", "spearman"),
            criterion=lambda m, cfg: all(_faster_when_growing(d) for d in m.values()),
            describe=lambda m, cfg: (
                "; ".join(
                    f"{k}: {d['rate_growing']:.2e} vs {d['rate_flat']:.2e} decades/step "
                    f"(Spearman {d['spearman']:.2f})"
                    for k, d in m.items()
                )
                + " (mean log10-loss decay rate over windows of 2.5% of the records where the eps-rank "
                "grows vs where it does not; holds if faster where it grows for every network)"
            ),
        ),
    )

    # -- analysis: everything below reads the run directory only ---------------------------------

    def summarise(self, cfg: StaircaseConfig, run_dir: RunDir) -> Result:
        data = last_layer_series(run_dir.read_metrics())
        arrays = {f"{label}/{key}": arr for label, d in data.items() for key, arr in d.items()}
        return Result(staircase_measures(cfg, data), arrays)

    def figures(self, run_dir: RunDir) -> None:
        panels = [(net_title(label), s, -1) for label, s in fitting_series(run_dir.read_metrics()).items()]
        title = "Staircase phenomenon (paper 000 Fig. 2): MSE loss and eps-rank"
        draw_stairs(run_dir, panels, title, "staircase")


def staircase_measures(cfg: StaircaseConfig, data: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    """Per network: width, eps-rank at the start, end and maximum, the staircase's plateaus and the
    loss decay rates where the eps-rank grows and where it is flat."""
    widths = {net_label(L, n): n for L, n in cfg.nets}
    return {
        label: {
            "width": widths[label],
            **stair_measures(d["eps_rank"]),
            "initial_loss": float(d["loss"][0]),
            "final_loss": float(d["loss"][-1]),
            **loss_rates(d["iter"], d["loss"], d["eps_rank"]),
        }
        for label, d in data.items()
    }


def _starts_low(d: dict[str, Any]) -> bool:
    return bool(d["initial_eps_rank"] <= min(4, d["width"] / 5))


def _faster_when_growing(d: dict[str, Any]) -> bool:
    g, f = d["rate_growing"], d["rate_flat"]
    return bool(np.isfinite(g) and np.isfinite(f) and g > f)


def staircase_checks(
    cfg: StaircaseConfig, data: dict[str, dict[str, np.ndarray]]
) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on series ``data`` (as ``last_layer_series`` returns): checks, measures."""
    measures = staircase_measures(cfg, data)
    return evaluate_claims(StaircaseExperiment.claims, measures, cfg), measures
