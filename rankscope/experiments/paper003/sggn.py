"""``sggn``: structure-guided Gauss–Newton vs Adam and L-BFGS on shallow ReLU least squares.

Paper 003 (ref. [1]) and the method as specified in
``papers/sggn-notes.md`` ("What to show"). For each target of :mod:`rankscope.relu.targets`
— a 1D step, a 1D tanh transition layer, a smooth 1D multi-frequency function and a 2D jump along a
line — fit ``v = sum_i c_i relu(w_i . x + b_i)`` by

* SgGN (:func:`rankscope.relu.sggn.sggn_iterations`): linear step ``A c = f`` + layer Gauss–Newton step
  with Armijo line search; dense Cholesky for ``A`` and ``Hhat``, or the O(n) structured
  ``ReluMassSolver1D`` for ``A`` in 1D (``mass_solver_1d``);
* Adam and L-BFGS (torch, float64, strong-Wolfe line search) on all of ``(W, b, c)``,

from the same initialisation: uniform breakpoints with alternating orientation in 1D, random unit
normals through uniform points of the square in 2D (``random_neurons``), and ``c`` the L2 projection
(SgGN's first linear step, given to Adam and L-BFGS too). All three minimise the same quadrature loss:
in 1D a composite Gauss–Legendre rule on ``panels_1d`` cells split at the current breakpoints and at the
target's jump (exact for every network integral, Gauss-accurate for ``u``); in 2D a fixed tensor
composite Gauss–Legendre rule (``panels_2d`` x ``order_2d`` nodes per axis), whose error on ``||u||^2``
for the jump along the oblique line is reported in the measures.

In 2D a fixed rule can be over-fitted (a steep ramp along the jump placed between rows of nodes lowers
the quadrature loss below the true error), so every 2D record also carries ``rel_error_check``, the
relative error on an independent rule twice as fine per axis, and the checks use it.

Choices the notes leave open (ours): Adam with learning rate ``adam_lr`` (1e-3; 3e-3 and 1e-2 gave the
same picture on the quick preset); L-BFGS one iteration per ``step`` with ``max_eval=25`` and the absolute
tolerances switched off (torch's defaults leave the line search no trial step and stop it at J ~ 1e-3);
SgGN keeps every hyperplane inside the domain and normalises ``|w_i| = 1`` (see ``SgGNOptions``).

Records (metrics.jsonl, appended as training goes): loss J, relative L2 error, cumulative wall time,
the neurons; SgGN also the Cholesky success and smallest eigenvalue of ``A`` and of ``Hhat``. Each
(problem, method) run checkpoints every ``checkpoint_every`` steps; ``--resume`` truncates the records
after the checkpoint so none is duplicated.

The published talk abstract has no tables; the checks are ours, stated in each ``Check``.

Expected wall time on 2 cores: quick ~40 s (measured, seeds 0-2); paper ~45 min (estimated from
the quick sizes: 256 neurons, 10^4 Adam and 2000 L-BFGS steps per problem; not run).

The parts live beside this module: the config and problems (``_sggn_problems``), the training runs
(``_sggn_train``), the measures (``_sggn_measures``) and the claim table (``_sggn_claims``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rankscope.experiments._resume import Job, train_in_turn
from rankscope.experiments.base import Check, Experiment, Progress, no_progress
from rankscope.experiments.claims import Result, evaluate_claims
from rankscope.experiments.paper003._sggn_claims import SGGN_CLAIMS
from rankscope.experiments.paper003._sggn_measures import Series, quadrature_report, series, sggn_measures
from rankscope.experiments.paper003._sggn_problems import (
    METHODS,
    SgGNConfig,
    check_error,
    make_problem,
    make_target,
)
from rankscope.experiments.paper003._sggn_train import sggn_job, torch_job
from rankscope.sampling.adaptive import breakpoints_1d
from rankscope.store import RunDir

__all__ = ["SgGNConfig", "SgGNExperiment", "sggn_checks"]


COLOURS = {"sggn": "tab:blue", "adam": "tab:red", "lbfgs": "tab:green"}
NAMES = {"sggn": "SgGN", "adam": "Adam", "lbfgs": "L-BFGS"}


class SgGNExperiment(Experiment[SgGNConfig]):
    name = "sggn"
    Config = SgGNConfig
    claims = SGGN_CLAIMS

    def run(self, cfg: SgGNConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        steps = {"sggn": cfg.sggn_iterations, "adam": cfg.adam_steps, "lbfgs": cfg.lbfgs_iterations}
        jobs: list[Job] = []
        for problem in cfg.problems:
            target, rule, w0, b0 = make_problem(problem, cfg)
            fine = check_error(target, cfg)
            for method in METHODS:

                def extra(
                    rec: dict[str, Any], _p: str = problem, _m: str = method, _f: Any = fine
                ) -> dict[str, Any]:
                    if _f is not None:
                        rec = {
                            **rec,
                            "rel_error_check": _f(rec["weights"], rec["biases"], rec["coefficients"]),
                        }
                    return {"problem": _p, "method": _m, **rec}

                label = f"{problem}/{method}"
                if method == "sggn":
                    jobs.append(sggn_job(label, cfg, target, rule, w0, b0, extra))
                else:
                    jobs.append(torch_job(label, method, cfg, target, rule, w0, b0, steps[method], extra))
        totals = [steps[m] for _ in cfg.problems for m in METHODS]
        train_in_turn(jobs, run_dir, totals, progress, checkpoint_every=cfg.checkpoint_every, label_key="run")
        return self.summarise(cfg, run_dir)

    def summarise(self, cfg: SgGNConfig, run_dir: RunDir) -> Result:
        """The measures and arrays, from the run directory only."""
        data = series(run_dir.read_metrics())
        arrays: dict[str, np.ndarray] = {}
        for p, by_m in data.items():
            for m, d in by_m.items():
                for key in ("iter", "loss", "rel_error", "error", "time"):
                    arrays[f"{p}/{m}/{key}"] = d[key]
        measures = sggn_measures(cfg, data)
        measures["quadrature"] = quadrature_report(cfg, data)
        return Result(measures, arrays)

    def figures(self, run_dir: RunDir) -> None:
        """One figure per problem of the run, ``figures/sggn_<problem>.png``."""
        from rankscope.report import new_figure

        for p, by_m in series(run_dir.read_metrics()).items():
            fig, axes = new_figure(2, 3, figsize=(15, 8), squeeze=False)
            for m, d in by_m.items():
                c, lab = COLOURS.get(m), NAMES.get(m, m)
                x_iter = np.maximum(d["iter"], 1)
                axes[0, 0].loglog(x_iter, d["loss"], color=c, label=lab)
                axes[0, 1].loglog(x_iter, d["error"], color=c, label=lab)
                axes[1, 0].semilogy(d["time"], d["loss"], color=c, label=lab)
                axes[1, 1].semilogy(d["time"], d["error"], color=c, label=lab)
            error = "||v-u||/||u|| (2D: check rule)"
            axes[0, 0].set(xlabel="iteration (max(1, k))", ylabel="loss J", title=f"{p}: loss")
            axes[0, 1].set(xlabel="iteration (max(1, k))", ylabel=error, title="relative L2 error")
            axes[1, 0].set(xlabel="wall time [s]", ylabel="loss J", title="loss vs time")
            axes[1, 1].set(xlabel="wall time [s]", ylabel=error, title="error vs time")
            axes[0, 0].legend()
            _plot_final(axes[0, 2], axes[1, 2], p, by_m)
            fig.suptitle(f"SgGN vs Adam vs L-BFGS: {p}")
            run_dir.save_figure(fig, f"sggn_{p}")


def sggn_checks(cfg: SgGNConfig, data: Series) -> tuple[list[Check], dict[str, Any]]:
    """The claim table (sggn-notes "What to show") decided on the series ``data``: checks, measures."""
    measures = sggn_measures(cfg, data)
    return evaluate_claims(SgGNExperiment.claims, measures, cfg), measures


def _plot_final(ax_fit: Any, ax_bp: Any, problem: str, by_m: dict[str, Any]) -> None:
    """Final fits and breakpoints (1D) or hyperplanes (2D) over the target."""
    for m, d in by_m.items():
        w, b, c = d["final_weights"], d["final_biases"], d["final_coefficients"]
        if w.shape[1] == 1:
            xs = np.linspace(0.0, 1.0, 2001)[:, None]
            ax_fit.plot(xs[:, 0], np.maximum(xs @ w.T + b, 0) @ c, color=COLOURS.get(m), lw=1, label=NAMES[m])
            t = breakpoints_1d(w, b)
            ax_bp.plot(t, np.full(t.shape, list(by_m).index(m)), "|", ms=12, color=COLOURS.get(m))
        elif m in ("sggn", "adam"):
            ax = ax_fit if m == "sggn" else ax_bp
            xs = np.linspace(0.0, 1.0, 200)
            for wi, bi in zip(w, b, strict=True):
                if abs(wi[1]) > 1e-12:
                    ax.plot(xs, -(bi + wi[0] * xs) / wi[1], color=COLOURS.get(m), lw=0.6)
                else:
                    ax.axvline(-bi / wi[0], color=COLOURS.get(m), lw=0.6)
            ax.plot(xs, 0.5 * xs + 0.25, "k--", lw=1.5)
            ax.set(xlim=(0, 1), ylim=(0, 1), title=f"{NAMES[m]} final hyperplanes (dashed: the jump)")
    if next(iter(by_m.values()))["final_weights"].shape[1] == 1:
        tgt = make_target(problem, SgGNConfig())
        xs = np.linspace(0.0, 1.0, 2001)[:, None]
        ax_fit.plot(xs[:, 0], tgt(xs), "k--", lw=1, label="target (default parameters)")
        ax_fit.legend(fontsize=7)
        ax_fit.set(title="final fits", xlabel="x")
        for x0 in tgt.breaks:
            ax_bp.axvline(x0, color="k", ls="--", lw=1)
        ax_bp.set_yticks(range(len(by_m)), [NAMES[m] for m in by_m])
        ax_bp.set(xlim=(0, 1), xlabel="x", title="final breakpoints (dashed: target break)")
