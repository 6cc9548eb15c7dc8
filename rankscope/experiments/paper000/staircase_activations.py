"""``staircase-activations``: paper 000 Example 2.6 (iii), Fig. 4 — the staircase under every activation.

Repeat the last-layer staircase of ``staircase`` (``f(x) = cos x + cos 2x + cos 30x`` on ``[-1, 1]``,
eq. 2.5; eps-rank of the last hidden layer's Gram matrix, eq. 4.1, eps = 1e-6) for ReLU, ELU, cosine
and tanh with the same network otherwise; each activation's series is decided by the staircase
criterion of ``staircase`` (:func:`~rankscope.experiments.paper000._common.staircase_verdict`).

The paper gives neither the optimiser, the number of steps nor the network size of Fig. 4; we use
Fig. 3's L = 4, n = 50 and, as ``staircase``, full-batch Adam with learning rate 1e-3 on 1000
equispaced training points (quick: 6000 steps; paper: 30000). Everything is in ``ActivationsConfig``
and can be changed with ``--set``.

Expected wall time on 2 cores: quick and paper not timed yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import nn

from rankscope.experiments.base import Experiment, Progress, choice, no_progress
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper000._common import draw_stairs, levels, staircase_verdict
from rankscope.experiments.paper000._fitting import (
    FittingConfig,
    FittingSeries,
    fitting_presets,
    fitting_series,
    series_arrays,
    train_fitting,
)
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP
from rankscope.store import RunDir

__all__ = ["ActivationsConfig", "StaircaseActivationsExperiment", "activations_checks"]


@dataclass(frozen=True)
class ActivationsConfig(FittingConfig):
    """Configuration of ``staircase-activations`` (paper 000 Example 2.6 (iii), Fig. 4)."""

    activations: tuple[str, ...] = choice(("relu", "elu", "cos", "tanh"), ACTIVATIONS)
    depth: int = 4
    width: int = 50
    init: str = choice("xavier", INITIALISERS)


def activations_measures(data: dict[str, FittingSeries]) -> dict[str, Any]:
    """Per activation: the last layer's eps-rank at the start, end and maximum, the staircase's
    plateaus and verdict, and the loss."""
    verdicts = {act: staircase_verdict(s.last) for act, s in data.items()}
    return {
        act: {
            "initial_eps_rank": int(s.last[0]),
            "final_eps_rank": int(s.last[-1]),
            "max_eps_rank": int(s.last.max()),
            "plateau_levels": levels(verdicts[act][1]),
            "staircase": verdicts[act][0],
            "initial_loss": float(s.loss[0]),
            "final_loss": float(s.loss[-1]),
        }
        for act, s in data.items()
    }


def activations_checks(data: dict[str, FittingSeries]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the last-layer series of each activation: checks, measures."""
    measures = activations_measures(data)
    return evaluate_claims(StaircaseActivationsExperiment.claims, measures, None), measures


class StaircaseActivationsExperiment(Experiment[ActivationsConfig]):
    name = "staircase-activations"
    Config = ActivationsConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = fitting_presets(6000, 30000)

    claims = (
        Claim(
            "staircase under every activation",
            paper="the staircase phenomenon is present across all activation functions: ReLU, ELU, "
            "cosine, tanh (Fig. 4); its upward trend and peak value differ",
            reads=("plateau_levels", "staircase"),
            criterion=lambda m, cfg: all(d["staircase"] for d in m.values()),
            describe=lambda m, cfg: (
                "; ".join(f"{a}: plateaus {d['plateau_levels']}" for a, d in m.items())
                + " (staircase criterion of the `staircase` experiment on the last hidden layer, equal "
                "consecutive plateaus merged; holds if every activation shows it: "
                f"{sum(d['staircase'] for d in m.values())}/{len(m)})"
            ),
        ),
    )

    def run(self, cfg: ActivationsConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:

        def maker(act: str) -> Callable[[], nn.Module]:
            return lambda: MLP(1, cfg.width, cfg.depth, act=act, init=cfg.init, seed=cfg.seed)

        nets = [(act, maker(act)) for act in cfg.activations]
        train_fitting(nets, cfg, run_dir, progress, layers="last")
        data = fitting_series(run_dir.read_metrics())
        return Result(activations_measures(data), series_arrays(data))

    def figures(self, run_dir: RunDir) -> None:
        data = fitting_series(run_dir.read_metrics())
        panels = [(act, s, -1) for act, s in data.items()]
        title = "Staircase under different activations, last hidden layer (paper 000 Fig. 4)"
        draw_stairs(run_dir, panels, title, "staircase_activations")
