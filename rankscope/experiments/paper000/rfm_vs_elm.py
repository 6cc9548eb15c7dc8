"""``rfm-vs-elm``: paper 000 Sec. 4.2, Example 4.3, Fig. 8 — random features with or without a partition.

Fit ``u* = cos x cos y + cos 10x cos 10y`` on ``[-1, 1]^2`` with 900 random tanh features, as the random
feature method (RFM: partition of unity by indicator functions of 3 x 3 subdomains, 100 features each on
the local variable) or as the extreme learning machine (ELM: 900 global features), the outer
coefficients by least squares (``rankscope.nets.random_features``). Fig. 8(f)'s eps-rank/error pairs
come from a sweep over feature counts.

Not stated in the paper, chosen here (``RfmVsElmConfig``): inner weights and biases ``U(-1, 1)`` on
the normalised variable (the RFM paper's ``R_m = 1``), the same for both methods; the fit minimises
the discrete L2 norm on a Gauss–Legendre rule with 20 nodes per subdomain and axis (also the Gram
rule), the error is measured on a finer rule (30 per subdomain and axis); the feature counts of the
sweep. The least-squares solver matters, so both are run and reported:

- ``truncated_svd`` (the configured primary solver): the least-squares solution restricted to the
  singular directions with ``sigma^2 > eps``, i.e. exactly the eps-rank directions of the mass matrix;
  the paper's notion of the usable, eps-linearly independent part of the features. (A float32
  ``lstsq``, PyTorch's default precision, behaves alike: it cannot use directions far below eps.)
- ``lstsq``: float64 minimum-norm least squares (LAPACK ``gelsd``) with the cut-off ``lstsq_rcond``:

  - ``"numpy"`` (default): singular values above ``eps_float64 x max(m, N) x sigma_max``, the default
    of ``numpy.linalg.lstsq`` and ``torch.linalg.lstsq`` (what "the least squares method" computes
    in a NumPy or PyTorch code, and the usual numerical-rank cut-off). RFM fits better: 2.3e-5 vs
    3.5e-4 (seed 0; seeds 1, 2: 1.9e-5 vs 3.2e-4, 2.1e-5 vs 3.9e-4).
  - ``"scipy"``: ``scipy.linalg.lstsq``'s default, machine epsilon x sigma_max, 3600x lower. ELM's
    directions between 2.2e-16 and 8e-13 relative to sigma_max, at the rounding level of float64
    itself, then still help it: ELM 7.0e-6 vs RFM 2.3e-5 (seed 0), the paper's claim fails. These
    errors are always measured too (``lstsq_machine_eps`` in the records).

Expected wall time on 2 cores (quick measured on a loaded machine; paper estimated, not
measured): quick about 1 min, paper (10 counts x 3 seeds) about 10 min.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from rankscope.analysis import loglog_slope
from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.nets import ACTIVATIONS
from rankscope.nets.random_features import SOLVERS, RandomFeatureModel
from rankscope.sampling import Box, Interval, Quadrature, gauss_legendre, tensor_product, uniform_grid
from rankscope.store import RunDir

__all__ = ["LSTSQ_RCONDS", "RfmVsElmConfig", "RfmVsElmExperiment", "lstsq_cutoff", "rfm_checks"]

#: the relative singular-value cut-offs of the ``lstsq`` solver (module docstring)
LSTSQ_RCONDS = ("numpy", "scipy")


def lstsq_cutoff(rule: str, m: int, n: int) -> float | None:
    """The ``rcond`` of ``RandomFeatureModel`` for an ``(m, n)`` system under ``rule``: ``"numpy"``
    gives ``eps_float64 x max(m, n)`` (numpy's and torch's default), ``"scipy"`` gives ``None``
    (scipy's default, machine epsilon).

    Example:
        >>> lstsq_cutoff("numpy", 3600, 900) == float(np.finfo(np.float64).eps) * 3600
        True
        >>> lstsq_cutoff("scipy", 3600, 900) is None
        True
    """
    if rule not in LSTSQ_RCONDS:
        raise ValueError(f"lstsq_rcond must be one of {list(LSTSQ_RCONDS)}; got {rule!r}")
    return float(np.finfo(np.float64).eps) * max(m, n) if rule == "numpy" else None


@dataclass(frozen=True)
class RfmVsElmConfig(ExperimentConfig):
    """Configuration of ``rfm-vs-elm`` (see the module docstring for what we chose)."""

    n_features: int = 900
    partition: tuple[int, int] = (3, 3)
    counts: tuple[int, ...] = (90, 225, 450, 900)  # the sweep of Fig. 8(f)
    seeds: tuple[int, ...] = (0,)  # offsets to the run's ``seed``: the inner parameters' seeds
    activation: str = choice("tanh", ACTIVATIONS)
    weight_scale: float = 1.0
    solver: str = choice(
        "truncated_svd", SOLVERS
    )  # primary solver (figures, checks); both are always reported
    lstsq_rcond: str = choice("numpy", LSTSQ_RCONDS)  # the lstsq cut-off (module docstring)
    eps: float = 1e-6
    fit_points: int = 20  # Gauss–Legendre nodes per subdomain per axis: fit and Gram rule
    error_points: int = 30  # per subdomain per axis: relative L2 error
    map_points: int = 101  # per axis: solution and error maps


def _fig8_target(x: np.ndarray) -> np.ndarray:
    """``u* = cos x cos y + cos 10x cos 10y`` (paper 000 Example 4.3)."""
    u: np.ndarray = np.cos(x[:, 0]) * np.cos(x[:, 1]) + np.cos(10 * x[:, 0]) * np.cos(10 * x[:, 1])
    return u


def _aligned_rule(domain: Box, n: int, partition: tuple[int, ...]) -> Quadrature:
    """Tensor Gauss–Legendre rule with panels on the subdomain grid (no node on a jump of psi_i)."""
    rules = [
        gauss_legendre(Interval(lo, hi), n, panels=p)
        for lo, hi, p in zip(domain.lows, domain.highs, partition, strict=True)
    ]
    return tensor_product(*rules)


def _lower_error_claim(solver: str) -> Claim:
    """The accuracy claim with the outer weights by least-squares ``solver``."""
    return Claim(
        f"RFM has a lower L2 error ({solver})",
        paper="the RFM's higher eps-rank gives a higher accuracy than the ELM with the same neurons "
        "(Fig. 8(a)-(e)); outer weights by least squares",
        reads=(f"RFM_error_{solver}", f"ELM_error_{solver}", "seeds_at_n_features"),
        criterion=lambda m, cfg: _rfm_lower_error(m, cfg, solver),
        describe=lambda m, cfg: _describe_lower_error(m, cfg, solver),
    )


#: the accuracy claim's solvers, the default primary solver first
_CLAIM_SOLVERS = (RfmVsElmConfig.solver, *[s for s in SOLVERS if s != RfmVsElmConfig.solver])


class RfmVsElmExperiment(Experiment[RfmVsElmConfig]):
    name = "rfm-vs-elm"
    Config = RfmVsElmConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {"counts": tuple(range(90, 901, 90)), "seeds": (0, 1, 2)},
    }

    claims = (
        Claim(
            "RFM has a higher eps-rank",
            paper="with the same number of neurons the RFM's features are more linearly independent, "
            "thanks to the compact support of each subdomain's features (Fig. 8(f))",
            reads=("RFM_eps_rank", "ELM_eps_rank"),
            criterion=lambda m, cfg: all(p["RFM_eps_rank"] > p["ELM_eps_rank"] for p in m["pairs"]),
            describe=lambda m, cfg: (
                "; ".join(
                    f"n={p['n_features']} seed {p['seed']}: RFM {p['RFM_eps_rank']} vs ELM "
                    f"{p['ELM_eps_rank']}"
                    for p in m["pairs"]
                )
                + " (criterion: RFM higher for every feature count and seed)"
            ),
        ),
        *(_lower_error_claim(solver) for solver in _CLAIM_SOLVERS),
        Claim(
            "error roughly inversely proportional to the eps-rank",
            paper="an approximate inverse proportional relationship between the eps-rank and the error "
            "(Fig. 8(f))",
            reads=("spearman_rank_error", "loglog_slope_error_vs_rank", "fits_in_rank_error_relation"),
            criterion=lambda m, cfg: bool(
                m["spearman_rank_error"] <= -0.7 and -2.0 <= m["loglog_slope_error_vs_rank"] <= -0.5
            ),
            describe=lambda m, cfg: (
                f"over {m['fits_in_rank_error_relation']} fits (both methods, all counts, {cfg.solver}): "
                f"Spearman(eps-rank, error) = {m['spearman_rank_error']:.2f}, log-log slope "
                f"{m['loglog_slope_error_vs_rank']:.2f} (criterion: Spearman <= -0.7 and slope in "
                "[-2, -0.5], i.e. error ~ rank^-1 within a factor 2 in the exponent)"
            ),
        ),
    )

    def run(self, cfg: RfmVsElmConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        if cfg.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {list(SOLVERS)}; got {cfg.solver!r}")
        n_sub = math.prod(cfg.partition)
        bad = [n for n in (*cfg.counts, cfg.n_features) if n % n_sub]
        if bad:
            raise ValueError(f"counts and n_features must be divisible by the {n_sub} subdomains; got {bad}")
        domain = Box((-1.0, -1.0), (1.0, 1.0))
        fit_q = _aligned_rule(domain, cfg.fit_points, cfg.partition)
        err_q = _aligned_rule(domain, cfg.error_points, cfg.partition)
        y_fit, y_err = _fig8_target(fit_q.points), _fig8_target(err_q.points)
        grid = uniform_grid(domain, cfg.map_points).points
        run_dir.truncate_metrics_after(-1)  # no training: a resumed run recomputes everything
        seeds = tuple(cfg.seed + s for s in cfg.seeds)
        jobs = [(n, s) for n in sorted(set(cfg.counts) | {cfg.n_features}) for s in seeds]
        maps: dict[str, np.ndarray] = {}
        for k, (n, seed) in enumerate(jobs):
            for method, partition in (("RFM", cfg.partition), ("ELM", None)):
                rec: dict[str, Any] = {"step": 2 * k + (method == "ELM"), "method": method}
                rec.update(n_features=n, seed=seed, rel_l2_error={}, solver_rank={})
                fits = [(s, s, lstsq_cutoff(cfg.lstsq_rcond, len(fit_q.points), n)) for s in SOLVERS]
                fits.append(("lstsq_machine_eps", "lstsq", None))  # scipy's cut-off, for comparison
                for key, solver, rcond in fits:
                    model = RandomFeatureModel(
                        n,
                        domain,
                        activation=cfg.activation,
                        partition=partition,
                        weight_scale=cfg.weight_scale,
                        seed=seed,
                        solver=solver,
                        rcond=rcond,
                        truncation_eps=cfg.eps,
                    )
                    model.fit(fit_q.points, y_fit, sample_weight=fit_q.weights)
                    rec["rel_l2_error"][key] = model.relative_l2_error(err_q.points, y_err, err_q.weights)
                    rec["solver_rank"][key] = model.rank_
                    if key == cfg.solver and n == cfg.n_features and seed == seeds[0]:
                        maps[f"map/{method}"] = model.predict(grid)
                rec["eps_rank"] = model.eps_rank(fit_q, cfg.eps)
                run_dir.append_metrics(rec)
            progress("fits", k + 1, len(jobs))
        side = cfg.map_points
        arrays = {k: v.reshape(side, side) for k, v in maps.items()}
        arrays["map/exact"] = _fig8_target(grid).reshape(side, side)
        return Result(rfm_measures(cfg, run_dir.read_metrics()), arrays)

    def figures(self, run_dir: RunDir) -> None:
        from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

        from rankscope.report import new_figure

        cfg = run_dir.read_config().get("config", {})
        solver = cfg.get("solver", "truncated_svd")
        arrays = run_dir.read_arrays()
        records = run_dir.read_metrics()
        fig, axes = new_figure(2, 3, figsize=(14, 8.5))
        extent = (-1.0, 1.0, -1.0, 1.0)
        panels = [
            (axes[0, 0], "map/exact", "(a) exact u*", False),
            (axes[0, 1], "map/RFM", "(b) RFM solution", False),
            (axes[0, 2], "map/RFM", "(c) RFM |error|", True),
            (axes[1, 0], "map/ELM", "(d) ELM solution", False),
            (axes[1, 1], "map/ELM", "(e) ELM |error|", True),
        ]
        for ax, key, title, is_err in panels:
            if key not in arrays:
                ax.set_axis_off()
                continue
            z = np.abs(arrays[key] - arrays["map/exact"]) if is_err else arrays[key]
            im = ax.imshow(z, origin="lower", extent=extent, cmap="magma" if is_err else "viridis")
            fig.colorbar(im, ax=ax, shrink=0.8)
            ax.set_title(title)
        ax = axes[1, 2]
        for method, colour in (("RFM", "tab:blue"), ("ELM", "tab:red")):
            pts = [(r["eps_rank"], r["rel_l2_error"][solver]) for r in records if r["method"] == method]
            if pts:
                r, e = np.asarray(pts).T
                ax.scatter(r, e, color=colour, label=method, s=18)
        ax.set(xscale="log", yscale="log", xlabel="eps-rank", ylabel="relative L2 error")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"(f) error vs eps-rank ({solver})")
        ax.legend()
        fig.suptitle("RFM (3x3 partition of unity) vs ELM (paper 000 Fig. 8)")
        run_dir.save_figure(fig, "rfm_vs_elm")


def rfm_measures(cfg: RfmVsElmConfig, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per (feature count, seed): both methods' eps-rank and errors by each solver; the seeds fitted
    at ``n_features``; the Spearman correlation and log-log slope of the error against the eps-rank."""
    from scipy.stats import spearmanr

    by = {(r["method"], r["n_features"], r["seed"]): r for r in records}
    pairs = [(n, s) for (m, n, s) in by if m == "RFM" and ("ELM", n, s) in by]
    main = [(n, s) for n, s in pairs if n == cfg.n_features]
    measures: dict[str, Any] = {
        "pairs": [
            {
                "n_features": n,
                "seed": s,
                **{f"{m}_eps_rank": by[(m, n, s)]["eps_rank"] for m in ("RFM", "ELM")},
                **{
                    f"{m}_error_{solver}": by[(m, n, s)]["rel_l2_error"][solver]
                    for m in ("RFM", "ELM")
                    for solver in (*SOLVERS, "lstsq_machine_eps")
                    if solver in by[(m, n, s)]["rel_l2_error"]
                },
            }
            for n, s in sorted(pairs)
        ]
    }
    if not main:
        return measures
    measures["seeds_at_n_features"] = [s for _, s in main]
    ranks = np.array([r["eps_rank"] for r in records], dtype=np.float64)
    errors = np.array([r["rel_l2_error"][cfg.solver] for r in records], dtype=np.float64)
    ok = (ranks > 0) & (errors > 0) & np.isfinite(errors)
    if ok.sum() >= 3 and np.ptp(ranks[ok]) > 0:
        rho = float(spearmanr(ranks[ok], errors[ok]).statistic)
        slope = loglog_slope(ranks[ok], errors[ok])
    else:
        rho, slope = float("nan"), float("nan")
    measures["spearman_rank_error"] = rho
    measures["loglog_slope_error_vs_rank"] = slope
    measures["fits_in_rank_error_relation"] = int(ok.sum())
    return measures


def _main_pairs(m: dict[str, Any], cfg: RfmVsElmConfig) -> list[dict[str, Any]]:
    """The pairs at ``n_features``, in the order the seeds were fitted."""
    by_seed = {p["seed"]: p for p in m["pairs"] if p["n_features"] == cfg.n_features}
    return [by_seed[s] for s in m["seeds_at_n_features"]]


def _rfm_lower_error(m: dict[str, Any], cfg: RfmVsElmConfig, solver: str) -> bool:
    return all(p[f"RFM_error_{solver}"] < p[f"ELM_error_{solver}"] for p in _main_pairs(m, cfg))


def _describe_lower_error(m: dict[str, Any], cfg: RfmVsElmConfig, solver: str) -> str:
    errors = "; ".join(
        f"seed {p['seed']}: RFM {p[f'RFM_error_{solver}']:.2e} vs ELM {p[f'ELM_error_{solver}']:.2e}"
        for p in _main_pairs(m, cfg)
    )
    cut = f" (cut-off {cfg.lstsq_rcond})" if solver == "lstsq" else ""
    machine = ""
    if solver == "lstsq" and all("RFM_error_lstsq_machine_eps" in p for p in _main_pairs(m, cfg)):
        machine = "; with scipy's machine-eps cut-off (not the criterion): " + "; ".join(
            f"seed {p['seed']}: RFM {p['RFM_error_lstsq_machine_eps']:.2e} vs ELM "
            f"{p['ELM_error_lstsq_machine_eps']:.2e}"
            for p in _main_pairs(m, cfg)
        )
    return (
        f"relative L2 error at n = {cfg.n_features}, least squares by {solver}{cut}: {errors}{machine} "
        "(criterion: RFM lower for every seed)"
    )


def rfm_checks(cfg: RfmVsElmConfig, records: list[dict[str, Any]]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the per-fit records: checks, measures."""
    measures = rfm_measures(cfg, records)
    if "seeds_at_n_features" not in measures:  # no pair at n_features: nothing to decide
        return [], measures
    return evaluate_claims(RfmVsElmExperiment.claims, measures, cfg), measures
