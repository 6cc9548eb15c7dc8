"""``rank-gaussian-product``: paper 004 Thm 5, Cor. 1, Fig. 1(d-f) — rank diminishing of products of
random matrices.

Products ``J_L = G_L ... G_1`` of independent standard Gaussian n x n matrices (the Jacobian of a
linear "MLP-50" with Gaussian weights). Eq. (10): ``(sigma_k / ||J_L||_2)^(1/L) -> exp((psi((n-k+1)/2)
- psi(n/2)) / 2)`` with ``psi = Gamma'/Gamma`` the digamma function (the converted text prints ``psi =
Gamma/Gamma'``, a conversion error: Newman's Lyapunov exponents of Ginibre matrices, Thm 11 / eq.
(A93), are ``(log 2 + psi((n-i+1)/2)) / 2``; eq. (A93)'s ``log(2 + psi)`` is also garbled). Cor. 1:
``log sigma_1 / L -> (log 2 + psi(n/2)) / 2``. Measured three ways on the same matrices: the singular
values of the float64 product (resolvable while ``sigma_k / sigma_1 > 1e-10``), the Lyapunov spectrum
by the QR (Benettin) method in float64 (``G_l Q_{l-1} = Q_l R_l``; ``(1/L) sum_l log|R_l,kk|`` has the
same limit for every k and no resolution limit), and, as in the paper, the float32 product (scaled by
``1/sqrt(n)`` per layer, which leaves every ratio unchanged and keeps float32 in range) with its
numerical rank (eq. (4)) and the PCA dimension of features ``J_L x`` of Gaussian inputs.

Expected wall time on 2 cores: quick under 1 min (measured, 17-44 s on a loaded machine); paper not timed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import digamma, polygamma

from rankscope.analysis import semilog_fit
from rankscope.experiments.base import Check, Experiment, ExperimentConfig, Progress, no_progress
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.linalg import numerical_rank, singular_spectrum
from rankscope.linalg.ginibre import lyapunov_exponents
from rankscope.linalg.pca_dim import pca_dimension
from rankscope.store import RunDir

__all__ = [
    "GaussianProductConfig",
    "GaussianProductExperiment",
    "gaussian_product_checks",
    "gaussian_product_measures",
]

F32_EPS = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class GaussianProductConfig(ExperimentConfig):
    """Configuration of ``rank-gaussian-product`` (see module docstring)."""

    n: int = 200
    depth: int = 40
    trials: int = 3
    input_factor: int = 2  # Gaussian inputs for the PCA dimension: input_factor * n of them
    resolvable: float = 1e-10  # float64 product: sigma_k / sigma_1 trusted above this
    z_tol: float = 4.5  # QR check: |z| bound, z = (estimate - eq. (10)) / standard error
    direct_tol: float = 0.1  # direct check: max |log ratio - log eq. (10)| at the deepest layer
    cor1_tol: float = 0.03  # Cor. 1: relative error of log sigma_1 / L at the deepest layer


class GaussianProductExperiment(Experiment[GaussianProductConfig]):
    name = "rank-gaussian-product"
    Config = GaussianProductConfig
    claims = (
        Claim(
            "Thm 5: Lyapunov spectrum of the product",
            paper="(sigma_k/||J||)^(1/L) -> exp((psi((n-k+1)/2) - psi(n/2))/2), psi = Gamma'/Gamma, "
            "for k = 2..n (eq. 10)",
            reads=("qr_max_abs_z", "qr_max_abs_ratio_deviation", "qr_max_abs_z_misprinted_psi"),
            criterion=lambda m, cfg: m["qr_max_abs_z"] <= cfg.z_tol,
            describe=lambda m, cfg: (
                f"QR-method estimate at L = {m['depth']} over {m['trials']} trials, n = {m['n']}: "
                f"max |z| = {m['qr_max_abs_z']:.2f} over "
                f"k = 2..{m['n']} (z = deviation / exact standard error), max |ratio - eq. 10| = "
                f"{m['qr_max_abs_ratio_deviation']:.4f}; with the misprinted psi = Gamma/Gamma' "
                f"max |z| = {m['qr_max_abs_z_misprinted_psi']:.0f} (criterion: max |z| <= {cfg.z_tol})"
            ),
        ),
        Claim(
            "Thm 5: the product's singular values converge to eq. 10",
            paper="(sigma_k/||J_L||)^(1/L) converges to eq. 10 as L grows",
            reads=("direct_max_log_dev_by_depth",),
            criterion=lambda m, cfg: _direct_converges(m, cfg),
            describe=lambda m, cfg: _direct_text(m, cfg),
        ),
        Claim(
            "Cor. 1: gradient explosion rate",
            paper="log ||J_L||_2 / L -> (log 2 + psi(n/2)) / 2",
            reads=("log_sigma1_over_L", "cor1_limit"),
            criterion=lambda m, cfg: bool(
                _cor1_error(m)[-1] <= cfg.cor1_tol and _cor1_error(m)[-1] < _cor1_error(m)[0]
            ),
            describe=lambda m, cfg: _cor1_text(m, cfg),
        ),
        Claim(
            "numerical rank falls exponentially with depth",
            paper="Rank_eps(J_L) falls exponentially with depth L until float32 resolution stops it "
            "(Thm 4-5, Fig. 1(d-f))",
            reads=("mean_rank_float32", "rank_non_increasing", "log_rank_slope", "log_rank_r2"),
            criterion=lambda m, cfg: _rank_falls(m),
            describe=lambda m, cfg: _rank_text(m),
        ),
    )

    def run(self, cfg: GaussianProductConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        run_dir.truncate_metrics_after(-1)  # no training: a resumed run starts afresh
        n, depth = cfg.n, cfg.depth
        shape = (cfg.trials, depth, n)
        qr_logs, sv64 = np.zeros(shape), np.full(shape, np.nan)
        rank32, pca32 = np.full(shape[:2], -1), np.full(shape[:2], -1)
        for t in range(cfg.trials):
            rng = np.random.default_rng([cfg.seed, t])
            q, logs = np.eye(n), np.zeros(n)
            p64, p32 = np.eye(n), np.eye(n, dtype=np.float32)
            inputs = rng.standard_normal((cfg.input_factor * n, n)).astype(np.float32)
            for layer in range(depth):
                g = rng.standard_normal((n, n))
                q, r = np.linalg.qr(g @ q)
                logs = logs + np.log(np.abs(np.diag(r)))
                qr_logs[t, layer] = logs
                p64 = g @ p64
                sv64[t, layer] = singular_spectrum(p64).values
                p32 = (g / math.sqrt(n)).astype(np.float32) @ p32
                # the paper stops once float32 loses the matrix (|entries| < 1.19e-7) or it overflows
                if np.isfinite(p32).all() and np.abs(p32).max() >= F32_EPS:
                    rank32[t, layer] = numerical_rank(p32)
                    pca32[t, layer] = pca_dimension(inputs @ p32.T)
                run_dir.append_metrics(
                    {
                        "step": t * depth + layer,
                        "trial": t,
                        "depth": layer + 1,
                        "rank_float32": int(rank32[t, layer]),
                        "pca_dim_float32": int(pca32[t, layer]),
                        "log_sigma1": float(np.log(sv64[t, layer, 0])),
                    }
                )
                progress(f"trial {t}", layer + 1, depth)
        measures = gaussian_product_measures(cfg, qr_logs, sv64, rank32)
        return Result(measures, {"qr_logs": qr_logs, "sv64": sv64, "rank32": rank32, "pca32": pca32})

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        a = run_dir.read_arrays()
        sv64, qr_logs, rank32, pca32 = a["sv64"], a["qr_logs"], a["rank32"], a["pca32"]
        trials, depth, n = sv64.shape
        mu = lyapunov_exponents(n)
        frac = np.arange(1, n + 1) / n
        fig, (ax1, ax2, ax3) = new_figure(1, 3, figsize=(15, 4.2))
        for layer in sorted({0, 1, 4, 9, depth // 2 - 1, depth - 1} & set(range(depth))):
            ratio = sv64[0, layer] / sv64[0, layer, :1]
            ok = ratio > 1e-10
            ax1.plot(frac[ok], ratio[ok] ** (1.0 / (layer + 1)), label=f"L = {layer + 1} (product SVD)")
        qr = np.exp((qr_logs[:, -1] - qr_logs[:, -1, :1]).mean(0) / depth)
        ax1.plot(frac, qr, "k:", label=f"L = {depth} (QR method)")
        ax1.plot(frac, np.exp(mu - mu[0]), "k--", label="eq. (10), psi = digamma")
        ax1.set(xlabel="k / n", ylabel="(sigma_k / ||J||)^(1/L)", title="Thm 5: singular value law")
        ax1.legend(fontsize="x-small")
        depths = np.arange(1, depth + 1)
        for t in range(trials):
            for arr, colour, label in ((rank32, "C0", "Jacobian rank"), (pca32, "C1", "feature PCA dim")):
                shown = np.where(arr[t] >= 0, arr[t], np.nan)
                ax2.plot(depths, shown, colour, alpha=0.7, label=f"{label} (float32)" if t == 0 else None)
        ax2.plot(depths, _limit_law(mu, depth), "k--", label="limit law: #{k: L(mu_k - mu_1) >= log eps}")
        ax2.set(yscale="log", xlabel="depth L", ylabel="rank", title="Fig. 1(d-f): rank vs depth")
        ax2.legend(fontsize="x-small")
        ax3.plot(depths, np.log(sv64[:, :, 0]).mean(0) / depths, label="log sigma_1 / L (product SVD)")
        ax3.axhline(mu[0], color="k", ls="--", label="Cor. 1: (log 2 + psi(n/2)) / 2")
        ax3.set(xlabel="depth L", ylabel="log sigma_1 / L", title="Cor. 1: gradient explosion")
        ax3.legend(fontsize="x-small")
        run_dir.save_figure(fig, "gaussian_product")


def gaussian_product_measures(
    cfg: GaussianProductConfig, qr_logs: np.ndarray, sv64: np.ndarray, rank32: np.ndarray
) -> dict[str, Any]:
    """Thm 5, Cor. 1 and the rank decay measured on the recorded arrays."""
    trials, depth, n = sv64.shape
    mu = lyapunov_exponents(n)
    # 1. QR (Lyapunov) estimate of the exponents of eq. (10), with exact standard errors:
    # |R_kk|^2 ~ chi^2_{n-k+1} independently, Var(log|R_kk|) = polygamma(1, (n-k+1)/2) / 4.
    est = (qr_logs[:, -1] - qr_logs[:, -1, :1]).mean(0) / depth
    var = polygamma(1, (n - np.arange(1, n + 1) + 1) / 2.0) / 4.0
    se = np.sqrt((var + var[0]) / (depth * trials))[1:]
    z = (est[1:] - (mu[1:] - mu[0])) / se
    k = np.arange(1, n + 1)
    misprint = 0.5 * (1.0 / digamma((n - k + 1) / 2.0) - 1.0 / digamma(n / 2.0))  # psi = Gamma/Gamma'
    z_mis = (est[1:] - misprint[1:]) / se
    # 2. the singular values of the float64 product itself, where resolvable
    devs = []
    for layer in range(depth):
        ratio = sv64[:, layer] / sv64[:, layer, :1]
        ok = ratio[:, 1:] > cfg.resolvable
        dev = np.abs(np.log(ratio[:, 1:]) / (layer + 1) - (mu[1:] - mu[0]))
        devs.append(float(dev[ok].max()) if ok.any() else float("nan"))
    logs1 = np.log(sv64[:, :, 0]).mean(0) / np.arange(1, depth + 1)
    valid = rank32 >= 0
    mean_rank = np.array(
        [rank32[:, i][valid[:, i]].mean() if valid[:, i].any() else np.nan for i in range(depth)]
    )
    monotone = all(bool(np.all(np.diff(rank32[t][valid[t]]) <= 0)) for t in range(trials))
    falling = np.flatnonzero(mean_rank < n)
    slope, r2 = float("nan"), float("nan")
    if len(falling) >= 3:
        slope, r2 = semilog_fit(falling + 1.0, mean_rank[falling])
    limit = _limit_law(mu, depth)
    return {
        "n": n,
        "depth": depth,
        "trials": trials,
        "qr_max_abs_z": float(np.abs(z).max()),
        "qr_max_abs_ratio_deviation": float(np.abs(np.exp(est) - np.exp(mu - mu[0])).max()),
        "qr_max_abs_z_misprinted_psi": float(np.abs(z_mis).max()),
        "direct_max_log_dev_by_depth": devs,
        "log_sigma1_over_L": [float(v) for v in logs1],
        "cor1_limit": float(mu[0]),
        "mean_rank_float32": [float(v) for v in mean_rank],
        "rank_non_increasing": monotone,
        "limit_law_rank": limit,
        "log_rank_slope": slope,
        "log_rank_r2": r2,
    }


def _limit_law(mu: np.ndarray, depth: int) -> list[int]:
    """The float32 rank the limit law predicts at each depth L: ``#{k: L (mu_k - mu_1) >= log eps}``,
    ``eps`` = eq. (4)'s threshold ``1.19e-7 x n``."""
    eps = F32_EPS * len(mu)
    return [int((L * (mu - mu[0]) >= math.log(eps)).sum()) for L in range(1, depth + 1)]


def gaussian_product_checks(
    cfg: GaussianProductConfig, qr_logs: np.ndarray, sv64: np.ndarray, rank32: np.ndarray
) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the recorded arrays: checks, measures."""
    measures = gaussian_product_measures(cfg, qr_logs, sv64, rank32)
    return evaluate_claims(GaussianProductExperiment.claims, measures, cfg), measures


def _direct_converges(m: Any, cfg: GaussianProductConfig) -> bool:
    devs, depth = np.asarray(m["direct_max_log_dev_by_depth"]), m["depth"]
    return bool(devs[-1] <= cfg.direct_tol and devs[-1] < devs[0] and np.nanargmin(devs) >= depth // 2)


def _direct_text(m: Any, cfg: GaussianProductConfig) -> str:
    devs, depth = m["direct_max_log_dev_by_depth"], m["depth"]
    shown = [0, 4, 9, depth // 2 - 1, depth - 1]
    return (
        "max |log ratio^(1/L) - log eq. 10| over resolvable k (sigma_k/sigma_1 > "
        f"{cfg.resolvable:g}): "
        + ", ".join(f"L={i + 1}: {devs[i]:.3f}" for i in shown if i < depth)
        + f" (criterion: decreasing from L = 1 to L = {depth} and <= {cfg.direct_tol} at L = {depth})"
    )


def _cor1_error(m: Any) -> np.ndarray:
    """Relative error of log sigma_1 / L from Cor. 1's limit, by depth."""
    ratio = np.asarray(m["log_sigma1_over_L"], dtype=np.float64) / float(m["cor1_limit"])
    return np.abs(ratio - 1.0)


def _cor1_text(m: Any, cfg: GaussianProductConfig) -> str:
    rel, depth = _cor1_error(m), m["depth"]
    return (
        f"log sigma_1 / L = {m['log_sigma1_over_L'][-1]:.4f} at L = {depth} vs {m['cor1_limit']:.4f} "
        f"(relative error {rel[-1]:.2%}; {rel[0]:.2%} at L = 1) (criterion: <= {cfg.cor1_tol:.0%} at "
        f"L = {depth} and decreasing)"
    )


def _rank_falls(m: Any) -> bool:
    mean_rank = m["mean_rank_float32"]
    return bool(m["rank_non_increasing"] and mean_rank[-1] <= m["n"] / 2 and m["log_rank_r2"] >= 0.9)


def _rank_text(m: Any) -> str:
    mean_rank, depth = m["mean_rank_float32"], m["depth"]
    return (
        f"float32 numerical rank (eq. 4): {int(mean_rank[0])} at L = 1, "
        f"{mean_rank[depth // 2 - 1]:.0f} at L = "
        f"{depth // 2}, {mean_rank[-1]:.0f} at L = {depth} (limit law {m['limit_law_rank'][-1]}); "
        f"non-increasing in every trial: {m['rank_non_increasing']}; fit log rank = a + b L over the "
        f"falling range: b = {m['log_rank_slope']:.4f}/layer, R^2 = {m['log_rank_r2']:.3f} (criterion: "
        f"non-increasing, rank at L = {depth} <= n/2, R^2 >= 0.9)"
    )
