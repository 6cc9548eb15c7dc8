"""Shared parts of the paper 004 experiments: the small classifiers trained on scikit-learn's digits
(``rankscope.problems.digits``, with checkpoints and resume) for ``cls-dim``, ``independence-deficit``
and ``rank-layers``, and the partial-rank monotonicity test of Thm 2.

Not an experiment module (the leading underscore keeps it out of the registry).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.linalg import numerical_rank
from rankscope.matrices.jacobian_ranks import PartialRanks
from rankscope.nets import MLP
from rankscope.nets.patch_nets import ViT
from rankscope.nets.resnet import ResNet
from rankscope.problems.digits import Digits, load_digits
from rankscope.train import Stage, Trainer, parse_stages

__all__ = [
    "DIGITS_NETS",
    "DIGITS_TEST_FRACTION",
    "accuracy_on_test",
    "build_digits_net",
    "rank_increases",
    "train_digits_nets",
    "train_nets",
]

DIGITS_NETS = ("mlp", "resnet", "vit")


DIGITS_TEST_FRACTION = 1 / 3  # paper 004's digits split: rankscope.problems.digits.load_digits


class _Flatten(nn.Module):
    """An MLP on images: flatten ``(n, 1, 8, 8)`` to ``(n, 64)`` first; same sub-network names."""

    def __init__(self, mlp: MLP) -> None:
        super().__init__()
        self.mlp = mlp
        self.ambient_dim = mlp.head.in_features

    @property
    def head(self) -> nn.Linear:
        return self.mlp.head

    def rank_layer_names(self) -> list[str]:
        return [f"mlp.{n}" for n in self.mlp.hidden_layer_names()]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp.features(x.flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.mlp(x.flatten(1))
        return out


def build_digits_net(kind: str, width: int, depth: int, seed: int) -> nn.Module:
    """A digits classifier: ``mlp`` (ReLU MLP), ``resnet`` (3x3 stem, ``depth`` stages of one block)
    or ``vit`` (2x2 patches, ``depth`` blocks); each has final features of dimension ``width``."""
    if kind == "mlp":
        return _Flatten(
            MLP(64, width, depth, 10, act="relu", init="uniform_fan_in", seed=seed, out_bias=True)
        )
    if kind == "resnet":
        if width % 2 ** (depth - 1):
            raise ValueError(
                f"resnet: width must be divisible by 2**(depth-1) = {2 ** (depth - 1)}; got {width}"
            )
        stem = width // 2 ** (depth - 1)  # channels double per stage: the final features have `width`
        return ResNet((1,) * depth, width=stem, in_channels=1, num_classes=10, small_input=True, seed=seed)
    if kind == "vit":
        return ViT(
            image_size=8,
            patch=2,
            in_channels=1,
            dim=width,
            depth=depth,
            heads=4,
            mlp_dim=2 * width,
            num_classes=10,
            seed=seed,
        )
    raise ValueError(f"kind must be one of {list(DIGITS_NETS)}; got {kind!r}")


def train_nets(
    nets: Sequence[tuple[str, nn.Module]],
    data: Digits,
    stages: Sequence[Stage],
    run_dir: Any,
    progress: Callable[[str, int, int], None],
    *,
    batch_size: int | None = None,
    seed: int = 0,
    checkpoint_every: int = 100,
    record_every: int = 10,
) -> dict[str, nn.Module]:
    """Train each labelled net in turn by cross-entropy; resumable from ``run_dir``.

    Each step uses ``batch_size`` training samples drawn with replacement by the global torch RNG
    (seeded with ``seed + net index`` before each net; its state is part of every checkpoint), or the
    full batch when ``batch_size`` is ``None``.

    Metrics records ``{"step", "net", "iter", "loss"}`` are appended every ``record_every`` steps
    (``step`` is global: ``net_index * (total + 1) + iter``). Checkpoints hold the finished nets'
    weights and the current trainer; a resumed run reloads them and continues where it stopped.
    Returns the trained nets (in eval mode).
    """
    total = sum(s.steps for s in stages)

    def loss_fn(m: nn.Module) -> torch.Tensor:
        if batch_size is None or batch_size >= len(data.y_train):
            return nn.functional.cross_entropy(m(data.x_train), data.y_train)
        rows = torch.randint(len(data.y_train), (batch_size,))  # global RNG: saved in checkpoints
        return nn.functional.cross_entropy(m(data.x_train[rows]), data.y_train[rows])

    def job(i: int, label: str, net: nn.Module) -> Job:
        def build(sink: RecordSink) -> Trainer:
            class _Record:
                def on_step(self, step: int, loss: float) -> None:
                    if step % record_every == 0 or step == total:
                        sink({"step": step, "loss": loss})

            torch.manual_seed(seed + i)
            return Trainer(net.train(), loss_fn, stages, [_Record()])

        return Job(label, build)

    trained = train_in_turn(
        [job(i, label, net) for i, (label, net) in enumerate(nets)],
        run_dir,
        total,
        progress,
        checkpoint_every=checkpoint_every,
        keep_finished=True,
    )
    return {label: trained[label].eval() for label, _ in nets}


def train_digits_nets(
    cfg: Any, kinds: Sequence[tuple[str, str]], width: int, depth: int, run_dir: Any, progress: Any
) -> tuple[Digits, dict[str, nn.Module]]:
    """Paper 004's digits split, and a net of each ``(label, kind)`` trained on it by :func:`train_nets`.

    ``cfg`` gives ``seed``, ``stages``, ``batch_size`` and ``checkpoint_every``; each net is
    :func:`build_digits_net` of ``kind`` with ``width`` and ``depth``. Returns the data and the
    trained nets by label.
    """
    data = load_digits(DIGITS_TEST_FRACTION, cfg.seed, split="permutation", images=True)
    nets = [(label, build_digits_net(kind, width, depth, cfg.seed)) for label, kind in kinds]
    trained = train_nets(
        nets,
        data,
        parse_stages(cfg.stages),
        run_dir,
        progress,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        checkpoint_every=cfg.checkpoint_every,
    )
    return data, trained


def accuracy_on_test(net: nn.Module, data: Digits) -> float:
    """Top-1 accuracy of ``net`` on the test split."""
    with torch.no_grad():
        return float((net(data.x_test).argmax(1) == data.y_test).float().mean())


def rank_increases(res: PartialRanks, resolution: float) -> list[tuple[str, int, int]]:
    """Increases of the partial rank from one sub-network to the next beyond float resolution.

    Thm 2 says ``Rank(F_k) <= Rank(F_{k-1})``. An increase ``r_k > r_{k-1}`` is reported only if it
    survives a ``resolution``-times larger threshold: ``numerical_rank(sigma(J_k), resolution * eps_k)
    > r_{k-1}``, i.e. the extra singular values are not within a factor ``resolution`` of eq. (4)'s
    threshold (float32 noise). Returns ``(layer, previous rank, robust rank)`` per violation.
    """
    out = []
    for k in range(1, len(res.ranks)):
        spec = res.spectra[k]
        base = res.eps if res.eps is not None else float(np.finfo(np.float32).eps) * len(spec)
        robust = numerical_rank(spec, resolution * base)
        if robust > res.ranks[k - 1]:
            out.append((res.layers[k], res.ranks[k - 1], robust))
    return out
