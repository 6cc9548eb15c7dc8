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

from rankscope.experiments._fitting import (
    FittingSeries,
    fitting_series,
    net_title,
    series_arrays,
    train_fitting,
)
from rankscope.experiments.base import (
    Experiment,
    ExperimentConfig,
    Progress,
    choice,
    no_progress,
    register,
)
from rankscope.experiments.checks import Check, all_of, at_least, at_most
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP, ResidualMLP
from rankscope.store import RunDir

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
class Init1dConfig(ExperimentConfig):
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


def _net_label(depth: int, width: int) -> str:
    return f"L{depth}_n{width}"


def init_measures(cfg: Init1dConfig, data: dict[str, FittingSeries]) -> dict[str, Any]:
    """Per (net, initialisation): the last layer's eps-rank at the start, end and maximum, the loss
    and the best loss so far (at the midpoint, the end and the quarters of training); per net, the
    fraction of the recorded steps at which the deterministic best loss so far is lower."""
    measures: dict[str, Any] = {}
    end = int(data[next(iter(data))].iter[-1])
    mid = end // 2
    for depth, width in cfg.nets:
        net = _net_label(depth, width)
        det, base = data[f"{net}/{DETERMINISTIC}"], data[f"{net}/{cfg.baseline}"]
        b_det, b_base = best_so_far(det.loss), best_so_far(base.loss)
        if not np.array_equal(det.iter, base.iter):
            raise ValueError(f"{net}: the two initialisations were recorded at different steps")
        quarters = [int(det.iter[int(q * (len(det.iter) - 1))]) for q in (0.25, 0.5, 0.75, 1.0)]
        for init, s, best in ((DETERMINISTIC, det, b_det), (cfg.baseline, base, b_base)):
            measures[f"{net}/{init}"] = {
                "initial_eps_rank": int(s.last[0]),
                "final_eps_rank": int(s.last[-1]),
                "max_eps_rank": int(s.last.max()),
                "initial_loss": float(s.loss[0]),
                "best_loss_at_midpoint": _at(s, best, mid),
                "best_loss_at_end": float(best[-1]),
                "final_loss": float(s.loss[-1]),
                "quarter_steps": quarters,
                "best_loss_at_quarter_steps": [_at(s, best, t) for t in quarters],
            }
        measures[f"{net}/fraction_of_steps_deterministic_lower"] = float((b_det < b_base).mean())
    measures["final_step"] = end
    return measures


def _nets(cfg: Init1dConfig) -> list[tuple[str, int]]:
    return [(_net_label(depth, width), width) for depth, width in cfg.nets]


def _initial_ranks(m: dict[str, Any], cfg: Init1dConfig, net: str) -> tuple[int, int, float]:
    """The deterministic and the default run's initial eps-rank, and their ratio."""
    r_det = m[f"{net}/{DETERMINISTIC}"]["initial_eps_rank"]
    r_base = m[f"{net}/{cfg.baseline}"]["initial_eps_rank"]
    return r_det, r_base, r_det / max(r_base, 1)


def _high_rank_from_start(m: dict[str, Any], cfg: Init1dConfig) -> bool:
    ok = []
    for net, width in _nets(cfg):
        r_det, _, factor = _initial_ranks(m, cfg, net)
        ok.append(factor >= 5 and r_det >= 0.8 * width)
    return all(ok)


def _lower_loss_margins(m: dict[str, Any], cfg: Init1dConfig) -> list[float]:
    """Per net: the margin of "lower at >= LOWER_FRACTION of the recorded steps and at the end"."""
    return [
        all_of(
            at_least(m[f"{net}/fraction_of_steps_deterministic_lower"], LOWER_FRACTION),
            at_most(
                m[f"{net}/{DETERMINISTIC}"]["best_loss_at_end"],
                m[f"{net}/{cfg.baseline}"]["best_loss_at_end"],
            ),
        )
        for net, _ in _nets(cfg)
    ]


def _describe_lower_loss(m: dict[str, Any], cfg: Init1dConfig) -> str:
    texts = []
    for net, _ in _nets(cfg):
        det, base = m[f"{net}/{DETERMINISTIC}"], m[f"{net}/{cfg.baseline}"]
        steps = zip(
            det["quarter_steps"],
            det["best_loss_at_quarter_steps"],
            base["best_loss_at_quarter_steps"],
            strict=True,
        )
        texts.append(
            f"{net}: lower at {100 * m[f'{net}/fraction_of_steps_deterministic_lower']:.1f}% of the recorded "
            "steps; " + ", ".join(f"step {t}: {a:.1e} vs {b:.1e}" for t, a, b in steps)
        )
    return (
        f"best loss so far, deterministic vs {cfg.baseline}: "
        + "; ".join(texts)
        + f" (criterion per network: lower at >= {100 * LOWER_FRACTION:.0f}% of the recorded steps and at "
        f"the end; margin {min(_lower_loss_margins(m, cfg)):+.3f}, fragile within 0.05)"
    )


def _smallest_and_largest(cfg: Init1dConfig) -> tuple[str, str]:
    small = min(cfg.nets, key=lambda ln: (ln[0] * ln[1], ln))
    large = max(cfg.nets, key=lambda ln: (ln[0] * ln[1], ln))
    return _net_label(*small), _net_label(*large)


def _shallow_and_deep_losses(m: dict[str, Any], cfg: Init1dConfig) -> tuple[float, float]:
    """The best loss at the end of the smallest deterministic and of the largest default network."""
    small, large = _smallest_and_largest(cfg)
    return m[f"{small}/{DETERMINISTIC}"]["best_loss_at_end"], m[f"{large}/{cfg.baseline}"]["best_loss_at_end"]


def _describe_shallow_vs_deep(m: dict[str, Any], cfg: Init1dConfig) -> str:
    (small, large), (a, b) = _smallest_and_largest(cfg), _shallow_and_deep_losses(m, cfg)
    return (
        f"best loss at step {m['final_step']}: deterministic {net_title(small)} {a:.1e} vs "
        f"{cfg.baseline} {net_title(large)} {b:.1e} (criterion: lower; fragile within 5%)"
    )


def init_checks(cfg: Init1dConfig, data: dict[str, FittingSeries]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the series of each (net, initialisation): checks, measures."""
    measures = init_measures(cfg, data)
    return evaluate_claims(Init1dExperiment.claims, measures, cfg), measures


@register
class Init1dExperiment(Experiment):
    name = "init-1d"
    summary = "Paper 000 Ex. 4.1 / Fig. 6: deterministic first layer gives high eps-rank and faster fitting"
    paper = "paper 000, Example 4.1, eq. (4.2)-(4.3), Fig. 6"
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

    claims = (
        Claim(
            "deterministic initialisation: high eps-rank from the start",
            paper="the deterministic first layer (eq. 4.2-4.3) guarantees a sufficiently high eps-rank "
            "of the neuron functions, unlike the default initialisation (Sec. 4.1, Fig. 6 left)",
            reads=("initial_eps_rank",),
            criterion=_high_rank_from_start,
            describe=lambda m, cfg: (
                "initial eps-rank of the last hidden layer, deterministic vs "
                f"{cfg.baseline}: "
                + "; ".join(
                    f"{net}: {r_det}/{width} vs {r_base}/{width} (x{factor:.1f})"
                    for net, width in _nets(cfg)
                    for r_det, r_base, factor in [_initial_ranks(m, cfg, net)]
                )
                + " (criterion per network: deterministic >= 5x the default and >= 0.8 n)"
            ),
        ),
        Claim(
            "deterministic initialisation: lower loss at equal steps",
            paper="once the neuron functions are sufficiently linearly independent the loss is rapidly "
            "optimised: a good initialisation reduces training time and improves accuracy (Fig. 6 right)",
            reads=("fraction_of_steps_deterministic_lower", "best_loss_at_end", "best_loss_at_quarter_steps"),
            criterion=lambda m, cfg: all_of(_lower_loss_margins(m, cfg)),
            describe=_describe_lower_loss,
        ),
        Claim(
            "shallow deterministic network beats deep default one",
            paper="the deterministic L = 2, n = 30 network reaches loss 1e-5 where the default "
            "L = 4, n = 50 reaches 1e-4: even a shallow and narrow network performs better (Fig. 6)",
            reads=("best_loss_at_end", "final_step"),
            criterion=lambda m, cfg: at_most(*_shallow_and_deep_losses(m, cfg)),
            describe=_describe_shallow_vs_deep,
            when=lambda cfg: len(cfg.nets) >= 2,
        ),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
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
        return Result(init_measures(cfg, data), series_arrays(data))

    def figures(self, run_dir: RunDir) -> None:
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
class ResnetConfig(ExperimentConfig):
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


@register
class ResnetVsMlpExperiment(Experiment):
    name = "resnet-vs-mlp"
    summary = "Paper 000 Ex. 4.4 / Figs. 9-10: residual MLP starts higher and gains more eps-rank per layer"
    paper = "paper 000, Example 4.4, eq. (4.6), Figs. 9-10"
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

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: ResnetConfig = config
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
