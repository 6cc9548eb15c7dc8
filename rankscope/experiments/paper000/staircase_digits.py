"""``staircase-digits``: paper 000 Example 2.7, Fig. 5 — the staircase in handwritten digit recognition.

The paper trains on MNIST (d = 784) with the cross-entropy loss
and "introduce[s] an intermediate hidden layer with 10 neurons, using the neurons in this layer as
sampling points for integration". We use scikit-learn's ``load_digits`` (1797 real 8 x 8 handwritten
digits, d = 64, bundled with scikit-learn: no download), pixels scaled to [0, 1], a stratified
train/test split with a fixed seed, and the tanh network

    x (64) -> z = tanh(W_z x + b_z) (10) -> L hidden tanh layers of width n -> logits = beta^T y_L (10).

The neuron functions of the last hidden layer are functions ``phi_i(x) = psi_i(z(x))`` of the 10-D
variable z, and the data's ``z_k = z(x_k)`` are the sampling points: the Gram matrix is the Monte Carlo
rule ``M_ij = (1/m) sum_k psi_i(z_k) psi_j(z_k)`` (eq. 4.1 with w_k = 1/m) over the m training images.
``rankscope.matrices.gram_matrices(model, "last", quadrature(X_train))`` computes exactly this: the hook
reads ``phi_i(x_k)``, which *is* ``psi_i(z_k)``, and ``quadrature`` without weights gives 1/m. (It is an
integral against the data distribution pushed forward to z, not against Lebesgue measure on a box.)
The paper gives no optimiser, width, depth or number of steps for Example 2.7; we choose full-batch
Adam (lr 1e-4), n = 50, L = 4 and the initialisation the paper describes in Sec. 2.2
(``w, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, our ``uniform_fan_in``); all are in ``DigitsConfig``.

Expected wall time on 2 cores (quick measured on a loaded machine; paper estimated, not
measured): quick (4000 steps) about 2 min, paper (20,000 steps, n = 100) about
15 min.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.checks import Check, at_least
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper000._common import loss_rates, rises_in_steps, stair_measures
from rankscope.experiments.paper000._fitting import last_layer_series
from rankscope.nets import ACTIVATIONS, INITIALISERS, BottleneckMLP
from rankscope.problems.digits import load_digits
from rankscope.sampling import quadrature
from rankscope.store import RunDir
from rankscope.train import Monitor, Trainer, parse_stages

__all__ = ["DigitsConfig", "StaircaseDigitsExperiment", "digits_checks", "digits_series"]


@dataclass(frozen=True)
class DigitsConfig(ExperimentConfig):
    """Configuration of ``staircase-digits`` (see module docstring; nothing here is from the paper
    except the 10-neuron sampling layer, the cross-entropy, tanh, eps = 1e-6 and the Sec. 2.2 init)."""

    width: int = 50
    depth: int = 4
    bottleneck: int = 10
    activation: str = choice("tanh", ACTIVATIONS)
    init: str = choice("uniform_fan_in", INITIALISERS)
    stages: tuple[tuple[str, int, float], ...] = (("adam", 4000, 1e-4),)
    test_fraction: float = 0.25
    eps: float = 1e-6
    every: int = 20
    checkpoint_every: int = 1000


class _Accuracy:
    """Trainer callback: records the monitor's measures plus train/test accuracy when due."""

    def __init__(self, monitor: Monitor, net: nn.Module, data: tuple[torch.Tensor, ...]) -> None:
        self.monitor, self.net, self.data = monitor, net, data

    def on_step(self, step: int, loss: float) -> None:
        if not self.monitor.due(step):
            return
        xtr, xte, ytr, yte = self.data
        with torch.no_grad():
            acc_tr = float((self.net(xtr).argmax(1) == ytr).double().mean())
            acc_te = float((self.net(xte).argmax(1) == yte).double().mean())
        self.monitor.record(step, loss=loss, train_accuracy=acc_tr, test_accuracy=acc_te)


def digits_series(records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Arrays ``iter, loss, eps_rank, test_accuracy, train_accuracy, spectrum`` from the metrics."""
    return last_layer_series(records, extra={k: k for k in ("test_accuracy", "train_accuracy")})["digits"]


def digits_measures(cfg: DigitsConfig, d: dict[str, np.ndarray]) -> dict[str, Any]:
    """The last layer's eps-rank at the start, end and maximum, the staircase's plateaus and the rise's
    duration, the loss decay rates where the eps-rank grows and where it is flat, the accuracies."""
    ranks = d["eps_rank"]
    first_max = int(np.argmax(ranks == ranks.max()))
    rise = (
        int(d["iter"][first_max] - d["iter"][int(np.argmax(ranks > ranks[0]))])
        if ranks.max() > ranks[0]
        else 0
    )
    return {
        "width": cfg.width,
        **stair_measures(ranks),
        "rise_duration_steps": rise,
        "total_steps": int(d["iter"][-1]),
        "initial_loss": float(d["loss"][0]),
        "final_loss": float(d["loss"][-1]),
        "final_test_accuracy": float(d["test_accuracy"][-1]),
        "final_train_accuracy": float(d["train_accuracy"][-1]),
        **loss_rates(d["iter"], d["loss"], ranks),
    }


def _rate_margin(m: dict[str, Any]) -> float:
    """The relative excess of the loss decay rate where the rank grows over the rate where it is flat;
    within 10% the two rates are not told apart (fragile), e.g. 6.27e-4 vs 6.15e-4 decades/step."""
    if not bool(np.isfinite(m["rate_growing"]) and np.isfinite(m["rate_flat"])):
        return -math.inf
    return at_least(m["rate_growing"], m["rate_flat"], scale=abs(m["rate_flat"]) or 1.0)


def digits_checks(cfg: DigitsConfig, d: dict[str, np.ndarray]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the recorded series: checks, measures."""
    measures = digits_measures(cfg, d)
    return evaluate_claims(StaircaseDigitsExperiment.claims, measures, cfg), measures


class StaircaseDigitsExperiment(Experiment[DigitsConfig]):
    name = "staircase-digits"
    Config = DigitsConfig

    claims = (
        Claim(
            "eps-rank starts near the dimension of affine functions of z",
            paper="after initialisation U(-1/sqrt n, 1/sqrt n) tanh neurons are nearly linear, so the "
            "eps-rank is about two for d = 1 (Sec. 2.2); here the neurons are functions of the 10-D z, so "
            "about d_z + 1",
            reads=("initial_eps_rank", "width"),
            criterion=lambda m, cfg: m["initial_eps_rank"] <= 2 * (cfg.bottleneck + 1),
            describe=lambda m, cfg: (
                f"initial eps-rank {m['initial_eps_rank']}/{cfg.width} (criterion: <= 2 (d_z + 1) = "
                f"{2 * (cfg.bottleneck + 1)}, as the staircase experiment's <= 4 for d = 1)"
            ),
        ),
        Claim(
            "eps-rank rises in steps",
            paper="the staircase phenomenon is evident in handwriting recognition (Example 2.7, Fig. 5)",
            reads=("plateau_levels", "rises_between_plateaus", "max_eps_rank", "monotone_fraction"),
            criterion=lambda m, cfg: rises_in_steps(m),
            describe=lambda m, cfg: (
                f"plateaus {m['plateau_levels']}, rise {m['initial_eps_rank']} -> {m['max_eps_rank']} over "
                f"{m['rise_duration_steps']} of {m['total_steps']} steps (criterion as for Fig. 2: >= 2 "
                "rises between plateaus lasting >= 2% of the records, >= 60% of consecutive plateaus going "
                "up, total rise >= 5)"
            ),
        ),
        Claim(
            "loss falls fastest where the eps-rank grows",
            paper="the loss decreases rapidly along with a significant growth of the eps-rank (Sec. 2.2, "
            "Ex. 2.7)",
            reads=("rate_growing", "rate_flat", "spearman"),
            criterion=lambda m, cfg: _rate_margin(m),
            describe=lambda m, cfg: (
                f"{m['rate_growing']:.2e} vs {m['rate_flat']:.2e} decades/step (Spearman "
                f"{m['spearman']:.2f}; mean log10-loss decay rate over windows of 2.5% of the records where "
                "the eps-rank grows vs where it does not, as for Fig. 2; criterion: faster where it grows, "
                f"margin {_rate_margin(m):+.3f}, fragile within 0.1)"
            ),
            band=0.1,
        ),
        Claim(
            "the classifier works",
            paper="handwriting recognition is learned (Example 2.7; the paper reports no accuracy)",
            reads=("final_test_accuracy",),
            criterion=lambda m, cfg: at_least(m["final_test_accuracy"], 0.9),
            describe=lambda m, cfg: (
                f"test accuracy {m['final_test_accuracy']:.3f} on {cfg.test_fraction:.0%} held-out digits "
                "(criterion > 0.9; chance 0.1)"
            ),
            band=0.01,
        ),
    )

    def run(self, cfg: DigitsConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        digits = load_digits(cfg.test_fraction, cfg.seed, split="stratified", dtype=torch.float64)
        xtr = digits.x_train.numpy()  # float64: the monitor's quadrature points
        data = (
            digits.x_train.to(torch.float32),
            digits.x_test.to(torch.float32),
            digits.y_train,
            digits.y_test,
        )
        stages = parse_stages(cfg.stages)

        def build(sink: RecordSink) -> Trainer:
            torch.manual_seed(cfg.seed)
            net = BottleneckMLP(
                xtr.shape[1],
                cfg.bottleneck,
                cfg.width,
                cfg.depth,
                10,
                cfg.activation,
                init=cfg.init,
                seed=cfg.seed,
            )
            monitor = Monitor(net, "last", quadrature(xtr), every=cfg.every, eps=cfg.eps, sink=sink)
            return Trainer(
                net,
                lambda m: nn.functional.cross_entropy(m(data[0]), data[2]),
                stages,
                [_Accuracy(monitor, net, data)],
            )

        total = sum(s.steps for s in stages)
        train_in_turn([Job("digits", build)], run_dir, total, progress, checkpoint_every=cfg.checkpoint_every)
        d = digits_series(run_dir.read_metrics())
        return Result(digits_measures(cfg, d), d)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure, plot_loss_and_rank

        d = digits_series(run_dir.read_metrics())
        fig, (ax, ax1, ax2) = new_figure(1, 3, figsize=(15, 4))
        plot_loss_and_rank(ax, d["iter"], d["loss"], d["eps_rank"])
        ax.set_title("cross-entropy (line) and eps-rank (dots)")
        head = d["iter"] <= max(d["iter"][-1] // 4, 1)
        plot_loss_and_rank(ax1, d["iter"][head], d["loss"][head], d["eps_rank"][head])
        ax1.set_title("the first quarter of training")
        ax2.plot(d["iter"], d["train_accuracy"], label="train")
        ax2.plot(d["iter"], d["test_accuracy"], label="test")
        ax2.set_xlabel("step")
        ax2.set_ylabel("accuracy")
        ax2.legend(frameon=False)
        fig.suptitle(
            "Paper 000 Fig. 5 on 8x8 digits: last hidden layer sampled at the 10-neuron layer's outputs"
        )
        run_dir.save_figure(fig, "staircase_digits")
