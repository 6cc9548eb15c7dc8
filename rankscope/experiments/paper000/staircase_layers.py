"""``staircase-layers``: paper 000 Example 2.6 (ii), Fig. 3 — the staircase in every hidden layer.

Train a tanh MLP with L = 4, n = 50 on ``f(x) = cos x + cos 2x + cos 30x`` on ``[-1, 1]`` (eq. 2.5)
and record the eps-rank (Def. 2.5, eps = 1e-6) of the Gram matrix (eq. 4.1, Gauss–Legendre
quadrature) of *every* hidden layer from one forward pass per record (``Monitor(net, "all", ...)``);
each layer's series is decided by the staircase criterion of ``staircase``
(:func:`~rankscope.experiments.paper000._common.staircase_verdict`).

The paper gives neither the optimiser nor the number of steps; as the ``staircase`` experiment, we use
full-batch Adam with learning rate 1e-3 on 1000 equispaced training points, which shows the
staircase within a few thousand steps (quick: 6000 steps; paper: 30000). Everything is in
``LayersConfig`` and can be changed with ``--set``.

Expected wall time on 2 cores: quick and paper not timed yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
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
    net_label,
    net_title,
    series_arrays,
    train_fitting,
)
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP
from rankscope.store import RunDir

__all__ = ["LayersConfig", "StaircaseLayersExperiment", "layers_checks"]


@dataclass(frozen=True)
class LayersConfig(FittingConfig):
    """Configuration of ``staircase-layers`` (paper 000 Example 2.6 (ii), Fig. 3)."""

    depth: int = 4
    width: int = 50
    activation: str = choice("tanh", ACTIVATIONS)
    init: str = choice("xavier", INITIALISERS)


def layers_measures(data: dict[str, FittingSeries]) -> dict[str, Any]:
    """Per layer of the one network: eps-rank at the start, end and maximum, the staircase's
    plateaus and verdict; how often the eps-rank is non-decreasing with depth; the loss."""
    ((label, s),) = data.items()
    verdicts = [staircase_verdict(s.eps_rank[:, k]) for k in range(len(s.layers))]
    ordered = np.all(np.diff(s.eps_rank, axis=1) >= 0, axis=1)
    return {
        label: {
            "layers": list(s.layers),
            "initial_eps_rank": s.eps_rank[0].tolist(),
            "final_eps_rank": s.eps_rank[-1].tolist(),
            "max_eps_rank": s.eps_rank.max(axis=0).tolist(),
            "plateau_levels": [levels(st) for _, st in verdicts],
            "staircase": [v for v, _ in verdicts],
            "fraction_of_records_non_decreasing_with_depth": float(ordered.mean()),
            "initial_loss": float(s.loss[0]),
            "final_loss": float(s.loss[-1]),
        }
    }


def _one(m: dict[str, Any]) -> dict[str, Any]:
    """The measures of the one network of a single-network run."""
    ((_, d),) = m.items()
    one: dict[str, Any] = d
    return one


def _deeper_ranks_higher(d: dict[str, Any]) -> bool:
    ordered = d["fraction_of_records_non_decreasing_with_depth"]
    return bool(np.all(np.diff(d["final_eps_rank"]) > 0)) and ordered >= 0.95


def layers_checks(data: dict[str, FittingSeries]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the per-layer series of the one network: checks, measures."""
    measures = layers_measures(data)
    return evaluate_claims(StaircaseLayersExperiment.claims, measures, None), measures


class StaircaseLayersExperiment(Experiment[LayersConfig]):
    name = "staircase-layers"
    Config = LayersConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = fitting_presets(6000, 30000)

    claims = (
        Claim(
            "staircase in most hidden layers",
            paper="the staircase phenomenon is observed in most hidden layers (Fig. 3, L = 4, n = 50)",
            reads=("plateau_levels", "staircase", "layers"),
            criterion=lambda m, cfg: sum(_one(m)["staircase"]) > len(_one(m)["layers"]) / 2,
            describe=lambda m, cfg: (
                "; ".join(f"layer {k + 1}: plateaus {lv}" for k, lv in enumerate(_one(m)["plateau_levels"]))
                + " (staircase criterion of the `staircase` experiment per layer, equal consecutive "
                "plateaus merged; holds if more than half of the layers show it: "
                f"{sum(_one(m)['staircase'])}/{len(_one(m)['layers'])})"
            ),
        ),
        Claim(
            "deeper layers have higher eps-rank",
            paper="within the same network, the eps-rank of deeper neurons is consistently larger than "
            "that of shallow neurons (Fig. 3)",
            reads=("final_eps_rank", "max_eps_rank", "fraction_of_records_non_decreasing_with_depth"),
            criterion=lambda m, cfg: _deeper_ranks_higher(_one(m)),
            describe=lambda m, cfg: (
                f"final eps-rank by layer {_one(m)['final_eps_rank']}, maximum {_one(m)['max_eps_rank']}; "
                "non-decreasing with depth at "
                f"{100 * _one(m)['fraction_of_records_non_decreasing_with_depth']:.1f}% of the records "
                "(criterion: the final eps-rank strictly increases with depth and the eps-rank is "
                "non-decreasing with depth at >= 95% of the records)"
            ),
        ),
    )

    def run(self, cfg: LayersConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        label = net_label(cfg.depth, cfg.width)

        def make() -> nn.Module:
            return MLP(1, cfg.width, cfg.depth, act=cfg.activation, init=cfg.init, seed=cfg.seed)

        train_fitting([(label, make)], cfg, run_dir, progress, layers="all")
        data = fitting_series(run_dir.read_metrics())
        return Result(layers_measures(data), series_arrays(data))

    def figures(self, run_dir: RunDir) -> None:
        ((label, s),) = fitting_series(run_dir.read_metrics()).items()
        panels = [(f"hidden layer {k + 1} of {len(s.layers)}", s, k) for k in range(len(s.layers))]
        title = f"Staircase per hidden layer, {net_title(label)} (paper 000 Fig. 3)"
        draw_stairs(run_dir, panels, title, "staircase_layers")
