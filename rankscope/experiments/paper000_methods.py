"""Paper 000 Sec. 4.1 and 4.3: a high eps-rank from the start, by initialisation or by architecture.

``init-1d`` (Example 4.1, Fig. 6) fits ``f(x) = cos x + cos 2x + cos 30x`` on ``[-1, 1]`` (eq. 2.5)
with tanh MLPs of (L, n) in {(2, 30), (4, 50)}, once with the deterministic first layer of eq.
(4.2)-(4.3) (``(w_0)_j = n/2``, ``(b_0)_j = n/2 - j``, i.e. ``tanh(n/2 (x - x_j))`` on a uniform grid;
``rankscope.nets.deterministic_1d``) and once with the default Xavier initialisation. Both runs of a
size use the same seed, so the layers after the first start from the same weights.

``resnet-vs-mlp`` (Example 4.4, Figs. 9-10) fits the same target with the residual MLP of eq. (4.6)
(``rankscope.nets.ResidualMLP``, one-layer residual blocks; eq. 4.6's skip at k = 0 needs d == n, so
the first layer is plain, as documented there) and the plain MLP (eq. 1.1) of the same size and the
same initial weights, recording the eps-rank of every hidden layer.

Settings the paper does not give, chosen so the phenomena show and stated here: full-batch Adam with
learning rate 1e-3 on 1000 equispaced points (as the ``staircase`` experiment); ``init-1d`` trains
12000 steps (quick) or 20000 (paper) — the paper's comparison of the shallow deterministic network
with the deep default one needs > 10^4 steps; ``resnet-vs-mlp`` uses L = 4, n = 50 (the size is not
given; Fig. 3's) and trains 6000 steps (quick) or 20000 (paper). ``resnet-vs-mlp`` initialises both
networks by ``uniform_fan_in`` (``w, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), the form the paper
gives for its default initialisation in Sec. 2.2: with Xavier's zero biases both networks start with
eps-rank 2-3 and the ResNet's head start of Fig. 9 is not visible (seeds 0-2, 6000 steps: initial
last-layer eps-rank 3/3, 3/2, 2/2 for ResNet/MLP). Everything can be changed with ``--set``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from torch import nn

from rankscope.experiments.base import Experiment, Progress, choice, no_progress, register
from rankscope.experiments.checks import Check, all_of, at_least, at_most
from rankscope.experiments.paper000_fitting import (
    FittingSeries,
    fitting_series,
    net_title,
    series_arrays,
    train_fitting,
)
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP, ResidualMLP

__all__ = [
    "Init1dConfig",
    "Init1dExperiment",
    "ResnetConfig",
    "ResnetVsMlpExperiment",
    "best_so_far",
    "first_reach",
    "init_checks",
    "resnet_checks",
]

DETERMINISTIC, BLUE, ORANGE = "deterministic", "tab:blue", "tab:orange"
#: "lower loss at equal steps": the deterministic run's best loss so far is lower at this fraction of
#: the recorded steps, step 0 included (and at the end).
LOWER_FRACTION = 0.9


def best_so_far(loss: np.ndarray) -> np.ndarray:
    """The smallest loss reached up to each record, ``min_{s <= t} loss_s`` (robust to Adam spikes)."""
    return np.minimum.accumulate(np.asarray(loss, dtype=np.float64))


def first_reach(iters: np.ndarray, ranks: np.ndarray, level: float) -> float:
    """The first ``iter`` at which ``ranks >= level``; ``inf`` if never.

    Example:
        >>> first_reach(np.array([0, 10, 20]), np.array([2, 5, 9]), 5)
        10.0
    """
    hit = np.flatnonzero(np.asarray(ranks) >= level)
    return float(iters[hit[0]]) if hit.size else math.inf


def _at(s: FittingSeries, values: np.ndarray, it: int) -> float:
    """``values`` at the last record with ``iter <= it``."""
    return float(values[np.searchsorted(s.iter, it, side="right") - 1])


def _fmt_iter(v: float) -> str:
    return "never" if math.isinf(v) else str(int(v))


# ------------------------------------------------------------------------------------- init-1d


@dataclass(frozen=True)
class Init1dConfig:
    """Configuration of ``init-1d`` (paper 000 Example 4.1, Fig. 6)."""

    nets: tuple[tuple[int, int], ...] = ((2, 30), (4, 50))  # (L, n)
    baseline: str = choice(
        "xavier", ("xavier", "uniform_fan_in")
    )  # the "default settings" compared with the deterministic scheme
    activation: str = choice("tanh", ACTIVATIONS)
    stages: tuple[tuple[str, int, float], ...] = (("adam", 12000, 1e-3),)
    train_points: int = 1000
    quadrature_points: int = 1000
    eps: float = 1e-6
    every: int = 20
    checkpoint_every: int = 2000
    keep_spectra: bool = False
    seed: int = 0
    threads: int = 1


def _net_label(depth: int, width: int) -> str:
    return f"L{depth}_n{width}"


def init_checks(cfg: Init1dConfig, data: dict[str, FittingSeries]) -> tuple[list[Check], dict[str, Any]]:
    """Fig. 6's claims, from the last-layer eps-rank and the loss of each (net, initialisation)."""
    measures: dict[str, Any] = {}
    factor_ok, loss_ok, texts_rank, texts_loss = [], [], [], []
    end = int(data[next(iter(data))].iter[-1])
    mid = end // 2
    for depth, width in cfg.nets:
        net = _net_label(depth, width)
        det, base = data[f"{net}/{DETERMINISTIC}"], data[f"{net}/{cfg.baseline}"]
        r_det, r_base = int(det.last[0]), int(base.last[0])
        factor = r_det / max(r_base, 1)
        b_det, b_base = best_so_far(det.loss), best_so_far(base.loss)
        if not np.array_equal(det.iter, base.iter):
            raise ValueError(f"{net}: the two initialisations were recorded at different steps")
        lower = b_det < b_base
        frac = float(lower.mean())
        quarters = [int(det.iter[int(q * (len(det.iter) - 1))]) for q in (0.25, 0.5, 0.75, 1.0)]
        factor_ok.append(factor >= 5 and r_det >= 0.8 * width)
        loss_ok.append(all_of(at_least(frac, LOWER_FRACTION), at_most(float(b_det[-1]), float(b_base[-1]))))
        texts_rank.append(f"{net}: {r_det}/{width} vs {r_base}/{width} (x{factor:.1f})")
        texts_loss.append(
            f"{net}: lower at {100 * frac:.1f}% of the recorded steps; "
            + ", ".join(f"step {t}: {_at(det, b_det, t):.1e} vs {_at(base, b_base, t):.1e}" for t in quarters)
        )
        for init, s, best in ((DETERMINISTIC, det, b_det), (cfg.baseline, base, b_base)):
            measures[f"{net}/{init}"] = {
                "initial_eps_rank": int(s.last[0]),
                "final_eps_rank": int(s.last[-1]),
                "max_eps_rank": int(s.last.max()),
                "initial_loss": float(s.loss[0]),
                "best_loss_at_midpoint": _at(s, best, mid),
                "best_loss_at_end": float(best[-1]),
                "final_loss": float(s.loss[-1]),
            }
        measures[f"{net}/fraction_of_steps_deterministic_lower"] = frac
    c1 = Check(
        "deterministic initialisation: high eps-rank from the start",
        "the deterministic first layer (eq. 4.2-4.3) guarantees a sufficiently high eps-rank of the "
        "neuron functions, unlike the default initialisation (Sec. 4.1, Fig. 6 left)",
        "initial eps-rank of the last hidden layer, deterministic vs "
        f"{cfg.baseline}: "
        + "; ".join(texts_rank)
        + " (criterion per network: deterministic >= 5x the default and >= 0.8 n)",
        all(factor_ok),
    )
    c2 = Check.by_margin(
        "deterministic initialisation: lower loss at equal steps",
        "once the neuron functions are sufficiently linearly independent the loss is rapidly "
        "optimised: a good initialisation reduces training time and improves accuracy (Fig. 6 right)",
        f"best loss so far, deterministic vs {cfg.baseline}: "
        + "; ".join(texts_loss)
        + f" (criterion per network: lower at >= {100 * LOWER_FRACTION:.0f}% of the recorded steps and at "
        f"the end; margin {min(loss_ok):+.3f}, fragile within 0.05)",
        all_of(loss_ok),
    )
    checks = [c1, c2]
    if len(cfg.nets) >= 2:
        small = min(cfg.nets, key=lambda ln: (ln[0] * ln[1], ln))
        large = max(cfg.nets, key=lambda ln: (ln[0] * ln[1], ln))
        a = float(best_so_far(data[f"{_net_label(*small)}/{DETERMINISTIC}"].loss)[-1])
        b = float(best_so_far(data[f"{_net_label(*large)}/{cfg.baseline}"].loss)[-1])
        checks.append(
            Check.by_margin(
                "shallow deterministic network beats deep default one",
                "the deterministic L = 2, n = 30 network reaches loss 1e-5 where the default "
                "L = 4, n = 50 reaches 1e-4: even a shallow and narrow network performs better (Fig. 6)",
                f"best loss at step {end}: deterministic {net_title(_net_label(*small))} {a:.1e} vs "
                f"{cfg.baseline} {net_title(_net_label(*large))} {b:.1e} (criterion: lower; fragile "
                "within 5%)",
                at_most(a, b),
            )
        )
    return checks, measures


@register
class Init1dExperiment(Experiment):
    name = "init-1d"
    summary = "Paper 000 Ex. 4.1 / Fig. 6: deterministic first layer gives high eps-rank and faster fitting"
    paper = "000_1f8258be9be41576.txt, Example 4.1, eq. (4.2)-(4.3), Fig. 6"
    Config = Init1dConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"stages": (("adam", 12000, 1e-3),), "every": 20},
        "paper": {
            "stages": (("adam", 20000, 1e-3),),
            "every": 10,
            "quadrature_points": 2000,
            "checkpoint_every": 2000,
        },
    }

    def run(self, config: Any, run_dir: Any, progress: Progress = no_progress) -> dict[str, Any]:
        cfg: Init1dConfig = config

        def maker(depth: int, width: int, init: str, seed: int) -> Callable[[], nn.Module]:
            return lambda: MLP(1, width, depth, act=cfg.activation, init=init, seed=seed)

        nets = [
            (f"{_net_label(depth, width)}/{init}", maker(depth, width, init, cfg.seed + i))
            for i, (depth, width) in enumerate(cfg.nets)
            for init in (DETERMINISTIC, cfg.baseline)
        ]
        train_fitting(nets, cfg, run_dir, progress, layers="last")
        data = fitting_series(run_dir.read_metrics())
        run_dir.write_arrays(**series_arrays(data))
        checks, measures = init_checks(cfg, data)
        self.figures(run_dir)
        return {"checks": [c.as_dict() for c in checks], "measures": measures}

    def figures(self, run_dir: Any) -> None:
        from rankscope.report import new_figure

        data = fitting_series(run_dir.read_metrics())
        nets = list(dict.fromkeys(label.split("/")[0] for label in data))
        fig, axes = new_figure(len(nets), 2, figsize=(10.0, 3.6 * len(nets)), squeeze=False)
        for row, net in zip(axes, nets, strict=True):
            for label, s in data.items():
                if not label.startswith(net + "/"):
                    continue
                init = label.split("/")[1]
                color = BLUE if init == DETERMINISTIC else ORANGE
                row[0].plot(s.iter, s.last, color=color, label=init)
                row[1].plot(s.iter, np.where(s.loss > 0, s.loss, np.nan), color=color, label=init)
            row[0].set(title=f"{net_title(net)}: eps-rank", xlabel="step", ylabel="eps-rank")
            row[1].set(title=f"{net_title(net)}: loss", xlabel="step", ylabel="MSE", yscale="log")
            row[0].legend(frameon=False)
        fig.suptitle("Deterministic vs default initialisation (paper 000 Fig. 6)")
        run_dir.save_figure(fig, "init_1d")


# ------------------------------------------------------------------------------- resnet-vs-mlp


@dataclass(frozen=True)
class ResnetConfig:
    """Configuration of ``resnet-vs-mlp`` (paper 000 Example 4.4, Figs. 9-10)."""

    depth: int = 4
    width: int = 50
    activation: str = choice("tanh", ACTIVATIONS)
    init: str = choice("uniform_fan_in", INITIALISERS)
    rank_fraction: float = 0.8  # "high rank": eps-rank >= ceil(rank_fraction * n)
    stages: tuple[tuple[str, int, float], ...] = (("adam", 6000, 1e-3),)
    train_points: int = 1000
    quadrature_points: int = 1000
    eps: float = 1e-6
    every: int = 20
    checkpoint_every: int = 1000
    keep_spectra: bool = False
    seed: int = 0
    threads: int = 1


def resnet_checks(cfg: ResnetConfig, data: dict[str, FittingSeries]) -> tuple[list[Check], dict[str, Any]]:
    """Figs. 9-10's claims, from the per-layer eps-rank series of the MLP and the ResNet."""
    mlp, res = data["mlp"], data["resnet"]
    n = cfg.width
    level = math.ceil(cfg.rank_fraction * n)
    reach = {k: first_reach(s.iter, s.last, level) for k, s in data.items()}
    full = {k: first_reach(s.iter, s.last, n) for k, s in data.items()}
    gain = {k: (s.eps_rank.max(axis=0) - s.eps_rank[0]) for k, s in data.items()}
    deep = range(len(res.layers) // 2, len(res.layers))
    measures = {
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
    c1 = Check(
        "ResNet starts with a higher eps-rank",
        "the eps-rank of ResNet is initially higher than that of the MLP (Fig. 9)",
        f"initial eps-rank of the last hidden layer: ResNet {int(res.last[0])}, MLP {int(mlp.last[0])} "
        "(criterion: ResNet > MLP)",
        int(res.last[0]) > int(mlp.last[0]),
    )
    c2 = Check(
        "ResNet reaches a high eps-rank sooner",
        "the eps-rank of ResNet grows faster to full rank than that of the MLP (Fig. 9)",
        f"first step with last-layer eps-rank >= {level} (= {cfg.rank_fraction:g} n): "
        f"ResNet {_fmt_iter(reach['resnet'])}, MLP {_fmt_iter(reach['mlp'])}; full rank {n}: "
        f"ResNet {_fmt_iter(full['resnet'])}, MLP {_fmt_iter(full['mlp'])}; maximum eps-rank ResNet "
        f"{int(res.last.max())}, MLP {int(mlp.last.max())} (criterion: ResNet reaches {level} and "
        "earlier than the MLP, which counts as never if it does not)",
        reach["resnet"] < reach["mlp"],
    )
    c3 = Check(
        "residual blocks: deeper layers gain more eps-rank",
        "the residual block structure ensures greater rank growth in the deeper neuron functions (Fig. 10)",
        f"eps-rank gain (maximum - initial) per layer: ResNet {gain['resnet'].tolist()}, MLP "
        f"{gain['mlp'].tolist()} (criterion: the ResNet's gain is non-decreasing with depth and "
        f"larger than the MLP's in each of the deeper half of the layers, {[k + 1 for k in deep]})",
        bool(np.all(np.diff(gain["resnet"]) >= 0)) and all(gain["resnet"][k] > gain["mlp"][k] for k in deep),
    )
    return [c1, c2, c3], measures


@register
class ResnetVsMlpExperiment(Experiment):
    name = "resnet-vs-mlp"
    summary = "Paper 000 Ex. 4.4 / Figs. 9-10: residual MLP starts higher and gains more eps-rank per layer"
    paper = "000_1f8258be9be41576.txt, Example 4.4, eq. (4.6), Figs. 9-10"
    Config = ResnetConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"stages": (("adam", 6000, 1e-3),), "every": 20},
        "paper": {
            "stages": (("adam", 20000, 1e-3),),
            "every": 10,
            "quadrature_points": 2000,
            "checkpoint_every": 2000,
        },
    }

    def run(self, config: Any, run_dir: Any, progress: Progress = no_progress) -> dict[str, Any]:
        cfg: ResnetConfig = config
        if not 0 < cfg.rank_fraction <= 1:
            raise ValueError(f"rank_fraction must be in (0, 1]; got {cfg.rank_fraction!r}")

        def maker(cls: type[MLP]) -> Callable[[], nn.Module]:
            return lambda: cls(1, cfg.width, cfg.depth, act=cfg.activation, init=cfg.init, seed=cfg.seed)

        nets = [("mlp", maker(MLP)), ("resnet", maker(ResidualMLP))]
        train_fitting(nets, cfg, run_dir, progress, layers="all")
        data = fitting_series(run_dir.read_metrics())
        run_dir.write_arrays(**series_arrays(data))
        checks, measures = resnet_checks(cfg, data)
        self.figures(run_dir)
        return {"checks": [c.as_dict() for c in checks], "measures": measures}

    def figures(self, run_dir: Any) -> None:
        from rankscope.report import new_figure

        data = fitting_series(run_dir.read_metrics())
        names = {"mlp": "MLP (DeepNet)", "resnet": "ResNet"}
        colors = {"mlp": "tab:red", "resnet": BLUE}
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
