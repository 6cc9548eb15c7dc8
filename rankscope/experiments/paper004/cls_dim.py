"""``cls-dim``: paper 004 Sec. 3.3, eq. (6), Table 2, Fig. 2 — low dimension of the final features of
classifiers.

The classification dimension (the least number of principal directions of the final features whose
projection keeps 95% of the accuracy) of an MLP, a small ResNet and a small ViT trained on
scikit-learn's digits, beside the ambient dimension, and the accuracy-vs-k curve of Fig. 2.

Expected wall time on 2 cores: quick about 3.5 min (measured, 200-235 s on a loaded machine); paper not timed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rankscope.analysis.features import accuracy_curve, classification_dimension
from rankscope.experiments.base import Experiment, ExperimentConfig, Progress, choice, no_progress
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.experiments.paper004._common import DIGITS_NETS, train_digits_nets
from rankscope.store import RunDir

__all__ = ["PAPER_MAX_RATIO", "ClsDimConfig", "ClsDimExperiment", "cls_dim_checks"]

PAPER_MAX_RATIO = 109 / 192  # Table 2's largest ClsDim / ambient dimension (ViT-T)


@dataclass(frozen=True)
class ClsDimConfig(ExperimentConfig):
    """Configuration of ``cls-dim`` (see module docstring)."""

    nets: tuple[str, ...] = choice(("mlp", "resnet", "vit"), DIGITS_NETS)
    width: int = 64
    depth: int = 3
    stages: tuple[tuple[str, int, float], ...] = (("adam", 300, 3e-3),)
    eps: float = 0.05
    search: str = choice("binary", ("binary", "linear"))
    max_ratio: float = PAPER_MAX_RATIO
    batch_size: int = 128
    checkpoint_every: int = 50


class ClsDimExperiment(Experiment[ClsDimConfig]):
    name = "cls-dim"
    Config = ClsDimConfig
    claims = (
        Claim(
            "classification dimension well below the ambient dimension",
            paper="ClsDim (95% of the full accuracy) is a small fraction of the ambient dimension: "
            "149/512, 131/2048, 199/384, 196/384, 344/768, 109/192 (Table 2)",
            reads=("cls_dim", "ambient_dim", "full_accuracy"),
            criterion=lambda m, cfg: (
                bool(m) and all(r["cls_dim"] / r["ambient_dim"] <= cfg.max_ratio for r in m.values())
            ),
            describe=lambda m, cfg: (
                "; ".join(
                    f"{k}: ClsDim {r['cls_dim']}/{r['ambient_dim']} (full test accuracy "
                    f"{r['full_accuracy']:.3f})"
                    for k, r in m.items()
                )
                + f" (criterion: ClsDim / ambient <= {cfg.max_ratio:.3f}, Table 2's largest ratio, "
                "for every network)"
            ),
        ),
    )

    def run(self, cfg: ClsDimConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        kinds = [(k, k) for k in cfg.nets]
        data, trained = train_digits_nets(cfg, kinds, cfg.width, cfg.depth, run_dir, progress)
        results, arrays = {}, {}
        for label, model in trained.items():
            net: Any = model
            with torch.no_grad():
                feats = net.features(data.x_test)
            res = classification_dimension(feats, data.y_test, net.head, eps=cfg.eps, search=cfg.search)  # type: ignore[arg-type]
            ks = list(range(1, feats.shape[1] + 1))
            arrays[f"{label}/curve"] = accuracy_curve(feats, data.y_test, net.head, ks)
            results[label] = res.as_dict()
        return Result(results, arrays)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        arrays = run_dir.read_arrays()
        fig, ax = new_figure(figsize=(6, 4))
        for key in sorted(arrays):
            curve = arrays[key]
            ax.plot(100 * np.arange(1, len(curve) + 1) / len(curve), curve, label=key.split("/")[0])
        ax.set(
            xscale="log",
            xlabel="top-k principal directions (% of ambient dimension)",
            ylabel="test accuracy",
            title="Fig. 2: accuracy of projected final features (digits)",
        )
        ax.legend(fontsize="small")
        run_dir.save_figure(fig, "cls_dim")


def cls_dim_checks(cfg: ClsDimConfig, results: dict[str, dict[str, Any]]) -> list[Check]:
    """Table 2's claim (ClsDim well below the ambient dimension, as a ratio bound) on the per-network
    ``results`` (the measures)."""
    return evaluate_claims(ClsDimExperiment.claims, results, cfg)
