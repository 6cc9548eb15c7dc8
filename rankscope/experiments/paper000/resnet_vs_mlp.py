"""``resnet-vs-mlp``: paper 000 Example 4.4, Figs. 9-10 — a residual MLP starts at a higher eps-rank.

Fit ``f(x) = cos x + cos 2x + cos 30x`` on ``[-1, 1]`` (eq. 2.5) with the residual MLP of eq. (4.6)
(``rankscope.nets.ResidualMLP``, one-layer residual blocks; eq. 4.6's skip at k = 0 needs d == n, so
the first layer is plain, as documented there) and the plain MLP (eq. 1.1) of the same size and the
same initial weights, recording the eps-rank of every hidden layer.

Settings the paper does not give, chosen so the phenomena show and stated here: full-batch Adam with
learning rate 1e-3 on 1000 equispaced points (as the ``staircase`` experiment), L = 4, n = 50 (the
size is not given; Fig. 3's), 6000 steps (quick) or 20000 (paper). Both networks are initialised by
``uniform_fan_in`` (``w, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), the form the paper gives for its
default initialisation in Sec. 2.2: with Xavier's zero biases both networks start with eps-rank 2-3
and the ResNet's head start of Fig. 9 is not visible (seeds 0-2, 6000 steps: initial last-layer
eps-rank 3/3, 3/2, 2/2 for ResNet/MLP). Everything can be changed with ``--set``.

Expected wall time on 2 cores: quick and paper not timed yet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from torch import nn

from rankscope.experiments.base import Experiment, Progress, choice, no_progress
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper000._fitting import (
    FittingConfig,
    FittingSeries,
    fitting_presets,
    fitting_series,
    series_arrays,
    train_fitting,
)
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP, ResidualMLP
from rankscope.store import RunDir

__all__ = ["ResnetConfig", "ResnetVsMlpExperiment", "first_reach", "resnet_checks"]


def first_reach(iters: np.ndarray, ranks: np.ndarray, level: float) -> float:
    """The first ``iter`` at which ``ranks >= level``; ``inf`` if never.

    Example:
        >>> first_reach(np.array([0, 10, 20]), np.array([2, 5, 9]), 5)
        10.0
    """
    hit = np.flatnonzero(np.asarray(ranks) >= level)
    return float(iters[hit[0]]) if hit.size else math.inf


def _fmt_iter(v: float) -> str:
    return "never" if math.isinf(v) else str(int(v))


@dataclass(frozen=True)
class ResnetConfig(FittingConfig):
    """Configuration of ``resnet-vs-mlp`` (paper 000 Example 4.4, Figs. 9-10)."""

    depth: int = 4
    width: int = 50
    activation: str = choice("tanh", ACTIVATIONS)
    init: str = choice("uniform_fan_in", INITIALISERS)
    rank_fraction: float = 0.8  # "high rank": eps-rank >= ceil(rank_fraction * n)


def _high_level(cfg: ResnetConfig) -> int:
    """The "high" eps-rank: ``ceil(rank_fraction * n)``."""
    return math.ceil(cfg.rank_fraction * cfg.width)


def resnet_measures(cfg: ResnetConfig, data: dict[str, FittingSeries]) -> dict[str, Any]:
    """Per network (``mlp``, ``resnet``): the eps-rank of each layer at the start, end and maximum and
    its gain, the first steps at a high and at full last-layer eps-rank, and the loss."""
    n = cfg.width
    level = _high_level(cfg)
    reach = {k: first_reach(s.iter, s.last, level) for k, s in data.items()}
    full = {k: first_reach(s.iter, s.last, n) for k, s in data.items()}
    gain = {k: (s.eps_rank.max(axis=0) - s.eps_rank[0]) for k, s in data.items()}
    return {
        k: {
            "initial_eps_rank_per_layer": s.eps_rank[0].tolist(),
            "final_eps_rank_per_layer": s.eps_rank[-1].tolist(),
            "max_eps_rank_per_layer": s.eps_rank.max(axis=0).tolist(),
            "rank_gain_per_layer": gain[k].tolist(),
            f"first_step_eps_rank_ge_{level}": reach[k],
            "first_step_full_rank": full[k],
            "initial_loss": float(s.loss[0]),
            "final_loss": float(s.loss[-1]),
            "best_loss": float(s.loss.min()),
        }
        for k, s in data.items()
    }


def _deeper_half(m: dict[str, Any]) -> range:
    layers = len(m["resnet"]["rank_gain_per_layer"])
    return range(layers // 2, layers)


def _residual_gain_grows(m: dict[str, Any]) -> bool:
    res, mlp = m["resnet"]["rank_gain_per_layer"], m["mlp"]["rank_gain_per_layer"]
    return bool(np.all(np.diff(res) >= 0)) and all(res[k] > mlp[k] for k in _deeper_half(m))


def _describe_reach(m: dict[str, Any], cfg: ResnetConfig) -> str:
    level = _high_level(cfg)
    res, mlp = m["resnet"], m["mlp"]
    reach = f"first_step_eps_rank_ge_{level}"
    return (
        f"first step with last-layer eps-rank >= {level} (= {cfg.rank_fraction:g} n): "
        f"ResNet {_fmt_iter(res[reach])}, MLP {_fmt_iter(mlp[reach])}; full rank {cfg.width}: "
        f"ResNet {_fmt_iter(res['first_step_full_rank'])}, MLP {_fmt_iter(mlp['first_step_full_rank'])}; "
        f"maximum eps-rank ResNet {res['max_eps_rank_per_layer'][-1]}, MLP "
        f"{mlp['max_eps_rank_per_layer'][-1]} (criterion: ResNet reaches {level} and earlier than the "
        "MLP, which counts as never if it does not)"
    )


def resnet_checks(cfg: ResnetConfig, data: dict[str, FittingSeries]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the per-layer series of the MLP and the ResNet: checks, measures."""
    measures = resnet_measures(cfg, data)
    return evaluate_claims(ResnetVsMlpExperiment.claims, measures, cfg), measures


class ResnetVsMlpExperiment(Experiment[ResnetConfig]):
    name = "resnet-vs-mlp"
    Config = ResnetConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = fitting_presets(6000, 20000)

    claims = (
        Claim(
            "ResNet starts with a higher eps-rank",
            paper="the eps-rank of ResNet is initially higher than that of the MLP (Fig. 9)",
            reads=("initial_eps_rank_per_layer",),
            criterion=lambda m, cfg: (
                m["resnet"]["initial_eps_rank_per_layer"][-1] > m["mlp"]["initial_eps_rank_per_layer"][-1]
            ),
            describe=lambda m, cfg: (
                "initial eps-rank of the last hidden layer: ResNet "
                f"{m['resnet']['initial_eps_rank_per_layer'][-1]}, MLP "
                f"{m['mlp']['initial_eps_rank_per_layer'][-1]} (criterion: ResNet > MLP)"
            ),
        ),
        Claim(
            "ResNet reaches a high eps-rank sooner",
            paper="the eps-rank of ResNet grows faster to full rank than that of the MLP (Fig. 9)",
            reads=("first_step_eps_rank_ge_{level}", "first_step_full_rank", "max_eps_rank_per_layer"),
            criterion=lambda m, cfg: (
                m["resnet"][f"first_step_eps_rank_ge_{_high_level(cfg)}"]
                < m["mlp"][f"first_step_eps_rank_ge_{_high_level(cfg)}"]
            ),
            describe=_describe_reach,
        ),
        Claim(
            "residual blocks: deeper layers gain more eps-rank",
            paper="the residual block structure ensures greater rank growth in the deeper neuron "
            "functions (Fig. 10)",
            reads=("rank_gain_per_layer",),
            criterion=lambda m, cfg: _residual_gain_grows(m),
            describe=lambda m, cfg: (
                f"eps-rank gain (maximum - initial) per layer: ResNet {m['resnet']['rank_gain_per_layer']}, "
                f"MLP {m['mlp']['rank_gain_per_layer']} (criterion: the ResNet's gain is non-decreasing "
                "with depth and larger than the MLP's in each of the deeper half of the layers, "
                f"{[k + 1 for k in _deeper_half(m)]})"
            ),
        ),
    )

    def run(self, cfg: ResnetConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        if not 0 < cfg.rank_fraction <= 1:
            raise ValueError(f"rank_fraction must be in (0, 1]; got {cfg.rank_fraction!r}")

        def maker(cls: type[MLP]) -> Callable[[], nn.Module]:
            return lambda: cls(1, cfg.width, cfg.depth, act=cfg.activation, init=cfg.init, seed=cfg.seed)

        nets = [("mlp", maker(MLP)), ("resnet", maker(ResidualMLP))]
        train_fitting(nets, cfg, run_dir, progress, layers="all")
        data = fitting_series(run_dir.read_metrics())
        return Result(resnet_measures(cfg, data), series_arrays(data))

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        data = fitting_series(run_dir.read_metrics())
        names = {"mlp": "MLP (DeepNet)", "resnet": "ResNet"}
        colors = {"mlp": "tab:red", "resnet": "tab:blue"}
        fig, (ax_r, ax_l) = new_figure(1, 2, figsize=(10.0, 3.8))
        for k, s in data.items():
            ax_r.plot(s.iter, s.last, color=colors.get(k), label=names.get(k, k))
            ax_l.plot(
                s.iter, np.where(s.loss > 0, s.loss, np.nan), color=colors.get(k), label=names.get(k, k)
            )
        ax_r.set(title="eps-rank of the last hidden layer", xlabel="step", ylabel="eps-rank")
        ax_l.set(title="loss", xlabel="step", ylabel="MSE", yscale="log")
        ax_r.legend(frameon=False)
        fig.suptitle("ResNet vs MLP (paper 000 Fig. 9)")
        run_dir.save_figure(fig, "resnet_vs_mlp")

        fig, axes = new_figure(1, len(data), figsize=(5.0 * len(data), 3.8), sharey=True, squeeze=False)
        for ax, (k, s) in zip(axes[0], data.items(), strict=True):
            for j in range(len(s.layers)):
                ax.plot(s.iter, s.eps_rank[:, j], label=f"layer {j + 1}", color=f"C{j}")
            ax.set(title=names.get(k, k), xlabel="step", ylabel="eps-rank")
            ax.legend(frameon=False, fontsize="small")
        fig.suptitle("eps-rank of each hidden layer (paper 000 Fig. 10)")
        run_dir.save_figure(fig, "rank_per_layer")
