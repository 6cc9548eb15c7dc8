"""Paper 003: conditioning, frequency content and off-diagonal ranks of the ReLU mass matrix A and
Heaviside matrix H (/work/shared/papers/003_d27251787f0ed572.txt, the bullets after "Some
interesting matrix analysis"). Nothing trains here: each run is deterministic and fast."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from rankscope.experiments.base import Check, Experiment, Progress, no_progress, register
from rankscope.relu.analysis import (
    eigenvector_sign_changes,
    extreme_eigenvalues,
    loglog_slope,
    offdiagonal_ranks,
)
from rankscope.relu.matrices import heaviside_matrix, mass_matrix
from rankscope.relu.neurons import random_breakpoints_1d, random_neurons, uniform_breakpoints_1d
from rankscope.relu.solve1d import ReluMassSolver1D
from rankscope.sampling import Box, gauss_legendre

__all__ = ["ConditioningConfig", "OffDiagRankConfig", "conditioning_checks", "offdiag_checks"]

DOMAIN = (0.0, 1.0)


def _cond(m: np.ndarray) -> float:
    e = np.linalg.eigvalsh(m)
    return float(e[-1] / e[0])


def _order_2d(net: Any) -> np.ndarray:
    """Order 2D neurons by the angle of their normal (neighbouring hyperplanes are similar)."""
    return np.argsort(np.arctan2(net.weights[:, 1], net.weights[:, 0]), kind="stable")


# ------------------------------------------------------------------------------------------------
# relu-conditioning


@dataclass(frozen=True)
class ConditioningConfig:
    ns: tuple[int, ...] = (16, 32, 64, 128, 256, 512)  # dense eigvalsh (cond(A) <= ~5e11 here)
    structured_ns: tuple[int, ...] = (1024, 2048, 4096)  # Lanczos on matvec and on the O(n) solver
    ns_2d: tuple[int, ...] = (16, 32, 64)
    panels_2d: int = 64
    slope_tol: float = 0.15
    frequency_n: int = 128
    seed: int = 0
    threads: int = 1


def conditioning_checks(cfg: ConditioningConfig, data: dict[str, np.ndarray]) -> tuple[list[Check], dict]:
    """Checks from the measured series (pure: tested on synthetic series)."""
    ns = data["ns"]
    s_a = loglog_slope(ns, data["cond_A_uniform"])
    s_h = loglog_slope(ns, data["cond_H_uniform"])
    checks = [
        Check(
            "cond(A) ~ n^4 (1D, uniform breakpoints)",
            "A has 2-norm condition number proportional to n^4 (the text's '1/n^4' is a conversion error)",
            f"log-log slope {s_a:.3f} over n = {ns.min()}..{ns.max()} (tolerance +-{cfg.slope_tol})",
            abs(s_a - 4.0) <= cfg.slope_tol,
        ),
        Check(
            "cond(H) ~ n^2 (1D, uniform breakpoints)",
            "H is highly ill conditioned; cond(H) grows like n^2 (issue statement)",
            f"log-log slope {s_h:.3f} (tolerance +-{cfg.slope_tol})",
            abs(s_h - 2.0) <= cfg.slope_tol,
        ),
    ]
    measures: dict[str, Any] = {"slope_cond_A": s_a, "slope_cond_H": s_h}
    if "structured_ns" in data and len(data["structured_ns"]) >= 2:
        sn = data["structured_ns"]
        s_big = loglog_slope(sn, data["cond_A_structured"])
        ratio = data["cond_A_structured"] / sn.astype(float) ** 4
        measures.update({"slope_cond_A_structured": s_big, "cond_A_over_n4": ratio.tolist()})
        checks.append(
            Check(
                "cond(A) ~ n^4 beyond dense range",
                "cond(A) proportional to n^4",
                f"structured Lanczos: slope {s_big:.3f}, cond/n^4 = {ratio.min():.3f}..{ratio.max():.3f} "
                f"for n = {sn.min()}..{sn.max()}",
                abs(s_big - 4.0) <= cfg.slope_tol,
            )
        )
    counts = data["sign_changes"]
    n = len(counts)
    low, high = int(counts[0]), int(counts[-1])
    checks.append(
        Check(
            "small eigenvalues <-> high-frequency eigenvectors",
            "low and high frequency modes (the source of difficulty for iterative solvers)",
            f"n = {n}: eigenvector of lambda_min has {low} sign changes, of lambda_max {high}",
            low >= n // 2 and high <= 2,
        )
    )
    return checks, measures


@register
class ReluConditioning(Experiment):
    name = "relu-conditioning"
    summary = "Paper 003: cond(A) ~ n^4, cond(H) ~ n^2 (1D uniform), random/mixed/2D, eigenvector frequencies"
    paper = "003_d27251787f0ed572.txt, bullets after 'Some interesting matrix analysis'"
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

    def run(self, config: Any, run_dir: Any, progress: Progress = no_progress) -> dict[str, Any]:
        cfg: ConditioningConfig = config
        arrays: dict[str, np.ndarray] = {"ns": np.asarray(cfg.ns)}
        series: dict[str, list[float]] = {
            k: [] for k in ("A_uniform", "H_uniform", "A_random", "A_mixed", "H_mixed")
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for i, n in enumerate(cfg.ns):
                uni = uniform_breakpoints_1d(n, DOMAIN)
                series["A_uniform"].append(_cond(mass_matrix(uni, DOMAIN)))
                series["H_uniform"].append(_cond(heaviside_matrix(uni, DOMAIN)))
                rnd = random_breakpoints_1d(n, cfg.seed, DOMAIN)
                series["A_random"].append(_cond(mass_matrix(rnd, DOMAIN)))
                mix = uniform_breakpoints_1d(n, DOMAIN, signs="mixed")
                series["A_mixed"].append(_cond(mass_matrix(mix, DOMAIN)))
                series["H_mixed"].append(_cond(heaviside_matrix(mix, DOMAIN)))
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
            c2a.append(_cond(mass_matrix(net, box, quadrature=rule)))
            c2h.append(_cond(heaviside_matrix(net, box, quadrature=rule)))
            progress("2D quadrature", i + 1, len(cfg.ns_2d))
        arrays["ns_2d"] = np.asarray(cfg.ns_2d)
        arrays["cond_A_2d"], arrays["cond_H_2d"] = np.asarray(c2a), np.asarray(c2h)
        vals, counts = eigenvector_sign_changes(
            mass_matrix(uniform_breakpoints_1d(cfg.frequency_n, DOMAIN), DOMAIN)
        )
        arrays["eigenvalues"], arrays["sign_changes"] = vals, counts
        run_dir.write_arrays(**arrays)
        checks, measures = conditioning_checks(cfg, arrays)
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
        self.figures(run_dir)
        return {"checks": [c.as_dict() for c in checks], "measures": measures}

    def figures(self, run_dir: Any) -> None:
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
class OffDiagRankConfig:
    ns: tuple[int, ...] = (128, 256, 512)
    block_fractions: tuple[int, ...] = (8, 4)  # block size n / k
    tols: tuple[float, ...] = (1e-6, 1e-12)
    ns_2d: tuple[int, ...] = (64, 128, 256)
    tols_2d: tuple[float, ...] = (1e-2, 1e-3, 1e-4)
    panels_2d: int = 96
    growth_max_slope: float = 0.5  # 2D: rank ~ n^p with p below this (block size ~ n^1)
    seed: int = 0
    threads: int = 1


def offdiag_checks(
    cfg: OffDiagRankConfig, ranks: dict[str, np.ndarray], ns_2d: np.ndarray
) -> tuple[list[Check], dict]:
    """``ranks[key]``: (len(ns), len(fractions)) max ranks at the tightest tolerance (1D), or
    (len(ns_2d),) for 2D at the loosest-but-one tolerance (key ``2d``)."""
    expected = {"A_same": 2, "H_same": 1, "A_mixed": 4, "H_mixed": 2}
    checks = []
    for key, want in expected.items():
        r = ranks[key]
        checks.append(
            Check(
                f"1D off-diagonal ranks of {key.replace('_', ', ')} signs",
                f"exactly low rank in 1D: {want} (sorted by breakpoint; rank 2/1 same signs, 4/2 mixed)",
                f"max ranks {sorted(set(r.ravel().tolist()))} at tol {min(cfg.tols):g} "
                f"over n = {list(cfg.ns)}",
                bool(np.all(r == want)),
            )
        )
    r2 = ranks["2d"].astype(float)
    slope = loglog_slope(ns_2d, np.maximum(r2, 1.0)) if len(ns_2d) >= 2 else float("nan")
    checks.append(
        Check(
            "2D off-diagonal ranks grow slowly",
            "numerically low rank (with appropriate conditions) in 2D",
            f"max rank of blocks of size n/4 at tol {cfg.tols_2d[-1]:g}: {r2.astype(int).tolist()} for "
            f"n = {ns_2d.tolist()} (growth exponent {slope:.2f}, block size grows with exponent 1; "
            f"tolerance: < {cfg.growth_max_slope})",
            slope < cfg.growth_max_slope,
        )
    )
    return checks, {"growth_exponent_2d": slope}


@register
class ReluOffDiagRank(Experiment):
    name = "relu-offdiag-rank"
    summary = (
        "Paper 003: off-diagonal blocks of A, H exactly low rank in 1D (2/1, mixed 4/2), slowly growing in 2D"
    )
    paper = "003_d27251787f0ed572.txt, last bullet ('offdiagonal blocks ... are low rank')"
    Config = OffDiagRankConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {"ns": (128, 256, 512, 1024, 2048), "ns_2d": (64, 128, 256, 512), "panels_2d": 128},
    }

    def run(self, config: Any, run_dir: Any, progress: Progress = no_progress) -> dict[str, Any]:
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
        run_dir.write_arrays(**out)
        ranks["2d"] = tab2[:, -1]
        checks, measures = offdiag_checks(cfg, ranks, np.asarray(cfg.ns_2d))
        measures["unsorted_max_rank_A_same"] = [int(v) for v in unsorted]
        measures["block_sizes_unsorted"] = [n // cfg.block_fractions[-1] for n in cfg.ns]
        measures["ranks_2d"] = tab2.tolist()
        self.figures(run_dir)
        return {"checks": [c.as_dict() for c in checks], "measures": measures}

    def figures(self, run_dir: Any) -> None:
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
