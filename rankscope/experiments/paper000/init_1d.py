"""``init-1d``: paper 000 Example 4.1, Fig. 6 — a deterministic first layer gives a high eps-rank.

Fit ``f(x) = cos x + cos 2x + cos 30x`` on ``[-1, 1]`` (eq. 2.5) with tanh MLPs of (L, n) in
{(2, 30), (4, 50)}, once with the deterministic first layer of eq. (4.2)-(4.3) (``(w_0)_j = n/2``,
``(b_0)_j = n/2 - j``, i.e. ``tanh(n/2 (x - x_j))`` on a uniform grid; ``rankscope.nets.deterministic_1d``)
and once with the default Xavier initialisation. Both runs of a size use the same seed, so the layers
after the first start from the same weights.

Settings the paper does not give, chosen so the phenomena show and stated here: full-batch Adam with
learning rate 1e-3 on 1000 equispaced points (as the ``staircase`` experiment) for 12000 steps (quick)
or 20000 (paper) — the paper's comparison of the shallow deterministic network with the deep default
one needs > 10^4 steps. Everything can be changed with ``--set``.

Expected wall time on 2 cores: quick and paper not timed yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from torch import nn

from rankscope.experiments.base import Experiment, Progress, choice, no_progress
from rankscope.experiments.checks import Check, all_of, at_least, at_most
from rankscope.experiments.claims import Claim, Result, evaluate_claims
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
from rankscope.nets import ACTIVATIONS, MLP
from rankscope.store import RunDir

__all__ = ["Init1dConfig", "Init1dExperiment", "best_so_far", "init_checks"]

DETERMINISTIC = "deterministic"
#: "lower loss at equal steps": the deterministic run's best loss so far is lower at this fraction of
#: the recorded steps, step 0 included (and at the end).
LOWER_FRACTION = 0.9


def best_so_far(loss: np.ndarray) -> np.ndarray:
    """The smallest loss reached up to each record, ``min_{s <= t} loss_s`` (robust to Adam spikes)."""
    return np.minimum.accumulate(np.asarray(loss, dtype=np.float64))


def _at(s: FittingSeries, values: np.ndarray, it: int) -> float:
    """``values`` at the last record with ``iter <= it``."""
    return float(values[np.searchsorted(s.iter, it, side="right") - 1])


@dataclass(frozen=True)
class Init1dConfig(FittingConfig):
    """Configuration of ``init-1d`` (paper 000 Example 4.1, Fig. 6)."""

    nets: tuple[tuple[int, int], ...] = ((2, 30), (4, 50))  # (L, n)
    baseline: str = choice(
        "xavier", ("xavier", "uniform_fan_in")
    )  # the "default settings" compared with the deterministic scheme
    activation: str = choice("tanh", ACTIVATIONS)
    stages: tuple[tuple[str, int, float], ...] = (("adam", 12000, 1e-3),)
    checkpoint_every: int = 2000


def init_measures(cfg: Init1dConfig, data: dict[str, FittingSeries]) -> dict[str, Any]:
    """Per (net, initialisation): the last layer's eps-rank at the start, end and maximum, the loss
    and the best loss so far (at the midpoint, the end and the quarters of training); per net, the
    fraction of the recorded steps at which the deterministic best loss so far is lower."""
    measures: dict[str, Any] = {}
    end = int(data[next(iter(data))].iter[-1])
    mid = end // 2
    for depth, width in cfg.nets:
        net = net_label(depth, width)
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
    return [(net_label(depth, width), width) for depth, width in cfg.nets]


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
    return net_label(*small), net_label(*large)


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


class Init1dExperiment(Experiment[Init1dConfig]):
    name = "init-1d"
    Config = Init1dConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = fitting_presets(12000, 20000)

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

    def run(self, cfg: Init1dConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:

        def maker(depth: int, width: int, init: str, seed: int) -> Callable[[], nn.Module]:
            return lambda: MLP(1, width, depth, act=cfg.activation, init=init, seed=seed)

        nets = [
            (f"{net_label(depth, width)}/{init}", maker(depth, width, init, cfg.seed + i))
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
                color = "tab:blue" if init == DETERMINISTIC else "tab:orange"
                row[0].plot(s.iter, s.last, color=color, label=init)
                row[1].plot(s.iter, np.where(s.loss > 0, s.loss, np.nan), color=color, label=init)
            row[0].set(title=f"{net_title(net)}: eps-rank", xlabel="step", ylabel="eps-rank")
            row[1].set(title=f"{net_title(net)}: loss", xlabel="step", ylabel="MSE", yscale="log")
            row[0].legend(frameon=False)
        fig.suptitle("Deterministic vs default initialisation (paper 000 Fig. 6)")
        run_dir.save_figure(fig, "init_1d")
