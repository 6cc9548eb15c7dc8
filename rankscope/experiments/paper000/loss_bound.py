"""``loss-bound``: paper 000 Section 3, Theorems 3.2-3.3 — the eps-rank reduction and the loss bound.

Theorems 3.2 and 3.3 computed along a training run of Example 2.6 (the ``staircase`` set-up:
f(x) = cos x + cos 2x + cos 30x on [-1, 1], tanh MLP, full-batch Adam on the MSE). At each recorded
step, with the Gram matrix M of the last hidden layer (Gauss-Legendre, eq. 4.1), beta = the output
weights and each eps: p = r_eps(M), the Theorem 3.2 approximation f~ of u_n and both sides of
``||u_n - f~||^2 <= C (p+1)(n-p)^2 eps`` (C = ||beta||^2); and the lower bound (3.4) with G = I,
C_S = 1 (Remark 3.4) and dist(u*, F_p) by least squares over the p kept neurons, beside the measured
``sqrt(L(u_n)) = ||u_n - u*||`` (same quadrature; the paper's L of eq. 3.2, not the training MSE,
which is recorded too). See ``rankscope.linalg.loss_bound`` for why that dist makes (3.4) valid; the
per-state computation and its records are in ``_bounds.py``.

Expected wall time on 2 cores: quick about 2 min (measured, 80-130 s on a loaded machine); paper not timed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper000._bounds import BoundRecorder, bound_series
from rankscope.experiments.paper000._fitting import fitting_presets
from rankscope.linalg import SELECTION_METHODS
from rankscope.nets import ACTIVATIONS, INITIALISERS, MLP
from rankscope.problems import staircase_target
from rankscope.sampling import gauss_legendre, trapezoid
from rankscope.store import RunDir
from rankscope.train import Trainer, parse_stages

__all__ = ["LossBoundConfig", "LossBoundExperiment", "loss_bound_checks"]


@dataclass(frozen=True)
class LossBoundConfig(ExperimentConfig):
    """Configuration of ``loss-bound`` (the ``staircase`` set-up of Example 2.6, one network)."""

    depth: int = 2
    width: int = 50
    activation: str = choice("tanh", ACTIVATIONS)
    init: str = choice("xavier", INITIALISERS)
    stages: tuple[tuple[str, int, float], ...] = (("adam", 6000, 1e-3),)
    train_points: int = 1000
    quadrature_points: int = 1000
    eps: tuple[float, ...] = (1e-4, 1e-6, 1e-8)
    selection: str = choice("qr", SELECTION_METHODS)
    every: int = 50
    checkpoint_every: int = 1000


def _positive(a: np.ndarray) -> np.ndarray:
    """Log scale: mask the non-positive values, never clip them."""
    out: np.ndarray = np.where(a > 0, a, np.nan)
    return out


def _eps_keys(d: dict[str, np.ndarray]) -> list[str]:
    return sorted({k.split("/")[0] for k in d if "/" in k}, key=float, reverse=True)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def loss_bound_measures(cfg: LossBoundConfig, d: dict[str, np.ndarray]) -> dict[str, Any]:
    """Per eps: whether Theorem 3.2's inequality, Lemma 3.1's bound and the lower bound (3.4) hold at
    every recorded step, how loose the bound is, how the eps-rank p and dist(u*, F_p) correlate."""
    keys = _eps_keys(d)
    sq = d["sqrt_l2_loss"]
    measures: dict[str, Any] = {"records": len(sq), "final_sqrt_l2_loss": float(sq[-1])}
    for k in keys:
        err, bnd = d[f"{k}/error"], d[f"{k}/bound"]
        pos = err > 0
        ratio = bnd[pos] / err[pos]
        v22, lem = d[f"{k}/v22_inv_norm_sq"], d[f"{k}/lemma_bound"]
        lb, lba = d[f"{k}/lower_bound"], d[f"{k}/lower_bound_achieved"]
        p, dist = d[f"{k}/p"], d[f"{k}/dist"]
        grow = int(np.argmax(p == p.max())) + 1  # records up to the first at the largest eps-rank
        measures[f"eps={k}"] = {
            "p_initial": int(p[0]),
            "p_final": int(p[-1]),
            "theorem32_holds_at_every_step": bool(np.all(err <= bnd)),
            "lemma31_met_at_every_step": bool(np.all(v22 <= lem * (1 + 1e-12))),
            "lower_bounds_below_sqrt_loss_at_every_step": bool(np.all(lb <= sq) and np.all(lba <= sq)),
            "bound_over_error_median": float(np.median(ratio)) if ratio.size else float("nan"),
            "bound_over_error_min": float(ratio.min()) if ratio.size else float("nan"),
            "bound_over_error_max": float(ratio.max()) if ratio.size else float("nan"),
            "steps_with_zero_error": int((~pos).sum()),
            "v22_inv_norm_sq_max": float(v22.max()),
            "v22_over_lemma_max": float(np.max(np.where(lem > 0, v22 / np.where(lem > 0, lem, 1), 0.0))),
            "v22_over_n_max": float(v22.max() / cfg.width),  # the paper's conjecture: <= n is sharp
            "lower_bound_nonvacuous_steps": int((lb > 0).sum()),
            "lower_bound_over_sqrt_loss_max": float(np.max(lb / sq)),
            "lower_bound_achieved_over_sqrt_loss_median": float(np.median(lba / sq)),
            "spearman_p_dist_growth_phase": _spearman(p[:grow], dist[:grow]),
            "growth_phase_records": grow,
            "spearman_p_dist_whole_run": _spearman(p, dist),
            # Remark 3.6 (pruning): the p kept neurons, refitted, approximate u* as well as all n do
            "final_dist_over_sqrt_loss": float(dist[-1] / sq[-1]),
        }
    return measures


def _eps_measures(m: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-eps measures by eps (``"1e-06"``), largest eps first."""
    return {k.removeprefix("eps="): v for k, v in m.items() if k.startswith("eps=")}


def _main_eps(m: dict[str, Any]) -> str:
    """The eps of the Remark 3.5 claim: 1e-6, else the largest recorded."""
    keys = list(_eps_measures(m))
    return f"{1e-6:g}" if f"{1e-6:g}" in keys else keys[0]


def _for_every_eps(test: Callable[[dict[str, Any]], Any]) -> Callable[[Any, Any], bool]:
    """The criterion "``test`` holds at every eps"."""
    return lambda m, cfg: all(test(e) for e in _eps_measures(m).values())


def _per_eps(m: dict[str, Any], text: Callable[[dict[str, Any]], str]) -> str:
    """``"eps=1e-04: ...; eps=1e-06: ..."``, ``text`` of each eps's measures."""
    return "; ".join(f"eps={k}: {text(e)}" for k, e in _eps_measures(m).items())


def _verdict(flag: bool) -> str:
    return "holds" if flag else "FAILS"


def _describe_lower_bound(m: dict[str, Any]) -> str:
    return (
        _per_eps(
            m,
            lambda e: (
                f"{_verdict(e['lower_bounds_below_sqrt_loss_at_every_step'])}, non-vacuous (> 0) at "
                f"{e['lower_bound_nonvacuous_steps']}/{m['records']} steps, max bound/sqrt(L) "
                f"{e['lower_bound_over_sqrt_loss_max']:.3f}"
            ),
        )
        + " (dist by least squares over the p kept neurons; also checked with the achieved ||u_p - u_n||)"
    )


def _describe_dist_falls(m: dict[str, Any]) -> str:
    main = _main_eps(m)
    mm = m[f"eps={main}"]
    return (
        f"Spearman correlation of p and dist at eps={main}: {mm['spearman_p_dist_growth_phase']:.2f} over "
        f"the rank-growth phase (the first {mm['growth_phase_records']} of {m['records']} records, up to "
        f"the first at the largest p; criterion: <= -0.5); over the whole run "
        f"{mm['spearman_p_dist_whole_run']:.2f} (once p saturates, our least-squares dist keeps falling at "
        "fixed p as the inner parameters are tuned, while the paper's dist(u*, F_p) depends on p only)"
    )


def _dist_falls(m: dict[str, Any]) -> bool:
    rho = m[f"eps={_main_eps(m)}"]["spearman_p_dist_growth_phase"]
    return bool(np.isfinite(rho) and rho <= -0.5)


def loss_bound_checks(cfg: LossBoundConfig, d: dict[str, np.ndarray]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the recorded series: checks, measures."""
    measures = loss_bound_measures(cfg, d)
    return evaluate_claims(LossBoundExperiment.claims, measures, cfg), measures


class LossBoundExperiment(Experiment[LossBoundConfig]):
    name = "loss-bound"
    Config = LossBoundConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = fitting_presets(6000, 30000, every=(50, 100))

    claims = (
        Claim(
            "Theorem 3.2 inequality holds",
            paper="||f - f~||^2 <= C (p+1)(n-p)^2 eps with C = ||beta||^2, p = r_eps(M) (Theorem 3.2)",
            reads=("theorem32_holds_at_every_step", "records"),
            criterion=_for_every_eps(lambda e: e["theorem32_holds_at_every_step"]),
            describe=lambda m, cfg: (
                _per_eps(m, lambda e: _verdict(e["theorem32_holds_at_every_step"]))
                + f" at every one of {m['records']} recorded steps (f = u_n, f~ from the pivoted-QR "
                "permutation)"
            ),
        ),
        Claim(
            "Lemma 3.1 bound met by the pivoted-QR permutation",
            paper="some permutation P gives ||V22^{-1}||^2 <= (p+1)(n-p) (Lemma 3.1, used in Thm 3.2's "
            "proof)",
            reads=("lemma31_met_at_every_step", "v22_over_lemma_max"),
            criterion=_for_every_eps(lambda e: e["lemma31_met_at_every_step"]),
            describe=lambda m, cfg: (
                _per_eps(m, lambda e: f"max ||V22^-1||^2 / ((p+1)(n-p)) = {e['v22_over_lemma_max']:.3f}")
                + " (holds if <= 1 at every step)"
            ),
        ),
        Claim(
            "the bound of Theorem 3.2 is loose",
            paper="the bound established in the theorem is quite loose (remark after Theorem 3.2)",
            reads=("bound_over_error_median", "bound_over_error_min", "bound_over_error_max"),
            criterion=_for_every_eps(lambda e: e["bound_over_error_median"] >= 10),
            describe=lambda m, cfg: (
                _per_eps(
                    m,
                    lambda e: (
                        f"bound/achieved median {e['bound_over_error_median']:.2g} (range "
                        f"{e['bound_over_error_min']:.2g}-{e['bound_over_error_max']:.2g})"
                    ),
                )
                + " (criterion: median >= 10 for every eps)"
            ),
        ),
        Claim(
            "lower bound (3.4) is below the measured sqrt(loss)",
            paper="sqrt(L(u_n)) >= (dist(u*, F_p) - sqrt(C (p+1)(n-p)^2 eps)) / C_S, with G = I, C_S = 1 "
            "(Thm 3.3)",
            reads=(
                "lower_bounds_below_sqrt_loss_at_every_step",
                "lower_bound_nonvacuous_steps",
                "lower_bound_over_sqrt_loss_max",
            ),
            criterion=_for_every_eps(lambda e: e["lower_bounds_below_sqrt_loss_at_every_step"]),
            describe=lambda m, cfg: _describe_lower_bound(m),
        ),
        Claim(
            "dist(u*, F_p) falls as the eps-rank grows",
            paper="to reduce the loss dist(u*, F_p) must decrease, implying an increase in the eps-rank "
            "(Remark 3.5)",
            reads=("spearman_p_dist_growth_phase", "growth_phase_records", "spearman_p_dist_whole_run"),
            criterion=lambda m, cfg: _dist_falls(m),
            describe=lambda m, cfg: _describe_dist_falls(m),
        ),
    )

    def run(self, cfg: LossBoundConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        problem = staircase_target()
        quad = gauss_legendre(problem.domain, cfg.quadrature_points)
        x, _ = trapezoid(problem.domain, cfg.train_points).to_torch(dtype=torch.float32)
        y = problem.target(x)
        target = problem.target(torch.as_tensor(np.array(quad.points)))[:, 0].numpy()
        stages = parse_stages(cfg.stages)

        def build(sink: RecordSink) -> Trainer:
            torch.manual_seed(cfg.seed)
            net = MLP(1, cfg.width, cfg.depth, act=cfg.activation, init=cfg.init, seed=cfg.seed)
            recorder = BoundRecorder(
                net, quad, target, sink, every=cfg.every, eps=cfg.eps, selection=cfg.selection
            )
            return Trainer(net, lambda m: problem.mse(m, x, y), stages, [recorder])

        total, jobs = sum(s.steps for s in stages), [Job("loss-bound", build)]
        train_in_turn(jobs, run_dir, total, progress, checkpoint_every=cfg.checkpoint_every)
        d = bound_series(run_dir.read_metrics())
        return Result(loss_bound_measures(cfg, d), d)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        d = bound_series(run_dir.read_metrics())
        keys = _eps_keys(d)
        it = d["iter"]
        fig, axes = new_figure(len(keys), 2, figsize=(11, 3.4 * len(keys)), squeeze=False)
        for (ax, ax2), k in zip(axes, keys, strict=True):
            ax.plot(it, _positive(d[f"{k}/bound"]), color="C3", label="C (p+1)(n-p)^2 eps (Thm 3.2)")
            ax.plot(
                it,
                _positive(d[f"{k}/intermediate_bound"]),
                color="C1",
                ls="--",
                label="C ||V22^-1||^2 sum tail",
            )
            ax.plot(it, _positive(d[f"{k}/error"]), color="C0", label="achieved ||u_n - f~||^2")
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_title(f"Theorem 3.2, eps = {k}")
            ax.legend(frameon=False, fontsize="small")
            ax2.plot(it, d["sqrt_l2_loss"], color="black", label="measured sqrt(L) = ||u_n - u*||")
            ax2.plot(it, d[f"{k}/lower_bound"], color="C3", label="lower bound (3.4)")
            ax2.plot(it, d[f"{k}/lower_bound_achieved"], color="C2", ls="--", label="dist - ||u_p - u_n||")
            ax2.axhline(0.0, color="grey", lw=0.6)
            ax2.set_ylim(bottom=max(-0.5, float(np.nanmin(d[f"{k}/lower_bound"])) - 0.05))
            ax2.set_xlabel("step")
            ax2.set_title(f"Theorem 3.3, eps = {k}")
            twin = ax2.twinx()
            twin.scatter(it, d[f"{k}/p"], s=6, c=it, cmap="viridis")
            twin.set_ylabel("p = eps-rank")
            twin.set_ylim(bottom=0)
            handles, labels = ax2.get_legend_handles_labels()  # on the twin, above its dots
            twin.legend(handles, labels, fontsize="small", loc="upper center", framealpha=0.9)
        fig.suptitle("Paper 000 Section 3 along training of Example 2.6 (f = cos x + cos 2x + cos 30x)")
        run_dir.save_figure(fig, "loss_bound")
