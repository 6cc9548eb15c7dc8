"""``relu-conditioning``: conditioning and frequency content of the ReLU mass matrix A and the
Heaviside matrix H (paper 003, the bullets after "Some interesting matrix analysis").

``cond(A) ~ n^4`` and ``cond(H) ~ n^2`` for uniform 1D breakpoints (dense eigenvalues, then Lanczos on
the O(n) structured solver beyond the dense range), beside random breakpoints, mixed signs and 2D
random neurons (quadrature); and the sign changes of the eigenvectors of the extreme eigenvalues.
Nothing trains here: each run is deterministic and fast. Expected wall time on 2 cores: quick
~30 s (measured, seeds 0-2: 23-34 s); paper ~3 min (estimated from the quick sizes, not run).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankscope.analysis import loglog_slope
from rankscope.experiments.base import Check, Experiment, ExperimentConfig, Progress, no_progress
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper003._common import DOMAIN
from rankscope.linalg import condition_number, eigenspectrum
from rankscope.linalg.structure_measures import eigenvector_sign_changes, extreme_eigenvalues
from rankscope.linalg.structured import ReluMassSolver1D
from rankscope.matrices.relu import heaviside_matrix, mass_matrix
from rankscope.nets.shallow_relu import random_breakpoints_1d, random_neurons, uniform_breakpoints_1d
from rankscope.sampling import Box, gauss_legendre
from rankscope.store import RunDir

__all__ = ["ConditioningConfig", "ReluConditioningExperiment", "conditioning_checks", "conditioning_measures"]


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


def conditioning_checks(
    cfg: ConditioningConfig, data: dict[str, np.ndarray]
) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the measured series ``data`` (as ``run`` records them, or synthetic):
    checks, measures. The sizes the claims quote are those of ``data``."""
    of_data = dataclasses.replace(
        cfg,
        ns=tuple(int(n) for n in data["ns"]),
        structured_ns=tuple(int(n) for n in data.get("structured_ns", ())),
        frequency_n=len(data["sign_changes"]),
    )
    measures = conditioning_measures(cfg, data)
    return evaluate_claims(ReluConditioningExperiment.claims, measures, of_data), measures


def _cond(mat: np.ndarray) -> float:
    """cond of an SPD matrix from its eigenvalues (LAPACK eigvalsh), |lambda|_max / |lambda|_min."""
    return condition_number(eigenspectrum(mat))


class ReluConditioningExperiment(Experiment[ConditioningConfig]):
    name = "relu-conditioning"
    Config = ConditioningConfig
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

    def run(self, cfg: ConditioningConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
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
        measures = conditioning_measures(cfg, arrays)
        for key in ("A_random", "A_mixed", "H_mixed"):
            measures[f"slope_cond_{key}"] = loglog_slope(cfg.ns, arrays[f"cond_{key}"])
        for key in ("A_2d", "H_2d"):
            measures[f"slope_cond_{key}"] = loglog_slope(cfg.ns_2d, arrays[f"cond_{key}"])
        measures["cond_A_uniform_over_n4"] = (
            arrays["cond_A_uniform"] / np.asarray(cfg.ns, float) ** 4
        ).tolist()
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
