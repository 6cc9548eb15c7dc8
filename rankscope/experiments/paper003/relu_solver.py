"""``relu-solver``: structured solvers for the ReLU mass matrix A against dense Cholesky (paper 003,
analysis bullet 4: the low-rank off-diagonal blocks make fast structured solvers feasible).

Time, memory, backward error and fitted-function error of the O(n) 1D structured solver (mixed-sign
uniform breakpoints) and of 2D HSS-preconditioned CG (random neurons on [0,1]^2, quadrature) against
dense Cholesky (scipy ``cho_factor``/``cho_solve``); and the 2D least-squares fit of a kink target
with the exact matrices, structured (HODLR from entries, A never formed) against closed-form assembly
+ Cholesky (:mod:`rankscope.experiments.paper003._relu_solver_2d`). Manufactured solutions
``f = A c*`` with Gaussian ``c*`` (1D, 2D HSS); the fitted-function error is
:func:`~rankscope.experiments.paper003._common.function_error`. The talk gives no figures or sizes;
the sizes here are ours. Expected wall time on 2 cores: quick ~2.5 min (measured before the 2D fit
case, seeds 0-2: 99-159 s; the 2D fit adds ~15 s); paper ~20 min (estimated: dense Cholesky, HSS and
the HODLR fit at n = 8192, not run).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, no_progress
from rankscope.experiments.claims import Claim, Result
from rankscope.experiments.paper003._common import function_error, quad_points, warm_up_1d
from rankscope.experiments.paper003._relu_solver_2d import FIT_CASE, fit_2d_claims, fit_2d_record
from rankscope.linalg.structured import (
    HSSPreconditioner,
    ReluMassSolver1D,
    backward_error,
    hss_cholesky,
    hyperplane_ordering,
    pcg,
)
from rankscope.matrices.relu import mass_2d, mass_matrix
from rankscope.nets.shallow_relu import uniform_breakpoints_1d
from rankscope.sampling import Interval
from rankscope.store import RunDir

__all__ = ["SOLVER_CASES", "SolverConfig", "SolverExperiment", "speed_check"]


@dataclass(frozen=True)
class SolverConfig(ExperimentConfig):
    """Configuration of ``relu-solver`` (module docstring)."""

    ns_1d: tuple[int, ...] = (1000, 2000, 4000)
    ns_2d: tuple[int, ...] = (512, 1024, 2048)
    cg_tol: float = 1e-10
    maxiter: int = 2000
    hss_tol: float = 1e-4
    leaf_size: int = 128
    target_speedup: float = 1.0
    ns_fit: tuple[int, ...] = (512, 1024, 2048)
    fit_tol: float = 1e-12
    fit_leaf_size: int = 256
    fit_target_speedup: float = 5.0


def speed_check(dense_s: float, structured_s: float, target: float) -> tuple[bool, float]:
    """Holds if ``dense_s / structured_s >= target``; returns the ratio."""
    ratio = dense_s / structured_s
    return ratio >= target, ratio


SOLVER_CASES = {"1d": "1D structured solver", "2d": "2D HSS-PCG"}


def _target_speedup(case: str, cfg: SolverConfig) -> float:
    """The speed-up over dense Cholesky asked of a case: 5x in 1D, ``cfg.target_speedup`` in 2D."""
    return cfg.target_speedup if case == "2d" else 5.0


def _speed(case: str, m: Any, cfg: SolverConfig) -> tuple[bool, float]:
    last = m[case][-1]
    return speed_check(last["dense_seconds"], last["structured_seconds"], _target_speedup(case, cfg))


def _speed_text(case: str, m: Any, cfg: SolverConfig) -> str:
    last = m[case][-1]
    more = f", {last['iterations']} CG iterations, ranks per level {last['ranks']}" if case == "2d" else ""
    return (
        f"{_speed(case, m, cfg)[1]:.2f}x ({last['dense_seconds']:.3f} s dense vs "
        f"{last['structured_seconds']:.3f} s{more})"
    )


def _backward_text(case: str, m: Any) -> str:
    rows = m[case]
    return (
        f"max backward error {max(r['structured_backward_error'] for r in rows):.2e} over n = "
        f"{[r['n'] for r in rows]}; function errors "
        + ", ".join(f"{r['structured_function_error']:.1e}" for r in rows)
        + " (dense: "
        + ", ".join(f"{r['dense_function_error']:.1e}" for r in rows)
        + ")"
    )


def _solver_claims(case: str) -> tuple[Claim, Claim]:
    """The speed and the backward-error claims of one case (its measures: the records sorted by n)."""
    label = SOLVER_CASES[case]
    return (
        Claim(
            f"{label} faster than dense Cholesky at the largest n",
            paper="structure makes fast direct/preconditioned solvers feasible (bullet 4); a target "
            "speed-up at the largest n of this preset",
            reads=(case,),
            timing=True,
            criterion=lambda m, cfg: _speed(case, m, cfg)[0],
            describe=lambda m, cfg: _speed_text(case, m, cfg),
            title=lambda cfg: f"{label} faster than dense Cholesky at n = {max(getattr(cfg, f'ns_{case}'))}",
            quote=lambda cfg: (
                "structure makes fast direct/preconditioned solvers feasible (bullet 4); "
                f"target speed-up >= {_target_speedup(case, cfg):g}x at the largest n of this preset"
            ),
        ),
        Claim(
            f"{label} reaches the backward error cg_tol",
            paper="a reliable solver: backward error near the target for every n",
            reads=(case,),
            criterion=lambda m, cfg: max(r["structured_backward_error"] for r in m[case]) <= cfg.cg_tol,
            describe=lambda m, cfg: _backward_text(case, m),
            title=lambda cfg: f"{label} reaches backward error {cfg.cg_tol:g}",
        ),
    )


def _dense_and_record(
    run_dir: RunDir,
    case: str,
    n: int,
    a: np.ndarray,
    f: np.ndarray,
    c_star: np.ndarray,
    x: np.ndarray,
    t_s: float,
    extra: dict[str, Any],
) -> None:
    """Solve densely (Cholesky) too and append the record comparing it with the structured ``x``."""
    t0 = time.perf_counter()
    xd = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=True), f)
    t_d = time.perf_counter() - t0
    an = float(scipy.linalg.eigvalsh(a, subset_by_index=[n - 1, n - 1])[0])
    run_dir.append_metrics(
        {
            "case": case,
            "n": n,
            "structured_seconds": t_s,
            "dense_seconds": t_d,
            "structured_backward_error": backward_error(a, x, f, ord=2, anorm=an),
            "dense_backward_error": backward_error(a, xd, f, ord=2, anorm=an),
            "structured_function_error": function_error(a, x, c_star),
            "dense_function_error": function_error(a, xd, c_star),
            "dense_bytes": 8 * n * n,
            "structured_bytes": extra.pop("bytes"),
            **extra,
        }
    )


class SolverExperiment(Experiment[SolverConfig]):
    name = "relu-solver"
    Config = SolverConfig
    claims = (*_solver_claims("1d"), *_solver_claims("2d"), *fit_2d_claims())

    def run(self, cfg: SolverConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        rng = np.random.default_rng(cfg.seed)
        total, done = len(cfg.ns_1d) + len(cfg.ns_2d) + len(cfg.ns_fit), 0
        warm_up_1d()
        for n in cfg.ns_1d:
            net = uniform_breakpoints_1d(n, signs="mixed")
            a = mass_matrix(net, Interval(0.0, 1.0))
            c_star = rng.standard_normal(n)
            f = a @ c_star
            t0 = time.perf_counter()
            x = ReluMassSolver1D(net).solve(f)
            t_s = time.perf_counter() - t0
            _dense_and_record(run_dir, "1d", n, a, f, c_star, x, t_s, {"bytes": 0})
            done += 1
            progress("1D", done, total)
        for n in cfg.ns_2d:
            a, net = mass_2d(n, quad_points(n), cfg.seed)
            c_star = rng.standard_normal(n)
            f = a @ c_star
            t0 = time.perf_counter()
            perm = hyperplane_ordering(net.weights, net.biases, leaf_size=cfg.leaf_size)
            fac = hss_cholesky(a, perm, cfg.hss_tol, leaf_size=cfg.leaf_size, seed=cfg.seed)
            t_c = time.perf_counter() - t0
            res = pcg(a, f, HSSPreconditioner(fac), tol=cfg.cg_tol, maxiter=cfg.maxiter)
            t_s = time.perf_counter() - t0
            extra = {
                "bytes": fac.nbytes,
                "ranks": fac.level_ranks,
                "iterations": res.iterations,
                "converged": res.converged,
                "compress_seconds": t_c,
            }
            _dense_and_record(run_dir, "2d", n, a, f, c_star, res.x, t_s, extra)
            done += 1
            progress("2D", done, total)
        for n in cfg.ns_fit:
            fit_2d_record(run_dir, n, cfg.seed, cfg.fit_tol, cfg.fit_leaf_size)
            done += 1
            progress("2D fit", done, total)
        return self.summarise(cfg, run_dir)

    def summarise(self, cfg: SolverConfig, run_dir: RunDir) -> Result:
        recs = run_dir.read_metrics()
        measures = {
            case: sorted((r for r in recs if r["case"] == case), key=lambda r: r["n"])
            for case in (*SOLVER_CASES, FIT_CASE)
        }
        return Result(measures)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        recs = run_dir.read_metrics()
        fig, axes = new_figure(1, 3, figsize=(16, 4))
        for case, mk in (("1d", "o"), ("2d", "s"), (FIT_CASE, "^")):
            rows = sorted((r for r in recs if r["case"] == case), key=lambda r: r["n"])
            if not rows:
                continue
            ns = [r["n"] for r in rows]
            for ax, key in zip(axes[1:], ("backward_error", "function_error"), strict=True):
                ax.semilogy(ns, [r[f"structured_{key}"] for r in rows], mk + "-", label=f"{case} struct.")
                ax.semilogy(ns, [r[f"dense_{key}"] for r in rows], mk + "--", label=f"{case} dense")
            axes[0].loglog(ns, [r["structured_seconds"] for r in rows], mk + "-", label=f"{case} structured")
            axes[0].loglog(ns, [r["dense_seconds"] for r in rows], mk + "--", label=f"{case} dense Cholesky")
        for ax, title in zip(axes, ("time (s)", "backward error", "fitted-function error"), strict=True):
            ax.set_title(title)
            ax.set_xlabel("n")
            ax.legend(fontsize=7)
        run_dir.save_figure(fig, "relu_solver")
