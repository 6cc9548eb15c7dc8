"""Theorems 3.2 and 3.3 of paper 000 on one network state, and recorded along training (``loss-bound``).

:func:`bound_record` evaluates both theorems for the last hidden layer's features, the output weights
and the target at quadrature points; :class:`BoundRecorder` appends it to the run's metrics every
``every`` steps; :func:`bound_series` reads the records back as arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from rankscope.linalg import gram_from_features
from rankscope.linalg.loss_bound import dist_to_span, loss_lower_bound
from rankscope.linalg.reduction import theorem32_reduction
from rankscope.nets import MLP, capture, resolve_layers

__all__ = ["BoundRecorder", "bound_record", "bound_series"]


def bound_record(
    features: np.ndarray,
    weights: np.ndarray,
    beta: np.ndarray,
    target: np.ndarray,
    eps: tuple[float, ...],
    selection: str = "qr",
) -> dict[str, Any]:
    """Theorems 3.2 and 3.3 for one network state (``u_n = features @ beta``, ``u* = target``).

    Returns a JSON-able dict: ``l2_loss = ||u_n - u*||^2`` by the quadrature ``weights`` (the paper's
    L with G = I), ``C = ||beta||^2`` and, per eps, ``p``, the achieved ``error = ||u_n - f~||^2``, the
    proof identity, the intermediate and final bounds, ``||V22^{-1}||^2`` and Lemma 3.1's ``(p+1)(n-p)``,
    ``dist`` (least squares over the kept neurons), the lower bound (3.4) with C_S = 1 and the same
    with the achieved ``||u_p - u_n||`` in place of Theorem 3.2's bound (``lower_bound_achieved``).
    """
    gram = gram_from_features(features, weights)
    n = gram.shape[0]
    resid = features @ beta - target
    l2 = float(np.sum(weights * resid**2))
    out: dict[str, Any] = {
        "l2_loss": l2,
        "sqrt_l2_loss": math.sqrt(l2),
        "C": float(beta @ beta),
        "bounds": [],
    }
    for e in eps:
        r = theorem32_reduction(gram, beta, e, method=selection)
        dist = dist_to_span(features, target, weights, r.kept)
        lb = loss_lower_bound(dist, r.C, r.p, n, e)
        out["bounds"].append(
            {
                "eps": float(e),
                "p": r.p,
                "error": r.error,
                "error_spectral": r.error_spectral,
                "intermediate_bound": r.intermediate_bound,
                "bound": r.bound,
                "v22_inv_norm_sq": r.v22_inv_norm_sq,
                "lemma_bound": r.lemma_bound,
                "dist": dist,
                "slack": lb.slack,
                "lower_bound": lb.value,
                "lower_bound_achieved": dist - math.sqrt(r.error),
            }
        )
    return out


class BoundRecorder:
    """Trainer callback appending :func:`bound_record` of the current network every ``every`` steps."""

    def __init__(
        self,
        net: MLP,
        quad: Any,
        target: np.ndarray,
        sink: Any,
        every: int,
        eps: tuple[float, ...],
        selection: str,
    ) -> None:
        self.net, self.sink, self.every, self.eps, self.selection = net, sink, every, eps, selection
        self.refs = resolve_layers(net, "last")
        self.x = torch.as_tensor(np.array(quad.points), dtype=torch.float64)
        self.w = np.array(quad.weights)
        self.target = target

    def on_step(self, step: int, loss: float) -> None:
        if step % self.every:
            return
        feats = capture(self.net, self.refs, self.x)[self.refs[0].name].numpy()
        beta = self.net.head.weight.detach().to(torch.float64).numpy()[0]
        rec = bound_record(feats, self.w, beta, self.target, self.eps, self.selection)
        self.sink({"step": int(step), "loss": float(loss), **rec})


def bound_series(records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Arrays from the metrics: ``iter, loss, l2_loss, sqrt_l2_loss, C`` and ``{eps:g}/{key}`` per eps."""
    out: dict[str, list[float]] = {}
    for rec in records:
        for key in ("step", "loss", "l2_loss", "sqrt_l2_loss", "C"):
            out.setdefault("iter" if key == "step" else key, []).append(rec[key])
        for b in rec["bounds"]:
            for key, value in b.items():
                if key != "eps":
                    out.setdefault(f"{b['eps']:g}/{key}", []).append(value)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}
    arrays["iter"] = arrays["iter"].astype(np.int64)
    return arrays
