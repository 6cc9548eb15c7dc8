"""Paper 004: rank diminishing of random products and of components.

- ``rank-gaussian-product`` — Thm 5, Cor. 1, Fig. 1(d-f): products ``J_L = G_L ... G_1`` of independent
  standard Gaussian n x n matrices (the Jacobian of a linear "MLP-50" with Gaussian weights). Eq. (10):
  ``(sigma_k / ||J_L||_2)^(1/L) -> exp((psi((n-k+1)/2) - psi(n/2)) / 2)`` with ``psi = Gamma'/Gamma``
  the digamma function (the converted text prints ``psi = Gamma/Gamma'``, a conversion error: Newman's
  Lyapunov exponents of Ginibre matrices, Thm 11 / eq. (A93), are ``(log 2 + psi((n-i+1)/2)) / 2``;
  eq. (A93)'s ``log(2 + psi)`` is also garbled). Cor. 1: ``log sigma_1 / L -> (log 2 + psi(n/2)) / 2``.
  Measured three ways on the same matrices: the singular values of the float64 product (resolvable
  while ``sigma_k / sigma_1 > 1e-10``), the Lyapunov spectrum by the QR (Benettin) method in float64
  (``G_l Q_{l-1} = Q_l R_l``; ``(1/L) sum_l log|R_l,kk|`` has the same limit for every k and no
  resolution limit), and, as in the paper, the float32 product (scaled by ``1/sqrt(n)`` per layer,
  which leaves every ratio unchanged and keeps float32 in range) with its numerical rank (eq. (4))
  and the PCA dimension of features ``J_L x`` of Gaussian inputs.
- ``rank-components`` — Fig. 3, Thm 3: a random fully connected layer on Gaussian inputs of shape
  ``C x 8 x 8`` followed by one component (3x3 convolution, FC, BatchNorm, LayerNorm, InstanceNorm,
  GroupNorm, ReLU, GELU); the numerical rank of the full Jacobian and the PCA dimension of the features
  before and after the component. BatchNorm runs in eval mode with running statistics measured on the
  features (the map a trained network applies): a per-channel affine map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from scipy.special import digamma, polygamma
from threadpoolctl import threadpool_limits
from torch import nn

from rankscope.analysis import semilog_fit
from rankscope.experiments.base import (
    Check,
    Experiment,
    ExperimentConfig,
    Progress,
    choice,
    no_progress,
    register,
)
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.linalg import numerical_rank, singular_spectrum
from rankscope.linalg.ginibre import lyapunov_exponents
from rankscope.linalg.pca_dim import pca_dimension
from rankscope.matrices.jacobian import partial_ranks
from rankscope.store import RunDir

__all__ = [
    "ComponentsConfig",
    "GaussianProductConfig",
    "build_component",
    "components_checks",
    "gaussian_product_checks",
    "invariant_directions",
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


@register
class GaussianProductExperiment(Experiment):
    name = "rank-gaussian-product"
    summary = "Paper 004 Thm 5 / Cor. 1 / Fig. 1(d-f): rank of products of Gaussian matrices falls with depth"
    paper = "paper 004, Thm 5, Cor. 1, Fig. 1(d-f)"
    Config = GaussianProductConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"n": 200, "depth": 40, "trials": 3},
        "paper": {"n": 1000, "depth": 50, "trials": 3},
    }
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

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: GaussianProductConfig = config
        run_dir.truncate_metrics_after(-1)  # no training: a resumed run starts afresh
        n, depth = cfg.n, cfg.depth
        shape = (cfg.trials, depth, n)
        qr_logs, sv64 = np.zeros(shape), np.full(shape, np.nan)
        rank32, pca32 = np.full(shape[:2], -1), np.full(shape[:2], -1)
        with threadpool_limits(cfg.threads):
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
            ax2.plot(
                depths,
                np.where(rank32[t] >= 0, rank32[t], np.nan),
                "C0",
                alpha=0.7,
                label="Jacobian rank (float32)" if t == 0 else None,
            )
            ax2.plot(
                depths,
                np.where(pca32[t] >= 0, pca32[t], np.nan),
                "C1",
                alpha=0.7,
                label="feature PCA dim (float32)" if t == 0 else None,
            )
        eps = F32_EPS * n
        ax2.plot(
            depths,
            [(L * (mu - mu[0]) >= math.log(eps)).sum() for L in depths],
            "k--",
            label="limit law: #{k: L(mu_k - mu_1) >= log eps}",
        )
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
    eps = F32_EPS * n
    limit = [int((L * (mu - mu[0]) >= math.log(eps)).sum()) for L in range(1, depth + 1)]
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
    return np.abs(np.asarray(m["log_sigma1_over_L"]) / m["cor1_limit"] - 1.0)


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


COMPONENTS = ("conv3x3", "fc", "batchnorm", "layernorm", "instancenorm", "groupnorm", "relu", "gelu")
NORMS = ("batchnorm", "layernorm", "instancenorm", "groupnorm")


class _OnFlat(nn.Module):
    """Apply a map of flat vectors to ``(B, C, H, W)`` features and reshape back."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x.flatten(1)).reshape(x.shape)


def _gaussian_linear(d: int, gen: torch.Generator) -> nn.Module:
    lin = nn.Linear(d, d, bias=False)
    with torch.no_grad():
        lin.weight.normal_(0.0, 1.0 / math.sqrt(d), generator=gen)
    return _OnFlat(lin)


def build_component(name: str, channels: int, groups: int, gen: torch.Generator) -> nn.Module:
    """One network component of Fig. 3 on ``(B, channels, 8, 8)`` features, weights drawn from ``gen``."""
    d = channels * 64
    if name == "conv3x3":
        conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        with torch.no_grad():
            conv.weight.normal_(0.0, 1.0 / math.sqrt(9 * channels), generator=gen)
        return conv
    if name == "fc":
        return _gaussian_linear(d, gen)
    table: dict[str, Any] = {
        "batchnorm": lambda: nn.BatchNorm2d(channels, momentum=None),
        "layernorm": lambda: nn.LayerNorm([channels, 8, 8]),
        "instancenorm": lambda: nn.InstanceNorm2d(channels),
        "groupnorm": lambda: nn.GroupNorm(groups, channels),
        "relu": nn.ReLU,
        "gelu": nn.GELU,
    }
    if name not in table:
        raise ValueError(f"components: unknown component {name!r}; expected some of {list(COMPONENTS)}")
    return table[name]()


def invariant_directions(name: str, channels: int, groups: int) -> int | None:
    """Thm 3's count of directions a normalisation is invariant to at a generic point: shift and scale
    of each normalised group (2 per group); 0 for eval-mode BatchNorm (an affine map)."""
    return {"layernorm": 2, "instancenorm": 2 * channels, "groupnorm": 2 * groups, "batchnorm": 0}.get(name)


@dataclass(frozen=True)
class ComponentsConfig(ExperimentConfig):
    """Configuration of ``rank-components`` (see module docstring)."""

    channels: int = 16
    groups: int = 4
    samples: int = 2048
    components: tuple[str, ...] = choice(COMPONENTS, COMPONENTS)
    much: float = 0.05  # "lose much": PCA-dimension loss >= this fraction
    little: float = 0.05  # "lose a little": Jacobian-rank loss <= this fraction of d
    chunk_size: int = 256


@register
class ComponentsExperiment(Experiment):
    name = "rank-components"
    summary = "Paper 004 Fig. 3 / Thm 3: rank and PCA dimension lost by network components"
    paper = "paper 004, Sec. 4.3 (Structural Impetus), Fig. 3, Thm 3"
    Config = ComponentsConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"channels": 16, "groups": 4, "samples": 2048},
        "paper": {"channels": 128, "groups": 32, "samples": 5000},
    }
    claims = (
        Claim(
            "no component increases the Jacobian rank",
            paper="Rank(f o F) <= Rank(F) for every component f (Thm 2; Fig. 3)",
            reads=("rows", "d"),
            criterion=lambda m, cfg: all(v >= 0 for v in _losses(m)[1].values()),
            describe=lambda m, cfg: _never_increases_text(m),
        ),
        Claim(
            "convolution and FC lose much",
            paper="convolution and FC layers tend to lose rank considerably; normalisations only modestly "
            "(Fig. 3)",
            reads=("rows",),
            criterion=lambda m, cfg: _linear_lose_much(m, cfg),
            describe=lambda m, cfg: _linear_lose_much_text(m, cfg),
        ),
        Claim(
            "normalisations lose a little: their invariant directions",
            paper="normalisation layers lose rank modestly, as the output is invariant along the normalised "
            "directions (Thm 3)",
            reads=("rows", "d"),
            criterion=lambda m, cfg: _norms_lose_little(m, cfg),
            describe=lambda m, cfg: _norms_lose_little_text(m, cfg),
        ),
        Claim(
            "no component preserves rank",
            paper="none [of the components] can preserve rank (Fig. 3)",
            reads=("rows",),
            criterion=lambda m, cfg: not _rank_keepers(m),
            describe=lambda m, cfg: (
                "components losing neither Jacobian rank nor PCA dimension: "
                + (", ".join(_rank_keepers(m)) or "none")
                + " (BatchNorm in eval mode is a per-channel affine map of full rank; "
                "the paper does not say which mode "
                "it measured)"
            ),
        ),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: ComponentsConfig = config
        run_dir.truncate_metrics_after(-1)
        gen = torch.Generator().manual_seed(cfg.seed)
        c, d = cfg.channels, cfg.channels * 64
        inputs = torch.randn(cfg.samples, c, 8, 8, generator=gen)
        x = torch.randn(c, 8, 8, generator=gen)
        base = _gaussian_linear(d, gen)
        with threadpool_limits(cfg.threads), torch.no_grad():
            feats = base(inputs)
            before_rank = partial_ranks(base, x, "all", ["inner"], chunk_size=cfg.chunk_size).ranks[0]
            before_pca = pca_dimension(feats.flatten(1))
            rows = []
            for i, name in enumerate(cfg.components):
                comp = build_component(name, c, cfg.groups, gen)
                if name == "batchnorm":
                    comp.train()(feats)  # running statistics of the features (cumulative average)
                comp.eval()
                net = nn.Sequential(base, comp)
                after_rank = partial_ranks(net, x, "all", ["1"], chunk_size=cfg.chunk_size).ranks[0]
                row = {
                    "step": i,
                    "component": name,
                    "rank_before": before_rank,
                    "rank_after": after_rank,
                    "pca_before": before_pca,
                    "pca_after": pca_dimension(comp(feats).flatten(1)),
                    "predicted_loss": invariant_directions(name, c, cfg.groups),
                }
                rows.append(row)
                run_dir.append_metrics(row)
                progress("components", i + 1, len(cfg.components))
        return Result({"rows": rows, "d": d})

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        rows = run_dir.read_metrics()
        names = [r["component"] for r in rows]
        pos = np.arange(len(rows))
        fig, axes = new_figure(1, 2, figsize=(12, 4))
        for ax, key, title in ((axes[0], "rank", "Jacobian rank"), (axes[1], "pca", "PCA dimension")):
            ax.bar(pos - 0.2, [r[f"{key}_before"] for r in rows], 0.4, label="before")
            ax.bar(pos + 0.2, [r[f"{key}_after"] for r in rows], 0.4, label="after")
            ax.set_xticks(pos, names, rotation=30)
            lo = min(min(r[f"{key}_after"] for r in rows), min(r[f"{key}_before"] for r in rows))
            ax.set_ylim(0.9 * lo, None)
            ax.set_title(f"Fig. 3: {title} before / after each component")
            ax.legend(fontsize="small")
        run_dir.save_figure(fig, "components")


def components_checks(
    cfg: ComponentsConfig, rows: list[dict[str, Any]]
) -> tuple[list[Check], dict[str, Any]]:
    """Fig. 3's claims decided on the per-component records: checks, measures."""
    measures = {"rows": rows, "d": cfg.channels * 64}
    return evaluate_claims(ComponentsExperiment.claims, measures, cfg), measures


def _losses(m: Any) -> tuple[dict[str, dict[str, Any]], dict[str, int], dict[str, int]]:
    """Rows by component, and each component's Jacobian-rank and PCA-dimension losses."""
    by = {r["component"]: r for r in m["rows"]}
    jl = {k: r["rank_before"] - r["rank_after"] for k, r in by.items()}
    pl = {k: r["pca_before"] - r["pca_after"] for k, r in by.items()}
    return by, jl, pl


def _present(m: Any) -> tuple[list[str], list[str]]:
    """The linear components (conv, FC) and the normalisations among the rows."""
    by = _losses(m)[0]
    return [k for k in ("conv3x3", "fc") if k in by], [k for k in NORMS if k in by]


def _never_increases_text(m: Any) -> str:
    return (
        "; ".join(
            f"{k}: rank {r['rank_before']}->{r['rank_after']}, PCA {r['pca_before']}->{r['pca_after']}"
            for k, r in _losses(m)[0].items()
        )
        + f" (d = {m['d']})"
    )


def _much_fraction(m: Any) -> dict[str, float]:
    by, _, pl = _losses(m)
    return {k: pl[k] / max(by[k]["pca_before"], 1) for k in _present(m)[0]}


def _linear_lose_much(m: Any, cfg: ComponentsConfig) -> bool:
    pl, (linear, norms) = _losses(m)[2], _present(m)
    return (
        bool(linear)
        and all(v >= cfg.much for v in _much_fraction(m).values())
        and all(pl[a] > pl[b] for a in linear for b in norms)
    )


def _linear_lose_much_text(m: Any, cfg: ComponentsConfig) -> str:
    _, jl, pl = _losses(m)
    (linear, norms), much = _present(m), _much_fraction(m)
    return (
        "PCA-dimension loss: "
        + ", ".join(f"{k} {pl[k]} ({much[k]:.1%})" for k in linear)
        + "; normalisations "
        + ", ".join(f"{k} {pl[k]}" for k in norms)
        + "; Jacobian-rank loss: "
        + ", ".join(f"{k} {jl[k]}" for k in linear + norms)
        + f" (criterion: conv and FC each lose >= {cfg.much:.0%} of the PCA dimension, "
        "more than any normalisation)"
    )


def _invariant_tolerance(m: Any) -> int:
    return max(1, round(0.002 * m["d"]))


def _norms_lose_little(m: Any, cfg: ComponentsConfig) -> bool:
    jl, norms, d = _losses(m)[1], _present(m)[1], m["d"]
    pred = {k: invariant_directions(k, cfg.channels, cfg.groups) for k in norms}
    tol = _invariant_tolerance(m)
    return bool(norms) and all(abs(jl[k] - (pred[k] or 0)) <= tol and jl[k] <= cfg.little * d for k in norms)


def _norms_lose_little_text(m: Any, cfg: ComponentsConfig) -> str:
    jl, norms = _losses(m)[1], _present(m)[1]
    pred = {k: invariant_directions(k, cfg.channels, cfg.groups) for k in norms}
    return (
        "Jacobian-rank loss vs Thm 3's invariant directions (2 per normalised group; 0 for eval-mode "
        "BatchNorm, an affine map): "
        + ", ".join(f"{k} {jl[k]} vs {pred[k]}" for k in norms)
        + f" (criterion: within {_invariant_tolerance(m)} of the count, and <= {cfg.little:.0%} of "
        f"d = {m['d']})"
    )


def _rank_keepers(m: Any) -> list[str]:
    """Components that lose neither Jacobian rank nor PCA dimension."""
    by, jl, pl = _losses(m)
    return [k for k in by if jl[k] <= 0 and pl[k] <= 0]
