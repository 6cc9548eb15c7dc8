"""Neuron functions read from the training forward pass itself: the Monitor without a second forward.

When the Monitor's sample points are the training batch, the training step has already computed
every layer's neuron functions at them; :class:`TrainingFeatures` keeps a reference to them
(forward hooks on the live model: no copy, no extra pass), and the record turns them into Gram
matrices ``D^T W D`` in float64 (paper 000 eq. 4.1) with one GEMM per layer.

What is measured differs from the replica path (:class:`rankscope.matrices.gram.GramEvaluator`)
in three ways, each documented where it is chosen (``Monitor(features="training")``):

- the features are those of the forward pass that produced the step's loss, so of the parameters
  *before* that step's update (the record's loss is of the same parameters; the replica measures
  the parameters after it);
- they are in the training dtype (float32 usually), cast to float64 for the Gram matrix: entries
  carry float32 rounding, about ``1e-7`` relative, so eigenvalues near an ``eps = 1e-6`` threshold
  can move across it;
- they are in the model's own train/eval mode (dropout masks and batch statistics included).

The last forward pass of the model before a record must have been at the quadrature's points
(checked: the same values, in the training dtype) and its outputs must not have been changed in
place since (checked by the tensors' version counters); otherwise the record raises a
``ValueError`` saying which and how to fall back (``features="replica"``). Function call sites
(``LayerRef.function``) need ``torch.fx`` and a second pass, so they are refused here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope.matrices.gram import weighted_grams
from rankscope.nets.tracing import LayerRef
from rankscope.sampling.quadrature import Quadrature

__all__ = ["TrainingFeatures"]


class TrainingFeatures:
    """Hooks on the live model that keep the last forward pass's inputs and layer values.

    Example:
        >>> import rankscope
        >>> from rankscope.nets.layer_specs import resolve_layers
        >>> net = rankscope.nets.MLP(1, 6, 2, seed=0)
        >>> q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 32)
        >>> tf = TrainingFeatures(net, resolve_layers(net, "last"), q)
        >>> _ = net(torch.as_tensor(q.points, dtype=torch.float32))
        >>> tf.grams()["layers.1"].shape
        (6, 6)
        >>> tf.close()
    """

    def __init__(self, model: nn.Module, refs: list[LayerRef], quadrature: Quadrature) -> None:
        functions = [r.name for r in refs if r.function is not None]
        if functions:
            raise ValueError(
                f"features='training' reads module calls by hooks; layers {functions} are function call "
                "sites (read by torch.fx in a second pass): use features='replica' or name their modules"
            )
        modules = dict(model.named_modules())
        missing = [r.module for r in refs if r.module not in modules]
        if missing:
            raise ValueError(f"layers: {missing} name no module of {type(model).__name__}")
        self.refs = list(refs)
        self.points = torch.tensor(np.asarray(quadrature.points, dtype=np.float64))
        self.weights = torch.tensor(np.asarray(quadrature.weights, dtype=np.float64))[:, None]
        self.n_points = int(np.count_nonzero(quadrature.weights))
        self._input: torch.Tensor | None = None
        self._values: dict[str, tuple[torch.Tensor, int]] = {}
        self._calls: dict[str, int] = {}
        self._handles: list[Any] = [model.register_forward_pre_hook(self._on_input)]
        for ref in self.refs:
            module = modules[ref.module]
            if ref.read == "output":
                hook = module.register_forward_hook(lambda _m, _i, out, r=ref: self._keep(r, out))
            else:
                hook = module.register_forward_pre_hook(lambda _m, inp, r=ref: self._keep(r, inp[0]))
            self._handles.append(hook)

    def _on_input(self, _module: nn.Module, inputs: tuple[Any, ...]) -> None:
        self._input = inputs[0].detach() if inputs and isinstance(inputs[0], torch.Tensor) else None
        self._values.clear()
        self._calls.clear()

    def _keep(self, ref: LayerRef, value: object) -> None:
        seen = self._calls.get(ref.name, 0)
        self._calls[ref.name] = seen + 1
        if seen == ref.call and isinstance(value, torch.Tensor):
            self._values[ref.name] = (value.detach(), value._version)

    def features(self) -> dict[str, torch.Tensor]:
        """``{layer: (m, n)}`` of the last forward pass, checked to be at the quadrature's points."""
        x = self._input
        if x is None:
            raise ValueError(
                "features='training': no forward pass of the model has been seen since the monitor was "
                "built; record after a training step, or use features='replica'"
            )
        pts = self.points.to(device=x.device)
        if x.shape != pts.shape or not torch.equal(x, pts.to(x.dtype)):
            raise ValueError(
                f"features='training': the model's last forward pass was at inputs of shape "
                f"{tuple(x.shape)} that are not the quadrature's points {tuple(pts.shape)}; pass the "
                "training batch as the quadrature, or use features='replica'"
            )
        out: dict[str, torch.Tensor] = {}
        for ref in self.refs:
            if ref.name not in self._values:
                raise ValueError(f"layers [{ref.name!r}] were not reached by the model's last forward pass")
            value, version = self._values[ref.name]
            if value._version != version:
                raise ValueError(
                    f"features='training': layer {ref.name!r} was changed in place after its forward "
                    "(an inplace activation?); use features='replica'"
                )
            out[ref.name] = value.reshape(value.shape[0], -1)
        return out

    def grams(self) -> dict[str, np.ndarray]:
        """``D^T W D`` (float64, symmetrised) of each layer's features of the last forward pass."""
        return weighted_grams(self.features(), self.weights)

    def close(self) -> None:
        """Remove the hooks (idempotent)."""
        for h in self._handles:
            h.remove()
        self._handles = []
