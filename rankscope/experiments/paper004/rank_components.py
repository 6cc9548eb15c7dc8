"""``rank-components``: paper 004 Fig. 3, Thm 3 — the rank each network component loses.

A random fully connected layer on Gaussian inputs of shape ``C x 8 x 8`` followed by one component
(3x3 convolution, FC, BatchNorm, LayerNorm, InstanceNorm, GroupNorm, ReLU, GELU); the numerical rank
of the full Jacobian and the PCA dimension of the features before and after the component.

BatchNorm is measured in both modes; ``batchnorm_mode`` says which one the claims read:

- ``"train"`` (default, the paper's): batch statistics. Paper 004 states that normalisations lose
  dimensions "as the output feature remains invariant along the normalized direction at each point"
  (Sec. 4.1 after Thm 3), which for BatchNorm holds only with batch statistics; its Fig. 3 uses
  freshly randomised components (PyTorch builds them in training mode; the paper never mentions
  eval mode), and its Jacobian code (Alg. A1) differentiates at one input. With one input the batch
  is that point, so BatchNorm normalises each channel over its 8 x 8 positions, like InstanceNorm,
  and the Jacobian loses 2 directions per channel. The PCA dimension of a batch of features is kept: with
  the batch's statistics BatchNorm is one per-channel affine map of the whole batch.
- ``"eval"``: running statistics measured on the features (the map a trained network applies at
  test time): a per-channel affine map of full rank, which loses neither rank nor PCA dimension.

Expected wall time on 2 cores (quick measured on a loaded machine; paper estimated, not
measured): quick about 1 min, paper (C = 128, d = 8192) tens of minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope.experiments.base import Check, Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.linalg.pca_dim import pca_dimension
from rankscope.matrices.jacobian_ranks import partial_ranks
from rankscope.store import RunDir

__all__ = [
    "BATCHNORM_MODES",
    "COMPONENTS",
    "ComponentsConfig",
    "ComponentsExperiment",
    "build_component",
    "components_checks",
    "invariant_directions",
]

COMPONENTS = ("conv3x3", "fc", "batchnorm", "layernorm", "instancenorm", "groupnorm", "relu", "gelu")
NORMS = ("batchnorm", "layernorm", "instancenorm", "groupnorm")
#: BatchNorm with batch statistics (the paper's Fig. 3, Thm 3) or with running statistics (module doc)
BATCHNORM_MODES = ("train", "eval")


class _OnFlat(nn.Module):
    """Apply a map of flat vectors to ``(B, C, H, W)`` features and reshape back."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.inner(x.flatten(1))
        return out.reshape(x.shape)


def _gaussian_linear(d: int, gen: torch.Generator) -> nn.Module:
    lin = nn.Linear(d, d, bias=False)
    with torch.no_grad():
        lin.weight.normal_(0.0, 1.0 / math.sqrt(d), generator=gen)
    return _OnFlat(lin)


def build_component(
    name: str, channels: int, groups: int, gen: torch.Generator, batchnorm_mode: str = "train"
) -> nn.Module:
    """One network component of Fig. 3 on ``(B, channels, 8, 8)`` features, weights drawn from ``gen``.

    BatchNorm in ``batchnorm_mode="train"`` keeps no running statistics (it always normalises with the
    statistics of the batch it is given, so a Jacobian at one point sees the point's own statistics);
    in ``"eval"`` it tracks cumulative running statistics, to be filled by one training-mode pass.
    """
    d = channels * 64
    if name == "conv3x3":
        conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        with torch.no_grad():
            conv.weight.normal_(0.0, 1.0 / math.sqrt(9 * channels), generator=gen)
        return conv
    if name == "fc":
        return _gaussian_linear(d, gen)
    table: dict[str, Any] = {
        "batchnorm": lambda: nn.BatchNorm2d(
            channels, momentum=None, track_running_stats=batchnorm_mode == "eval"
        ),
        "layernorm": lambda: nn.LayerNorm([channels, 8, 8]),
        "instancenorm": lambda: nn.InstanceNorm2d(channels),
        "groupnorm": lambda: nn.GroupNorm(groups, channels),
        "relu": nn.ReLU,
        "gelu": nn.GELU,
    }
    if name not in table:
        raise ValueError(f"components: unknown component {name!r}; expected some of {list(COMPONENTS)}")
    module: nn.Module = table[name]()
    return module


def invariant_directions(name: str, channels: int, groups: int, batchnorm_mode: str = "train") -> int | None:
    """Thm 3's count of directions a normalisation is invariant to at a generic point: shift and scale
    of each normalised group (2 per group); BatchNorm with batch statistics at one point normalises
    each channel over its positions (2 per channel), in eval mode it is an affine map (0)."""
    bn = 2 * channels if batchnorm_mode == "train" else 0
    return {"layernorm": 2, "instancenorm": 2 * channels, "groupnorm": 2 * groups, "batchnorm": bn}.get(name)


@dataclass(frozen=True)
class ComponentsConfig(ExperimentConfig):
    """Configuration of ``rank-components`` (see module docstring)."""

    channels: int = 16
    groups: int = 4
    samples: int = 2048
    components: tuple[str, ...] = choice(COMPONENTS, COMPONENTS)
    batchnorm_mode: str = choice("train", BATCHNORM_MODES)  # which BatchNorm the claims read
    much: float = 0.05  # "lose much": PCA-dimension loss >= this fraction
    little: float = 0.05  # "lose a little": Jacobian-rank loss <= this fraction of d
    chunk_size: int = 256


class ComponentsExperiment(Experiment[ComponentsConfig]):
    name = "rank-components"
    Config = ComponentsConfig
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
                + f" (BatchNorm read in {cfg.batchnorm_mode} mode"
                + _batchnorm_modes_text(m)
                + "; in eval mode it is a per-channel affine map of full rank)"
            ),
        ),
    )

    def run(self, cfg: ComponentsConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        run_dir.truncate_metrics_after(-1)
        gen = torch.Generator().manual_seed(cfg.seed)
        c, d = cfg.channels, cfg.channels * 64
        inputs = torch.randn(cfg.samples, c, 8, 8, generator=gen)
        x = torch.randn(c, 8, 8, generator=gen)
        base = _gaussian_linear(d, gen)
        with torch.no_grad():
            feats = base(inputs)
            before_rank = partial_ranks(base, x, "all", ["inner"], chunk_size=cfg.chunk_size).ranks[0]
            before_pca = pca_dimension(feats.flatten(1))
            rows = []
            for i, name in enumerate(cfg.components):
                modes = BATCHNORM_MODES if name == "batchnorm" else (cfg.batchnorm_mode,)
                after: dict[str, tuple[int, int]] = {}
                for mode in modes:
                    comp = build_component(name, c, cfg.groups, gen, mode)
                    if name == "batchnorm" and mode == "eval":
                        comp.train()(feats)  # running statistics of the features (cumulative average)
                    comp.eval()  # a no-op for BatchNorm without running statistics
                    net = nn.Sequential(base, comp)
                    after_rank = partial_ranks(net, x, "all", ["1"], chunk_size=cfg.chunk_size).ranks[0]
                    after[mode] = (after_rank, pca_dimension(comp(feats).flatten(1)))
                row = {
                    "step": i,
                    "component": name,
                    "rank_before": before_rank,
                    "rank_after": after[cfg.batchnorm_mode][0],
                    "pca_before": before_pca,
                    "pca_after": after[cfg.batchnorm_mode][1],
                    "predicted_loss": invariant_directions(name, c, cfg.groups, cfg.batchnorm_mode),
                }
                if name == "batchnorm":
                    for mode, (r, p) in after.items():
                        row[f"rank_after_{mode}"], row[f"pca_after_{mode}"] = r, p
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
    return max(1, round(0.002 * int(m["d"])))


def _norms_lose_little(m: Any, cfg: ComponentsConfig) -> bool:
    jl, norms, d = _losses(m)[1], _present(m)[1], m["d"]
    pred = {k: invariant_directions(k, cfg.channels, cfg.groups, cfg.batchnorm_mode) for k in norms}
    tol = _invariant_tolerance(m)
    return bool(norms) and all(abs(jl[k] - (pred[k] or 0)) <= tol and jl[k] <= cfg.little * d for k in norms)


def _norms_lose_little_text(m: Any, cfg: ComponentsConfig) -> str:
    jl, norms = _losses(m)[1], _present(m)[1]
    pred = {k: invariant_directions(k, cfg.channels, cfg.groups, cfg.batchnorm_mode) for k in norms}
    return (
        "Jacobian-rank loss vs Thm 3's invariant directions (2 per normalised group; BatchNorm in "
        f"{cfg.batchnorm_mode} mode: 2 per channel with batch statistics at one point, 0 in eval mode): "
        + ", ".join(f"{k} {jl[k]} vs {pred[k]}" for k in norms)
        + f" (criterion: within {_invariant_tolerance(m)} of the count, and <= {cfg.little:.0%} of "
        f"d = {m['d']})"
    )


def _batchnorm_modes_text(m: Any) -> str:
    """Both BatchNorm modes' rank and PCA dimension after, when the row has them."""
    bn = _losses(m)[0].get("batchnorm", {})
    return "".join(
        f"; {mode}: rank {bn['rank_before']}->{bn[f'rank_after_{mode}']}, "
        f"PCA {bn['pca_before']}->{bn[f'pca_after_{mode}']}"
        for mode in BATCHNORM_MODES
        if f"rank_after_{mode}" in bn
    )


def _rank_keepers(m: Any) -> list[str]:
    """Components that lose neither Jacobian rank nor PCA dimension."""
    by, jl, pl = _losses(m)
    return [k for k in by if jl[k] <= 0 and pl[k] <= 0]
