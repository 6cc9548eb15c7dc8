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

from typing import Any, ClassVar

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
    summary = (
        "Paper 003 ref. [1] / SgGN notes: structure-guided Gauss-Newton vs Adam and L-BFGS on a step, a "
        "transition layer, a smooth 1D function and a 2D line jump"
    )
    paper = "paper 003 (ref. [1]) and sggn-notes.md"
    Config = SgGNConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {
            "neurons_1d": 24,
            "neurons_2d": 16,
            "sggn_iterations": 100,
            "adam_steps": 2000,
            "lbfgs_iterations": 300,
            "panels_1d": 128,
            "panels_2d": 24,
            "record_every": 20,
            "checkpoint_every": 500,
        },
        "paper": {},
    }
    claims = SGGN_CLAIMS
    # On the step, breakpoints coalesce at the jump and opposite neurons pair up, so the hyperplanes
    # stop being distinct and Cholesky fails; L-BFGS can be ahead on the 2D line jump at equal time
    # (though behind after 100 SgGN iterations). The equal-time comparison with Adam is of wall-clock
    # times: reported, not asserted, since test workers share the cores (`rankscope bench` measures speed).
    not_reproduced: ClassVar[dict[str, frozenset[str]]] = {
        "quick": frozenset(
            {
                "A and Hhat positive definite along the SgGN run",
                "SgGN beats L-BFGS at equal wall time",
                "SgGN beats Adam at equal wall time",
            }
        )
    }

    diagnoses: ClassVar[dict[str, str]] = {
        "A and Hhat positive definite along the SgGN run": "fails at seeds 0, 1, 2 (quick). On the step "
        "(1D runs do not depend on the seed) 55 of 101 Cholesky factorisations of A and 52 of Hhat fail, "
        "from iteration 44 on. The cause is the notes' own assumption failing: the final network has "
        "six opposite-facing pairs sharing a breakpoint (t = 0.0655, 0.173, 0.543, 0.659, 0.704, 0.922, "
        "coefficients +-2e3..7e3) and one same-facing pair (0.6457); each opposite pair spans relu(x-t) "
        "and the affine x - t, so three or more pairs are linearly dependent and a same-facing pair gives "
        "equal columns (min eig A -5e-17). The pair at the jump itself (0.39998 / 0.40002) is not the "
        "problem. Tried: all neurons facing one way (signs 'same', offset 0.5 or 1) still fails (15/22, "
        "20/46 failures: unneeded neurons pair up anyway) and costs accuracy on the layer and smooth "
        "targets (1.4e-1, 4.2e-2 with offset 0.5); a line-search safeguard keeping every pair of "
        "hyperplanes 1e-6 apart (SgGNOptions.separation, config sggn_separation) keeps A and Hhat SPD "
        "(0/0 failures, min eig A 4e-12) but the one step length shared by all neurons then stalls: "
        "error 2.5e-2 instead of 1.3e-3 after 100 iterations. After the first singular A the least-squares "
        "fallback makes the run sensitive to rounding (the same run gives 7/17 or 55/52 failures and "
        "final error 1.3e-3 or 2.3e-3 with different BLAS threading). In 2D, Hhat fails 31 times at seed "
        "1 (hyperplanes meeting likewise), 0 at seeds 0 and 2. Nothing in the notes keeps hyperplanes "
        "distinct; a per-neuron remedy (merge or re-seed coinciding neurons) is left to a later issue",
        "SgGN iterations beat Adam steps": "holds at seeds 0 and 1, fails at seed 2: on line2d SgGN's "
        "line search finds no decrease after 27 iterations (error 0.114) while 2000 Adam steps reach "
        "0.101; at seeds 0/1 SgGN reaches 0.017 vs Adam 0.12/0.11. The 1D problems hold by 2.5x-33x at "
        "every seed (they do not depend on it). A 2D initialisation effect (random neurons), fragile",
        "SgGN beats L-BFGS at equal wall time": "a wall-clock comparison: 1D holds at every seed (ratio "
        "28-40 on step and layer, 1.6-1.8 on multifreq). On line2d the L-BFGS/SgGN ratio was 0.74 at "
        "seed 0 in one run and 1.89 at seed 0 in the next (1.78 seed 1, 1.39 seed 2): 100 SgGN "
        "iterations take 8-11 s and 300 L-BFGS iterations 8-17 s depending on what else shares the "
        "cores, and the errors are close (SgGN 0.017, L-BFGS 0.030 at the end), so the verdict flips "
        "with the load. At equal iterations-cost SgGN is ahead; L-BFGS is not the paper's failure mode "
        "here (it does not stall on the 2D jump at this size)",
        "SgGN beats Adam at equal wall time": "held at seeds 0-2 in these runs (line2d ratio 10.7, 10.2, "
        "1.69; 1D 2.6-39) but it is a wall-clock comparison between runs sharing 2 cores, so it is kept "
        "as not reproduced in quick (not asserted); seed 2's margin on line2d (1.69) comes from SgGN "
        "stopping early at 0.114, see 'SgGN iterations beat Adam steps'",
    }

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
