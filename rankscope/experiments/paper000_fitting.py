"""Paper 000 Sec. 2.2, Example 2.6 (ii)-(iii): the staircase in every layer and under every activation.

``staircase-layers`` (Fig. 3) trains a tanh MLP with L = 4, n = 50 on ``f(x) = cos x + cos 2x +
cos 30x`` on ``[-1, 1]`` (eq. 2.5) and records the eps-rank (Def. 2.5, eps = 1e-6) of the Gram matrix
(eq. 4.1, Gauss–Legendre quadrature) of *every* hidden layer from one forward pass per record
(``Monitor(net, "all", ...)``). ``staircase-activations`` (Fig. 4) repeats the last-layer
staircase for ReLU, ELU, cosine and tanh with the same network otherwise.

What the four function-fitting experiments of paper 000 share (this one and
``rankscope.experiments.paper000_methods``) lives in ``rankscope.experiments._fitting`` (re-exported
here): :func:`train_fitting` trains a list of labelled networks on the fitting problem one after the
other with a ``Monitor``, writing metrics records with a global ``step``, the network's own ``iter``
and its ``net`` label, with checkpoints and resume; :func:`fitting_series` reads them back. This
module holds :func:`staircase_verdict`, the staircase criterion.

The paper gives neither the optimiser nor the number of steps; as the ``staircase`` experiment, we use
full-batch Adam with learning rate 1e-3 on 1000 equispaced training points, which shows the
staircase within a few thousand steps (quick: 6000 steps; paper: 30000). The network size of Fig. 4 is
not stated; we use Fig. 3's L = 4, n = 50. Everything is in the configs and can be changed with
``--set``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from torch import nn

from rankscope.analysis import StaircaseStats, staircase_stats
from rankscope.experiments._fitting import (
    FittingSeries,
    FittingSettings,
    fitting_series,
    net_title,
    series_arrays,
    train_fitting,
)
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
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP
from rankscope.store import RunDir

__all__ = [
    "ActivationsConfig",
    "FittingSeries",
    "FittingSettings",
    "LayersConfig",
    "StaircaseActivationsExperiment",
    "StaircaseLayersExperiment",
    "activations_checks",
    "fitting_series",
    "layers_checks",
    "net_title",
    "series_arrays",
    "staircase_verdict",
    "train_fitting",
]

#: the staircase criterion of the ``staircase`` experiment: plateaus last >= 2% of the records ...
MIN_PLATEAU_FRACTION = 1 / 50
#: ... there are >= 2 rises between plateaus, >= 60% of consecutive plateaus go up ...
MIN_RISES, MIN_MONOTONE = 2, 0.6
#: ... and the eps-rank rises by >= 5 in all.
MIN_TOTAL_RISE = 5


def staircase_verdict(ranks: Sequence[float] | np.ndarray) -> tuple[bool, StaircaseStats]:
    """Whether an eps-rank series is a staircase, by the criterion of the ``staircase`` experiment.

    Plateaus are maximal constant runs lasting at least 2% of the records (and >= 3 records), found
    by ``rankscope.analysis.staircase_stats``; consecutive plateaus at the same level (one stair
    interrupted by a brief excursion of the eps-rank) are merged into one. The series is a
    staircase if it has >= 2 rises between consecutive plateaus, >= 60% of consecutive plateau
    pairs go up, and its maximum is >= 5 above its initial value (paper 000 Sec. 2.2: "the
    evolution of the eps-rank over time resembles a staircase-like pattern"). The returned stats
    hold the merged ``levels`` and the ``monotone_fraction`` over them.

    Example:
        >>> staircase_verdict([2] * 10 + [6] * 10 + [9] * 10)[0]
        True
        >>> staircase_verdict([2] * 10 + [9] * 10 + [8] + [9] * 10)[1].levels
        (2.0, 9.0)
    """
    arr = np.asarray(ranks, dtype=np.float64)
    st = staircase_stats(arr, max(3, int(len(arr) * MIN_PLATEAU_FRACTION)))
    levels = tuple(v for i, v in enumerate(st.levels) if i == 0 or v != st.levels[i - 1])
    ups = sum(1 for a, b in itertools.pairwise(levels) if b > a)
    st = dataclasses.replace(
        st, levels=levels, steps=ups, monotone_fraction=ups / (len(levels) - 1) if len(levels) > 1 else 0.0
    )
    holds = (
        st.steps >= MIN_RISES
        and st.maximum >= st.initial + MIN_TOTAL_RISE
        and st.monotone_fraction >= MIN_MONOTONE
    )
    return bool(holds), st


def _levels(st: StaircaseStats) -> list[int]:
    return [int(v) for v in st.levels]


def _draw_stairs(
    run_dir: RunDir, panels: list[tuple[str, FittingSeries, int]], title: str, name: str
) -> None:
    """One ``plot_loss_and_rank`` panel per ``(title, series, layer column)``."""
    from rankscope.report import new_figure, plot_loss_and_rank

    cols = 2 if len(panels) > 1 else 1
    rows = (len(panels) + cols - 1) // cols
    fig, axes = new_figure(rows, cols, figsize=(5.5 * cols, 3.8 * rows), squeeze=False)
    for ax, (panel_title, s, col) in zip(axes.flat, panels, strict=False):
        plot_loss_and_rank(ax, s.iter, s.loss, s.eps_rank[:, col])
        ax.set_title(panel_title)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    run_dir.save_figure(fig, name)


# ----------------------------------------------------------------------------- staircase-layers


@dataclass(frozen=True)
class LayersConfig(ExperimentConfig):
    """Configuration of ``staircase-layers`` (paper 000 Example 2.6 (ii), Fig. 3)."""

    depth: int = 4
    width: int = 50
    activation: str = choice("tanh", ACTIVATIONS)
    init: str = choice("xavier", INITIALISERS)
    stages: tuple[tuple[str, int, float], ...] = (("adam", 6000, 1e-3),)
    train_points: int = 1000
    quadrature_points: int = 1000
    eps: float = 1e-6
    every: int = 20
    checkpoint_every: int = 1000
    keep_spectra: bool = False


def layers_measures(data: dict[str, FittingSeries]) -> dict[str, Any]:
    """Per layer of the one network: eps-rank at the start, end and maximum, the staircase's
    plateaus and verdict; how often the eps-rank is non-decreasing with depth; the loss."""
    ((label, s),) = data.items()
    nl = len(s.layers)
    verdicts = [staircase_verdict(s.eps_rank[:, k]) for k in range(nl)]
    stair = [v for v, _ in verdicts]
    final, peak = s.eps_rank[-1], s.eps_rank.max(axis=0)
    ordered = np.all(np.diff(s.eps_rank, axis=1) >= 0, axis=1)
    ordered_fraction = float(ordered.mean())
    return {
        label: {
            "layers": list(s.layers),
            "initial_eps_rank": s.eps_rank[0].tolist(),
            "final_eps_rank": final.tolist(),
            "max_eps_rank": peak.tolist(),
            "plateau_levels": [_levels(st) for _, st in verdicts],
            "staircase": stair,
            "fraction_of_records_non_decreasing_with_depth": ordered_fraction,
            "initial_loss": float(s.loss[0]),
            "final_loss": float(s.loss[-1]),
        }
    }


def _one(m: dict[str, Any]) -> dict[str, Any]:
    """The measures of the one network of a single-network run."""
    ((_, d),) = m.items()
    return d


def _deeper_ranks_higher(d: dict[str, Any]) -> bool:
    ordered = d["fraction_of_records_non_decreasing_with_depth"]
    return bool(np.all(np.diff(d["final_eps_rank"]) > 0)) and ordered >= 0.95


def layers_checks(data: dict[str, FittingSeries]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the per-layer series of the one network: checks, measures."""
    measures = layers_measures(data)
    return evaluate_claims(StaircaseLayersExperiment.claims, measures, None), measures


@register
class StaircaseLayersExperiment(Experiment):
    name = "staircase-layers"
    summary = (
        "Paper 000 Ex. 2.6 (ii) / Fig. 3: the staircase in every hidden layer; deeper layers rank higher"
    )
    paper = "paper 000, Example 2.6 (ii), Fig. 3"
    Config = LayersConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"stages": (("adam", 6000, 1e-3),), "every": 20},
        "paper": {
            "stages": (("adam", 30000, 1e-3),),
            "every": 10,
            "quadrature_points": 2000,
            "checkpoint_every": 2000,
        },
    }

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

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: LayersConfig = config
        label = f"L{cfg.depth}_n{cfg.width}"

        def make() -> nn.Module:
            return MLP(1, cfg.width, cfg.depth, act=cfg.activation, init=cfg.init, seed=cfg.seed)

        train_fitting([(label, make)], cfg, run_dir, progress, layers="all")
        data = fitting_series(run_dir.read_metrics())
        return Result(layers_measures(data), series_arrays(data))

    def figures(self, run_dir: RunDir) -> None:
        ((label, s),) = fitting_series(run_dir.read_metrics()).items()
        panels = [(f"hidden layer {k + 1} of {len(s.layers)}", s, k) for k in range(len(s.layers))]
        title = f"Staircase per hidden layer, {net_title(label)} (paper 000 Fig. 3)"
        _draw_stairs(run_dir, panels, title, "staircase_layers")


# ------------------------------------------------------------------------ staircase-activations


@dataclass(frozen=True)
class ActivationsConfig(ExperimentConfig):
    """Configuration of ``staircase-activations`` (paper 000 Example 2.6 (iii), Fig. 4)."""

    activations: tuple[str, ...] = choice(("relu", "elu", "cos", "tanh"), ACTIVATIONS)
    depth: int = 4
    width: int = 50
    init: str = choice("xavier", INITIALISERS)
    stages: tuple[tuple[str, int, float], ...] = (("adam", 6000, 1e-3),)
    train_points: int = 1000
    quadrature_points: int = 1000
    eps: float = 1e-6
    every: int = 20
    checkpoint_every: int = 1000
    keep_spectra: bool = False


def activations_measures(data: dict[str, FittingSeries]) -> dict[str, Any]:
    """Per activation: the last layer's eps-rank at the start, end and maximum, the staircase's
    plateaus and verdict, and the loss."""
    verdicts = {act: staircase_verdict(s.last) for act, s in data.items()}
    return {
        act: {
            "initial_eps_rank": int(s.last[0]),
            "final_eps_rank": int(s.last[-1]),
            "max_eps_rank": int(s.last.max()),
            "plateau_levels": _levels(verdicts[act][1]),
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


@register
class StaircaseActivationsExperiment(Experiment):
    name = "staircase-activations"
    summary = "Paper 000 Ex. 2.6 (iii) / Fig. 4: the staircase under ReLU, ELU, cosine and tanh"
    paper = "paper 000, Example 2.6 (iii), Fig. 4"
    Config = ActivationsConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"stages": (("adam", 6000, 1e-3),), "every": 20},
        "paper": {
            "stages": (("adam", 30000, 1e-3),),
            "every": 10,
            "quadrature_points": 2000,
            "checkpoint_every": 2000,
        },
    }

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

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: ActivationsConfig = config

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
        _draw_stairs(run_dir, panels, title, "staircase_activations")
