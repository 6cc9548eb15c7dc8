"""Paper 003: conditioning, frequency content and off-diagonal ranks of the ReLU mass matrix A and
Heaviside matrix H (paper 003, the bullets after "Some
interesting matrix analysis"). Nothing trains here: each run is deterministic and fast."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from rankscope.analysis import loglog_slope
from rankscope.experiments.base import (
    Check,
    Experiment,
    ExperimentConfig,
    Progress,
    no_progress,
    register,
)
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.linalg import condition_number, eigenspectrum
from rankscope.linalg.structure_measures import (
    eigenvector_sign_changes,
    extreme_eigenvalues,
    offdiagonal_ranks,
)
from rankscope.linalg.structured import ReluMassSolver1D
from rankscope.matrices.relu import heaviside_matrix, mass_matrix
from rankscope.nets.shallow_relu import random_breakpoints_1d, random_neurons, uniform_breakpoints_1d
from rankscope.sampling import Box, gauss_legendre
from rankscope.store import RunDir

__all__ = ["ConditioningConfig", "OffDiagRankConfig", "conditioning_checks", "offdiag_checks"]

DOMAIN = (0.0, 1.0)


def _order_2d(net: Any) -> np.ndarray:
    """Order 2D neurons by the angle of their normal (neighbouring hyperplanes are similar)."""
    return np.argsort(np.arctan2(net.weights[:, 1], net.weights[:, 0]), kind="stable")


# ------------------------------------------------------------------------------------------------
# relu-conditioning


@dataclass(frozen=True)
class ConditioningConfig(ExperimentConfig):
    ns: tuple[int, ...] = (16, 32, 64, 128, 256, 512)  # dense eigvalsh (cond(A) <= ~5e11 here)
    structured_ns: tuple[int, ...] = (1024, 2048, 4096)  # Lanczos on matvec and on the O(n) solver
    ns_2d: tuple[int, ...] = (16, 32, 64)
    panels_2d: int = 64
    slope_tol: float = 0.15
    frequency_n: int = 128


def conditioning_measures(cfg: ConditioningConfig, data: dict[str, np.ndarray]) -> dict[str, Any]:
    """Log-log slopes of cond(A), cond(H) (and of the structured estimates, with cond / n^4) and the
    sign changes of the eigenvectors of lambda_min and lambda_max, from the measured series."""
    ns = data["ns"]
    measures: dict[str, Any] = {
        "slope_cond_A": loglog_slope(ns, data["cond_A_uniform"]),
        "slope_cond_H": loglog_slope(ns, data["cond_H_uniform"]),
    }
    if "structured_ns" in data and len(data["structured_ns"]) >= 2:
        sn = data["structured_ns"]
        ratio = data["cond_A_structured"] / sn.astype(float) ** 4
        measures["slope_cond_A_structured"] = loglog_slope(sn, data["cond_A_structured"])
        measures["cond_A_over_n4"] = ratio.tolist()
    counts = data["sign_changes"]
    measures["sign_changes_lambda_min"] = int(counts[0])
    measures["sign_changes_lambda_max"] = int(counts[-1])
    return measures


def conditioning_checks(cfg: ConditioningConfig, data: dict[str, np.ndarray]) -> tuple[list[Check], dict]:
    """The claim table decided on the measured series ``data`` (as ``run`` records them, or synthetic):
    checks, measures. The sizes the claims quote are those of ``data``."""
    of_data = dataclasses.replace(
        cfg,
        ns=tuple(int(n) for n in data["ns"]),
        structured_ns=tuple(int(n) for n in data.get("structured_ns", ())),
        frequency_n=len(data["sign_changes"]),
    )
    measures = conditioning_measures(cfg, data)
    return evaluate_claims(ReluConditioning.claims, measures, of_data), measures


@register
class ReluConditioning(Experiment):
    name = "relu-conditioning"
    summary = "Paper 003: cond(A) ~ n^4, cond(H) ~ n^2 (1D uniform), random/mixed/2D, eigenvector frequencies"
    paper = "paper 003, bullets after 'Some interesting matrix analysis'"
    Config = ConditioningConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {
            "ns": (16, 32, 64, 128, 256, 512, 1024),
            "structured_ns": (1024, 4096, 16384, 65536),
            "ns_2d": (16, 32, 64, 128, 256),
            "panels_2d": 128,
        },
    }
    claims = (
        Claim(
            "cond(A) ~ n^4 (1D, uniform breakpoints)",
            paper="A has 2-norm condition number proportional to n^4 (the text's '1/n^4' is a conversion "
            "error)",
            reads=("slope_cond_A",),
            criterion=lambda m, cfg: abs(m["slope_cond_A"] - 4.0) <= cfg.slope_tol,
            describe=lambda m, cfg: (
                f"log-log slope {m['slope_cond_A']:.3f} over n = {min(cfg.ns)}..{max(cfg.ns)} "
                f"(tolerance +-{cfg.slope_tol})"
            ),
        ),
        Claim(
            "cond(H) ~ n^2 (1D, uniform breakpoints)",
            paper="H is highly ill conditioned; cond(H) grows like n^2 (issue statement)",
            reads=("slope_cond_H",),
            criterion=lambda m, cfg: abs(m["slope_cond_H"] - 2.0) <= cfg.slope_tol,
            describe=lambda m, cfg: f"log-log slope {m['slope_cond_H']:.3f} (tolerance +-{cfg.slope_tol})",
        ),
        Claim(
            "cond(A) ~ n^4 beyond dense range",
            paper="cond(A) proportional to n^4",
            reads=("slope_cond_A_structured", "cond_A_over_n4"),
            criterion=lambda m, cfg: abs(m["slope_cond_A_structured"] - 4.0) <= cfg.slope_tol,
            describe=lambda m, cfg: (
                f"structured Lanczos: slope {m['slope_cond_A_structured']:.3f}, cond/n^4 = "
                f"{min(m['cond_A_over_n4']):.3f}..{max(m['cond_A_over_n4']):.3f} "
                f"for n = {min(cfg.structured_ns)}..{max(cfg.structured_ns)}"
            ),
            when=lambda cfg: len(cfg.structured_ns) >= 2,
        ),
        Claim(
            "small eigenvalues <-> high-frequency eigenvectors",
            paper="low and high frequency modes (the source of difficulty for iterative solvers)",
            reads=("sign_changes_lambda_min", "sign_changes_lambda_max"),
            criterion=lambda m, cfg: (
                m["sign_changes_lambda_min"] >= cfg.frequency_n // 2 and m["sign_changes_lambda_max"] <= 2
            ),
            describe=lambda m, cfg: (
                f"n = {cfg.frequency_n}: eigenvector of lambda_min has {m['sign_changes_lambda_min']} sign "
                f"changes, of lambda_max {m['sign_changes_lambda_max']}"
            ),
        ),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: ConditioningConfig = config
        arrays: dict[str, np.ndarray] = {"ns": np.asarray(cfg.ns)}
        series: dict[str, list[float]] = {
            k: [] for k in ("A_uniform", "H_uniform", "A_random", "A_mixed", "H_mixed")
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # cond of the SPD matrices from their eigenvalues (LAPACK eigvalsh), |lambda|_max / |lambda|_min
            for i, n in enumerate(cfg.ns):
                uni = uniform_breakpoints_1d(n, DOMAIN)
                series["A_uniform"].append(condition_number(eigenspectrum(mass_matrix(uni, DOMAIN))))
                series["H_uniform"].append(condition_number(eigenspectrum(heaviside_matrix(uni, DOMAIN))))
                rnd = random_breakpoints_1d(n, cfg.seed, DOMAIN)
                series["A_random"].append(condition_number(eigenspectrum(mass_matrix(rnd, DOMAIN))))
                mix = uniform_breakpoints_1d(n, DOMAIN, signs="mixed")
                series["A_mixed"].append(condition_number(eigenspectrum(mass_matrix(mix, DOMAIN))))
                series["H_mixed"].append(condition_number(eigenspectrum(heaviside_matrix(mix, DOMAIN))))
                run_dir.append_metrics({"step": i, "n": n, **{k: v[-1] for k, v in series.items()}})
                progress("1D dense", i + 1, len(cfg.ns))
        for k, v in series.items():
            arrays[f"cond_{k}"] = np.asarray(v)
        sn, sc = [], []
        for i, n in enumerate(cfg.structured_ns):
            lo, hi = extreme_eigenvalues(ReluMassSolver1D(uniform_breakpoints_1d(n, DOMAIN)))
            sn.append(n)
            sc.append(hi / lo)
            progress("1D structured", i + 1, len(cfg.structured_ns))
        arrays["structured_ns"] = np.asarray(sn, dtype=np.int64)
        arrays["cond_A_structured"] = np.asarray(sc)
        box = Box.cube(0.0, 1.0, 2)
        rule = gauss_legendre(box, 2, panels=cfg.panels_2d)
        c2a, c2h = [], []
        for i, n in enumerate(cfg.ns_2d):
            net = random_neurons(n, 2, cfg.seed, box)
            c2a.append(condition_number(eigenspectrum(mass_matrix(net, box, quadrature=rule))))
            c2h.append(condition_number(eigenspectrum(heaviside_matrix(net, box, quadrature=rule))))
            progress("2D quadrature", i + 1, len(cfg.ns_2d))
        arrays["ns_2d"] = np.asarray(cfg.ns_2d)
        arrays["cond_A_2d"], arrays["cond_H_2d"] = np.asarray(c2a), np.asarray(c2h)
        vals, counts = eigenvector_sign_changes(
            mass_matrix(uniform_breakpoints_1d(cfg.frequency_n, DOMAIN), DOMAIN)
        )
        arrays["eigenvalues"], arrays["sign_changes"] = vals, counts
        measures = conditioning_measures(cfg, arrays)
        measures.update(
            {
                "slope_cond_A_random": loglog_slope(cfg.ns, arrays["cond_A_random"]),
                "slope_cond_A_mixed": loglog_slope(cfg.ns, arrays["cond_A_mixed"]),
                "slope_cond_H_mixed": loglog_slope(cfg.ns, arrays["cond_H_mixed"]),
                "slope_cond_A_2d": loglog_slope(cfg.ns_2d, arrays["cond_A_2d"]),
                "slope_cond_H_2d": loglog_slope(cfg.ns_2d, arrays["cond_H_2d"]),
                "cond_A_uniform_over_n4": (
                    arrays["cond_A_uniform"] / np.asarray(cfg.ns, float) ** 4
                ).tolist(),
            }
        )
        return Result(measures, arrays)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        d = run_dir.read_arrays()
        fig, axes = new_figure(1, 3, figsize=(16, 4.5))
        ax = axes[0]
        for key, label in (
            ("cond_A_uniform", "A, uniform"),
            ("cond_H_uniform", "H, uniform"),
            ("cond_A_random", "A, random"),
            ("cond_A_mixed", "A, mixed signs"),
            ("cond_H_mixed", "H, mixed signs"),
        ):
            ax.loglog(d["ns"], d[key], "o-", label=label)
        if len(d.get("structured_ns", [])):
            ax.loglog(
                d["structured_ns"], d["cond_A_structured"], "k^--", label="A, uniform (Lanczos, O(n) solver)"
            )
        ax.loglog(d["ns_2d"], d["cond_A_2d"], "s:", label="A, 2D random")
        ax.loglog(d["ns_2d"], d["cond_H_2d"], "s:", label="H, 2D random")
        ax.set_xlabel("n")
        ax.set_ylabel("cond")
        ax.legend(fontsize=7)
        ax.set_title("condition numbers (paper 003)")
        axes[1].semilogy(np.arange(1, len(d["eigenvalues"]) + 1), d["eigenvalues"][::-1], ".")
        axes[1].set_title("eigenvalues of A (1D uniform), descending")
        axes[1].set_xlabel("index")
        axes[2].plot(np.arange(1, len(d["sign_changes"]) + 1), d["sign_changes"][::-1], ".")
        axes[2].set_title("eigenvector sign changes vs eigenvalue index (descending)")
        axes[2].set_xlabel("index")
        run_dir.save_figure(fig, "conditioning")


# ------------------------------------------------------------------------------------------------
# relu-offdiag-rank


@dataclass(frozen=True)
class OffDiagRankConfig(ExperimentConfig):
    ns: tuple[int, ...] = (128, 256, 512)
    block_fractions: tuple[int, ...] = (8, 4)  # block size n / k
    tols: tuple[float, ...] = (1e-6, 1e-12)
    ns_2d: tuple[int, ...] = (64, 128, 256)
    tols_2d: tuple[float, ...] = (1e-2, 1e-3, 1e-4)
    panels_2d: int = 96
    growth_max_slope: float = 0.5  # 2D: rank ~ n^p with p below this (block size ~ n^1)


#: The exact 1D off-diagonal ranks (sorted by breakpoint): 2/1 for same signs, 4/2 for mixed signs.
EXPECTED_1D_RANKS = {"A_same": 2, "H_same": 1, "A_mixed": 4, "H_mixed": 2}


def offdiag_measures(
    cfg: OffDiagRankConfig, ranks: dict[str, np.ndarray], ns_2d: np.ndarray
) -> dict[str, Any]:
    """``ranks[key]``: (len(ns), len(fractions)) max ranks at the tightest tolerance (1D), or
    (len(ns_2d),) for 2D at the loosest-but-one tolerance (key ``2d``); the 2D growth exponent."""
    r2 = ranks["2d"].astype(float)
    slope = loglog_slope(ns_2d, np.maximum(r2, 1.0)) if len(ns_2d) >= 2 else float("nan")
    return {
        "growth_exponent_2d": slope,
        "max_ranks_1d": {key: np.asarray(ranks[key]).tolist() for key in EXPECTED_1D_RANKS},
        "max_rank_2d": r2.astype(int).tolist(),
    }


def offdiag_checks(
    cfg: OffDiagRankConfig, ranks: dict[str, np.ndarray], ns_2d: np.ndarray
) -> tuple[list[Check], dict]:
    """The claim table decided on the max ranks ``ranks`` (see :func:`offdiag_measures`): checks, measures."""
    measures = offdiag_measures(cfg, ranks, ns_2d)
    of_data = dataclasses.replace(cfg, ns_2d=tuple(int(n) for n in ns_2d))
    return evaluate_claims(ReluOffDiagRank.claims, measures, of_data), measures


def _exact_1d_rank(key: str, want: int) -> Claim:
    return Claim(
        f"1D off-diagonal ranks of {key.replace('_', ', ')} signs",
        paper=f"exactly low rank in 1D: {want} (sorted by breakpoint; rank 2/1 same signs, 4/2 mixed)",
        reads=("max_ranks_1d",),
        criterion=lambda m, cfg: bool(np.all(np.asarray(m["max_ranks_1d"][key]) == want)),
        describe=lambda m, cfg: (
            f"max ranks {sorted(set(np.ravel(m['max_ranks_1d'][key]).tolist()))} at tol {min(cfg.tols):g} "
            f"over n = {list(cfg.ns)}"
        ),
    )


@register
class ReluOffDiagRank(Experiment):
    name = "relu-offdiag-rank"
    summary = (
        "Paper 003: off-diagonal blocks of A, H exactly low rank in 1D (2/1, mixed 4/2), slowly growing in 2D"
    )
    paper = "paper 003, last bullet ('offdiagonal blocks ... are low rank')"
    Config = OffDiagRankConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {"ns": (128, 256, 512, 1024, 2048), "ns_2d": (64, 128, 256, 512), "panels_2d": 128},
    }
    claims = (
        *(_exact_1d_rank(key, want) for key, want in EXPECTED_1D_RANKS.items()),
        Claim(
            "2D off-diagonal ranks grow slowly",
            paper="numerically low rank (with appropriate conditions) in 2D",
            reads=("max_rank_2d", "growth_exponent_2d"),
            criterion=lambda m, cfg: m["growth_exponent_2d"] < cfg.growth_max_slope,
            describe=lambda m, cfg: (
                f"max rank of blocks of size n/4 at tol {cfg.tols_2d[-1]:g}: {m['max_rank_2d']} for "
                f"n = {list(cfg.ns_2d)} (growth exponent {m['growth_exponent_2d']:.2f}, block size grows "
                f"with exponent 1; tolerance: < {cfg.growth_max_slope})"
            ),
        ),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: OffDiagRankConfig = config
        tight = min(cfg.tols)
        out: dict[str, np.ndarray] = {}
        ranks: dict[str, np.ndarray] = {}
        unsorted = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for signs in ("same", "mixed"):
                for kind, build in (("A", mass_matrix), ("H", heaviside_matrix)):
                    tab = np.zeros((len(cfg.ns), len(cfg.block_fractions), len(cfg.tols)), dtype=np.int64)
                    for i, n in enumerate(cfg.ns):
                        net = random_breakpoints_1d(n, cfg.seed + i, DOMAIN, signs=signs)
                        m = build(net, DOMAIN)
                        order = np.argsort(net.breakpoints(), kind="stable")
                        for j, frac in enumerate(cfg.block_fractions):
                            for k, tol in enumerate(cfg.tols):
                                tab[i, j, k] = offdiagonal_ranks(m, n // frac, tol, order=order).max_rank
                        if kind == "A" and signs == "same":
                            unsorted.append(
                                offdiagonal_ranks(m, n // cfg.block_fractions[-1], tight).max_rank
                            )
                        run_dir.append_metrics(
                            {
                                "step": len(unsorted),
                                "signs": signs,
                                "kind": kind,
                                "n": n,
                                "ranks": tab[i].tolist(),
                            }
                        )
                    out[f"ranks_{kind}_{signs}"] = tab
                    ranks[f"{kind}_{signs}"] = tab[:, :, cfg.tols.index(tight)]
                    progress(f"1D {kind} {signs}", 1, 1)
        box = Box.cube(0.0, 1.0, 2)
        rule = gauss_legendre(box, 2, panels=cfg.panels_2d)
        tab2 = np.zeros((len(cfg.ns_2d), len(cfg.tols_2d)), dtype=np.int64)
        for i, n in enumerate(cfg.ns_2d):
            net = random_neurons(n, 2, cfg.seed, box)
            m = mass_matrix(net, box, quadrature=rule)
            for k, tol in enumerate(cfg.tols_2d):
                tab2[i, k] = offdiagonal_ranks(m, n // 4, tol, order=_order_2d(net)).max_rank
            progress("2D", i + 1, len(cfg.ns_2d))
        out["ranks_2d"], out["ns_2d"], out["ns"] = tab2, np.asarray(cfg.ns_2d), np.asarray(cfg.ns)
        out["unsorted_ranks_A_same"] = np.asarray(unsorted)
        ranks["2d"] = tab2[:, -1]
        measures = offdiag_measures(cfg, ranks, np.asarray(cfg.ns_2d))
        measures["unsorted_max_rank_A_same"] = [int(v) for v in unsorted]
        measures["block_sizes_unsorted"] = [n // cfg.block_fractions[-1] for n in cfg.ns]
        measures["ranks_2d"] = tab2.tolist()
        return Result(measures, out)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        d = run_dir.read_arrays()
        cfg = run_dir.read_config().get("config", {})
        fig, axes = new_figure(1, 2, figsize=(12, 4.5))
        ax = axes[0]
        for key in ("A_same", "H_same", "A_mixed", "H_mixed"):
            tab = d[f"ranks_{key}"]
            for k, tol in enumerate(cfg.get("tols", [])):
                ax.plot(d["ns"], tab[:, -1, k], "o-", label=f"{key}, tol {tol:g}")
        ax.plot(d["ns"], d["unsorted_ranks_A_same"], "kx--", label="A_same, unsorted order")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (blocks of size n/4)")
        ax.set_ylabel("max off-diagonal rank")
        ax.legend(fontsize=7)
        ax.set_title("1D: exactly low rank once sorted")
        for k, tol in enumerate(cfg.get("tols_2d", [])):
            axes[1].plot(d["ns_2d"], d["ranks_2d"][:, k], "o-", label=f"tol {tol:g}")
        axes[1].plot(d["ns_2d"], d["ns_2d"] // 4, "k:", label="block size n/4")
        axes[1].set_xlabel("n")
        axes[1].set_title("2D random neurons: numerical ranks")
        axes[1].legend(fontsize=7)
        run_dir.save_figure(fig, "offdiag_rank")
