"""Paper 003: iterative vs structured solvers for ReLU mass matrices (``relu-preconditioning``,
``relu-solver``).

Paper 003 (analysis bullets): A and H are highly ill
conditioned, so iterative solvers struggle; "preconditioning strategies ... based on basis function
modifications" have limited effectiveness; the (numerically) low-rank off-diagonal blocks make fast
structured solvers feasible. The talk gives no figures or sizes; the sizes here are ours.

* ``relu-preconditioning``: CG iterations to backward error ``cg_tol`` against n for 1D ``A`` and ``H``
  (uniform breakpoints; none, Jacobi, basis change to hats/differences + Jacobi) and 2D ``A``
  (random neurons on [0,1]^2, quadrature; none, Jacobi, HSS); plus the 1D structured solver's time
  against n (log-log slope).
* ``relu-solver``: time, memory, backward error and fitted-function error of the 1D structured solver
  and 2D HSS-preconditioned CG against dense Cholesky (scipy ``cho_factor``/``cho_solve``).

Manufactured solutions: ``f = A c*`` with Gaussian ``c*``; the fitted-function error is
``||v_c - v_c*||_L2 / ||v_c*||_L2 = sqrt(e^T A e / c*^T A c*)``, ``e = c - c*``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.linalg
import scipy.sparse

from rankscope.analysis import loglog_slope
from rankscope.experiments.base import (
    Check,
    Experiment,
    ExperimentConfig,
    Progress,
    no_progress,
    register,
)
from rankscope.experiments.claims import Claim, Result
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
from rankscope.matrices.relu import heaviside_matrix, mass_2d, mass_matrix
from rankscope.nets.shallow_relu import uniform_breakpoints_1d
from rankscope.sampling import Interval
from rankscope.store import RunDir

__all__ = [
    "PreconditioningConfig",
    "PreconditioningExperiment",
    "SolverConfig",
    "SolverExperiment",
    "growth_check",
    "slope_check",
    "speed_check",
]


@dataclass(frozen=True)
class _ConfigClaim(Claim):
    """A claim whose reported name and paper text quote config values: ``title(cfg)`` and
    ``quote(cfg)`` (``name`` is then the claim's key in the table)."""

    title: Callable[[Any], str] | None = None
    quote: Callable[[Any], str] | None = None

    def evaluate(self, measures: Any, config: Any) -> Check:
        check = super().evaluate(measures, config)
        return dataclasses.replace(
            check,
            name=self.title(config) if self.title else check.name,
            paper=self.quote(config) if self.quote else check.paper,
        )


def quad_points(n: int) -> int:
    """Points per axis: ``ceil(2 sqrt(n))`` so the rule has about 4n points (A is then SPD)."""
    return int(np.ceil(2.0 * np.sqrt(n)))


def difference_basis(n: int) -> scipy.sparse.csc_matrix:
    """``h_j - h_{j+1}`` (indicator of ``[t_j, t_{j+1}]``) for j < n-1 and ``h_{n-1}``: the Heaviside
    analogue of the hat basis (first differences)."""
    main = np.ones(n)
    low = -np.ones(n - 1)
    return scipy.sparse.diags([main, low], [0, -1], format="csc")


def function_error(a: np.ndarray, c: np.ndarray, c_star: np.ndarray) -> float:
    e = c - c_star
    return float(np.sqrt(max(e @ a @ e, 0.0) / (c_star @ a @ c_star)))


def _cg_record(a, f, m, tol, maxiter):
    t0 = time.perf_counter()
    res = pcg(a, f, m, tol=tol, maxiter=maxiter)
    return res, time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------------


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


@register
class PreconditioningExperiment(Experiment):
    name = "relu-preconditioning"
    summary = "Paper 003: CG iterations vs n with/without preconditioners (1D A, H; 2D A) vs linear direct"
    paper = "paper 003, analysis bullets 2-4"
    Config = PreconditioningConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {
            "ns_1d": (128, 256, 512, 1024, 2048),
            "ns_2d": (256, 512, 1024, 2048),
            "ns_time": (16000, 64000, 256000, 1024000),
            "maxiter": 20000,
        },
    }
    claims = (
        _growth_claim("A1d", "1D A"),
        _growth_claim("H1d", "1D H"),
        _growth_claim("A2d", "2D A"),
        Claim(
            "1D structured direct solver cost is linear in n",
            paper="fast direct solvers exploit the low-rank off-diagonal structure (bullet 4): O(n) in 1D",
            reads=("solve1d_slope",),
            criterion=lambda m, cfg: m["solve1d_slope"] < 1.3,  # slope_check's limit
            describe=lambda m, cfg: (
                f"log-log slope of solve time vs n = {m['solve1d_slope']:.2f} over n = "
                f"{list(cfg.ns_time)} (criterion < 1.3)"
            ),
            when=lambda cfg: len(cfg.ns_time) >= 2,
        ),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: PreconditioningConfig = config
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
                    res, sec = _cg_record(mat, f, m, cfg.cg_tol, cfg.maxiter)
                    run_dir.append_metrics(
                        {
                            "case": kind,
                            "n": n,
                            "method": pname,
                            "iterations": res.iterations,
                            "converged": res.converged,
                            "backward_error": backward_error(mat, res.x, f, ord=2),
                            "function_error": function_error(mat, res.x, c_star),
                            "seconds": sec,
                        }
                    )
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
                res, sec = _cg_record(a, f, m, cfg.cg_tol, cfg.maxiter)
                run_dir.append_metrics(
                    {
                        "case": "A2d",
                        "n": n,
                        "method": pname,
                        "iterations": res.iterations,
                        "converged": res.converged,
                        "backward_error": backward_error(a, res.x, f, ord=2),
                        "function_error": function_error(a, res.x, c_star),
                        "seconds": sec,
                        "ranks": fac.level_ranks if pname == "hss" else None,
                    }
                )
            done += 1
            progress("2D", done, total)
        _warm_up_1d()
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


def _warm_up_1d() -> None:
    """Run the 1D solver once so that one-off compilation is not timed."""
    for signs in ("same", "mixed"):
        op = ReluMassSolver1D(uniform_breakpoints_1d(16, signs=signs))
        op.solve(op.matvec(np.ones(16)))


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------------


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
        _ConfigClaim(
            f"{label} faster than dense Cholesky at the largest n",
            paper="structure makes fast direct/preconditioned solvers feasible (bullet 4); a target "
            "speed-up at the largest n of this preset",
            reads=(case,),
            criterion=lambda m, cfg: _speed(case, m, cfg)[0],
            describe=lambda m, cfg: _speed_text(case, m, cfg),
            title=lambda cfg: f"{label} faster than dense Cholesky at n = {max(getattr(cfg, f'ns_{case}'))}",
            quote=lambda cfg: (
                "structure makes fast direct/preconditioned solvers feasible (bullet 4); "
                f"target speed-up >= {_target_speedup(case, cfg):g}x at the largest n of this preset"
            ),
        ),
        _ConfigClaim(
            f"{label} reaches the backward error cg_tol",
            paper="a reliable solver: backward error near the target for every n",
            reads=(case,),
            criterion=lambda m, cfg: max(r["structured_backward_error"] for r in m[case]) <= cfg.cg_tol,
            describe=lambda m, cfg: _backward_text(case, m),
            title=lambda cfg: f"{label} reaches backward error {cfg.cg_tol:g}",
        ),
    )


@register
class SolverExperiment(Experiment):
    name = "relu-solver"
    summary = "Paper 003: structured solvers (1D O(n), 2D HSS-PCG) vs dense Cholesky: time, memory, errors"
    paper = "paper 003, analysis bullet 4"
    Config = SolverConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {"ns_1d": (2000, 4000, 8000), "ns_2d": (2048, 4096, 8192), "target_speedup": 5.0},
    }
    claims = (*_solver_claims("1d"), *_solver_claims("2d"))

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: SolverConfig = config
        rng = np.random.default_rng(cfg.seed)
        total, done = len(cfg.ns_1d) + len(cfg.ns_2d), 0
        _warm_up_1d()
        for n in cfg.ns_1d:
            net = uniform_breakpoints_1d(n, signs="mixed")
            a = mass_matrix(net, Interval(0.0, 1.0))
            c_star = rng.standard_normal(n)
            f = a @ c_star
            t0 = time.perf_counter()
            x = ReluMassSolver1D(net).solve(f)
            t_s = time.perf_counter() - t0
            self._dense_and_record(run_dir, "1d", n, a, f, c_star, x, t_s, {"bytes": 0})
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
            self._dense_and_record(run_dir, "2d", n, a, f, c_star, res.x, t_s, extra)
            done += 1
            progress("2D", done, total)
        return self.summarise(cfg, run_dir)

    @staticmethod
    def _dense_and_record(run_dir, case, n, a, f, c_star, x, t_s, extra) -> None:
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

    def summarise(self, cfg: SolverConfig, run_dir: RunDir) -> Result:
        recs = run_dir.read_metrics()
        measures = {
            case: sorted((r for r in recs if r["case"] == case), key=lambda r: r["n"])
            for case in SOLVER_CASES
        }
        return Result(measures)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        recs = run_dir.read_metrics()
        fig, axes = new_figure(1, 3, figsize=(16, 4))
        for case, mk in (("1d", "o"), ("2d", "s")):
            rows = sorted((r for r in recs if r["case"] == case), key=lambda r: r["n"])
            if not rows:
                continue
            ns = [r["n"] for r in rows]
            axes[0].loglog(ns, [r["structured_seconds"] for r in rows], mk + "-", label=f"{case} structured")
            axes[0].loglog(ns, [r["dense_seconds"] for r in rows], mk + "--", label=f"{case} dense Cholesky")
            axes[1].semilogy(
                ns, [r["structured_backward_error"] for r in rows], mk + "-", label=f"{case} struct."
            )
            axes[1].semilogy(ns, [r["dense_backward_error"] for r in rows], mk + "--", label=f"{case} dense")
            axes[2].semilogy(
                ns, [r["structured_function_error"] for r in rows], mk + "-", label=f"{case} struct."
            )
            axes[2].semilogy(ns, [r["dense_function_error"] for r in rows], mk + "--", label=f"{case} dense")
        for ax, title in zip(axes, ("time (s)", "backward error", "fitted-function error"), strict=True):
            ax.set_title(title)
            ax.set_xlabel("n")
            ax.legend(fontsize=7)
        run_dir.save_figure(fig, "relu_solver")
