"""``relu-offdiag-rank``: off-diagonal ranks of the ReLU mass matrix A and the Heaviside matrix H
(paper 003, last bullet: "offdiagonal blocks ... are low rank").

In 1D, once the neurons are sorted by breakpoint, every off-diagonal block is exactly of rank 2 (A)
and 1 (H) for same-sign neurons, 4 and 2 for mixed signs; in 2D (random neurons, quadrature, ordered
by the angle of their normals) the numerical ranks grow slowly with n. Nothing trains here.
Expected wall time on 2 cores: quick ~35 s (measured, seeds 0-2: 28-40 s); paper ~3 min (estimated,
not run).
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
from rankscope.linalg.structure_measures import offdiagonal_ranks
from rankscope.matrices.relu import heaviside_matrix, mass_matrix
from rankscope.nets.shallow_relu import random_breakpoints_1d, random_neurons
from rankscope.sampling import Box, gauss_legendre
from rankscope.store import RunDir

__all__ = [
    "EXPECTED_1D_RANKS",
    "OffDiagRankConfig",
    "ReluOffDiagRankExperiment",
    "offdiag_checks",
    "offdiag_measures",
]


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


def _order_2d(net: Any) -> np.ndarray:
    """Order 2D neurons by the angle of their normal (neighbouring hyperplanes are similar)."""
    return np.argsort(np.arctan2(net.weights[:, 1], net.weights[:, 0]), kind="stable")


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
) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the max ranks ``ranks`` (see :func:`offdiag_measures`): checks, measures."""
    measures = offdiag_measures(cfg, ranks, ns_2d)
    of_data = dataclasses.replace(cfg, ns_2d=tuple(int(n) for n in ns_2d))
    return evaluate_claims(ReluOffDiagRankExperiment.claims, measures, of_data), measures


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


class ReluOffDiagRankExperiment(Experiment[OffDiagRankConfig]):
    name = "relu-offdiag-rank"
    Config = OffDiagRankConfig
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

    def run(self, cfg: OffDiagRankConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
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
                        record = {"signs": signs, "kind": kind, "n": n, "ranks": tab[i].tolist()}
                        run_dir.append_metrics({"step": len(unsorted), **record})
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
        for key in EXPECTED_1D_RANKS:
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
