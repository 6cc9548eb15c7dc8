"""``relu-preconditioning``: CG iterations against n, with and without preconditioners, for the ReLU
mass matrix A and the Heaviside matrix H (paper 003, analysis bullets 2-4).

Paper 003: A and H are highly ill conditioned, so iterative solvers struggle; "preconditioning
strategies ... based on basis function modifications" have limited effectiveness; the (numerically)
low-rank off-diagonal blocks make fast structured solvers feasible. The talk gives no figures or
sizes; the sizes here are ours.

CG iterations to backward error ``cg_tol`` against n for 1D ``A`` and ``H`` (uniform breakpoints;
none, Jacobi, basis change to hats/differences + Jacobi) and 2D ``A`` (random neurons on [0,1]^2,
quadrature; none, Jacobi, HSS); plus the 1D structured solver's time against n (log-log slope).
Expected wall time on 2 cores: quick ~1 min (measured, seeds 0-2: 46-62 s); paper ~1.5 min
(measured, seeds 0-2, one job beside another: 88-98 s). Manufactured solutions ``f = A c*`` with
Gaussian ``c*``; the fitted-function error is
:func:`~rankscope.experiments.paper003._common.function_error`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse

from rankscope.analysis import loglog_slope
from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, no_progress
from rankscope.experiments.claims import Claim, Result
from rankscope.experiments.paper003._common import function_error, quad_points, warm_up_1d
from rankscope.linalg.structured import (
    HSSPreconditioner,
    ReluMassSolver1D,
    backward_error,
    basis_change_preconditioner,
    hat_basis_1d,
    hss_cholesky,
    hyperplane_ordering,
    jacobi,
    pcg,
)
from rankscope.linalg.types import MatrixLike
from rankscope.matrices.relu import heaviside_matrix, mass_2d, mass_matrix
from rankscope.nets.shallow_relu import uniform_breakpoints_1d
from rankscope.sampling import Interval
from rankscope.store import RunDir

__all__ = [
    "PreconditioningConfig",
    "PreconditioningExperiment",
    "difference_basis",
    "growth_check",
    "slope_check",
]


@dataclass(frozen=True)
class PreconditioningConfig(ExperimentConfig):
    """Configuration of ``relu-preconditioning`` (module docstring)."""

    ns_1d: tuple[int, ...] = (64, 128, 256, 512)
    ns_2d: tuple[int, ...] = (128, 256, 512)
    ns_time: tuple[int, ...] = (16000, 64000, 256000)
    cg_tol: float = 1e-10
    maxiter: int = 4000
    hss_tol: float = 1e-4
    leaf_size: int = 64


def difference_basis(n: int) -> scipy.sparse.csc_matrix:
    """``h_j - h_{j+1}`` (indicator of ``[t_j, t_{j+1}]``) for j < n-1 and ``h_{n-1}``: the Heaviside
    analogue of the hat basis (first differences)."""
    main = np.ones(n)
    low = -np.ones(n - 1)
    return scipy.sparse.diags([main, low], [0, -1], format="csc")


def growth_check(counts: dict[str, list[int]], ns: list[int]) -> tuple[bool, str]:
    """Holds if every method's iteration count at the largest n exceeds that at the smallest n."""
    parts, grows = [], []
    for k, v in counts.items():
        grows.append(v[-1] > v[0])
        parts.append(f"{k}: {v[0]} -> {v[-1]}")
    return all(grows), "; ".join(parts) + f" (n = {ns[0]} -> {ns[-1]})"


def slope_check(ns: list[int], times: list[float], limit: float = 1.3) -> tuple[bool, float]:
    """Log-log least-squares slope of time against n; holds if ``< limit`` (linear cost)."""
    slope = loglog_slope(ns, times)
    return slope < limit, slope


def _growth(d: dict[str, Any]) -> tuple[bool, str]:
    """:func:`growth_check` of the preconditioned methods of one case's measures (``n``, ``iterations``)."""
    return growth_check({k: v for k, v in d["iterations"].items() if k != "none"}, d["n"])


def _growth_claim(case: str, label: str) -> Claim:
    return Claim(
        f"preconditioned CG iterations grow with n ({label})",
        paper="preconditioning by basis modification has limited effectiveness: iteration counts still "
        "grow with n (paper 003, bullet 3)",
        reads=(case,),
        criterion=lambda m, cfg: _growth(m[case])[0],
        describe=lambda m, cfg: _growth(m[case])[1] + f"; unpreconditioned {m[case]['iterations']['none']}",
    )


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _cg_record(
    case: str,
    n: int,
    method: str,
    a: np.ndarray,
    f: np.ndarray,
    m: MatrixLike | None,
    c_star: np.ndarray,
    cfg: PreconditioningConfig,
) -> dict[str, Any]:
    """Preconditioned CG on ``a x = f`` (preconditioner ``m``) and its metrics record."""
    t0 = time.perf_counter()
    res = pcg(a, f, m, tol=cfg.cg_tol, maxiter=cfg.maxiter)
    sec = time.perf_counter() - t0
    return {
        "case": case,
        "n": n,
        "method": method,
        "iterations": res.iterations,
        "converged": res.converged,
        "backward_error": backward_error(a, res.x, f, ord=2),
        "function_error": function_error(a, res.x, c_star),
        "seconds": sec,
    }


class PreconditioningExperiment(Experiment[PreconditioningConfig]):
    name = "relu-preconditioning"
    Config = PreconditioningConfig
    claims = (
        _growth_claim("A1d", "1D A"),
        _growth_claim("H1d", "1D H"),
        _growth_claim("A2d", "2D A"),
        Claim(
            "1D structured direct solver cost is linear in n",
            paper="fast direct solvers exploit the low-rank off-diagonal structure (bullet 4): O(n) in 1D",
            reads=("solve1d_slope",),
            timing=True,
            criterion=lambda m, cfg: m["solve1d_slope"] < 1.3,  # slope_check's limit
            describe=lambda m, cfg: (
                f"log-log slope of solve time vs n = {m['solve1d_slope']:.2f} over n = "
                f"{list(cfg.ns_time)} (criterion < 1.3)"
            ),
            when=lambda cfg: len(cfg.ns_time) >= 2,
        ),
    )

    def run(self, cfg: PreconditioningConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        rng = np.random.default_rng(cfg.seed)
        total = 2 * len(cfg.ns_1d) + len(cfg.ns_2d) + len(cfg.ns_time)
        done = 0
        for n in cfg.ns_1d:
            net = uniform_breakpoints_1d(n)
            t = net.breakpoints()
            c_star = rng.standard_normal(n)
            for kind, mat, basis in (
                ("A1d", mass_matrix(net, Interval(0.0, 1.0)), hat_basis_1d(t)),
                ("H1d", heaviside_matrix(net, Interval(0.0, 1.0)), difference_basis(n)),
            ):
                f = mat @ c_star
                pres = {"none": None, "jacobi": jacobi(mat), "basis": basis_change_preconditioner(basis, mat)}
                for pname, m in pres.items():
                    run_dir.append_metrics(_cg_record(kind, n, pname, mat, f, m, c_star, cfg))
                done += 1
                progress("1D", done, total)
        for n in cfg.ns_2d:
            a, net = mass_2d(n, quad_points(n), cfg.seed)
            c_star = rng.standard_normal(n)
            f = a @ c_star
            perm = hyperplane_ordering(net.weights, net.biases, leaf_size=cfg.leaf_size)
            fac = hss_cholesky(
                a, perm, cfg.hss_tol, leaf_size=cfg.leaf_size, seed=cfg.seed, root_size=cfg.leaf_size
            )
            for pname, m in (("none", None), ("jacobi", jacobi(a)), ("hss", HSSPreconditioner(fac))):
                ranks = fac.level_ranks if pname == "hss" else None
                run_dir.append_metrics({**_cg_record("A2d", n, pname, a, f, m, c_star, cfg), "ranks": ranks})
            done += 1
            progress("2D", done, total)
        warm_up_1d()
        for n in cfg.ns_time:
            op = ReluMassSolver1D(uniform_breakpoints_1d(n))
            f = op.matvec(rng.standard_normal(n))
            best = min(_timed(lambda op=op, f=f: op.solve(f)) for _ in range(5))
            run_dir.append_metrics({"case": "solve1d_time", "n": n, "seconds": best})
            done += 1
            progress("1D direct", done, total)
        return self.summarise(run_dir)

    def summarise(self, run_dir: RunDir) -> Result:
        recs = run_dir.read_metrics()
        measures: dict[str, Any] = {}
        for case in ("A1d", "H1d", "A2d"):
            rows = [r for r in recs if r["case"] == case]
            ns = sorted({r["n"] for r in rows})
            methods = [m for m in ("jacobi", "basis", "hss") if any(r["method"] == m for r in rows)]
            counts = {
                m: [next(r["iterations"] for r in rows if r["n"] == n and r["method"] == m) for n in ns]
                for m in ["none", *methods]
            }
            measures[case] = {"n": ns, "iterations": counts}
        trows = [r for r in recs if r["case"] == "solve1d_time"]
        if len(trows) >= 2:
            measures["solve1d_slope"] = slope_check([r["n"] for r in trows], [r["seconds"] for r in trows])[1]
        return Result(measures)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        recs = run_dir.read_metrics()
        fig, axes = new_figure(1, 4, figsize=(19, 4))
        for ax, case in zip(axes[:3], ("A1d", "H1d", "A2d"), strict=True):
            rows = [r for r in recs if r["case"] == case]
            for m in ("none", "jacobi", "basis", "hss"):
                pts = sorted((r["n"], r["iterations"], r["converged"]) for r in rows if r["method"] == m)
                if pts:
                    ax.loglog([p[0] for p in pts], [p[1] for p in pts], "o-", label=m)
                    bad = [p for p in pts if not p[2]]
                    ax.loglog([p[0] for p in bad], [p[1] for p in bad], "kx")
            ax.set_title(f"{case}: CG iterations to backward error (x: not converged)")
            ax.set_xlabel("n")
            ax.legend()
        rows = [r for r in recs if r["case"] == "solve1d_time"]
        if rows:
            axes[3].loglog([r["n"] for r in rows], [r["seconds"] for r in rows], "o-")
            axes[3].set_title("1D structured solve time")
            axes[3].set_xlabel("n")
        run_dir.save_figure(fig, "relu_preconditioning")
