"""Hook-based access to the neuron functions of any layer of any ``nn.Module``.

A *layer spec* says which neuron functions to read:

- ``"last"``: the last hidden layer, i.e. the features the output layer combines
  (paper 000, Def. 2.4: ``u = sum_j beta_j phi_j``). For a model with ``hidden_layer_names()`` it is
  the last of those; otherwise it is the *input* of the last ``nn.Linear`` in the model.
- ``"all"``: every hidden layer, shallow to deep (``hidden_layer_names()``, or the outputs of every
  activation module when the model does not say).
- an ``int``: an index into the hidden layers (negative counts from the end);
- a ``str``: the dotted name of any submodule (its output is read);
- a list of the above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

__all__ = ["LayerRef", "capture", "hidden_layers", "resolve_layers"]

_ACTIVATION_TYPES: tuple[type, ...] = tuple(
    getattr(nn, n) for n in ("Tanh", "ReLU", "ELU", "Sigmoid", "GELU", "SiLU", "Softplus", "LeakyReLU")
)


@dataclass(frozen=True)
class LayerRef:
    """A resolved layer: which module to hook and whether to read its input or its output."""

    name: str  # the label used in records ("layers.3", or "head:input")
    module: str  # dotted module name to hook
    read: Literal["output", "input"]


LayerSpec = str | int | Sequence[str | int | LayerRef]


def _is_activation(module: nn.Module) -> bool:
    from rankscope.nets.activations import Cos, Sin

    return isinstance(module, (*_ACTIVATION_TYPES, Cos, Sin))


def hidden_layers(model: nn.Module) -> list[LayerRef]:
    """The hidden layers of ``model``, shallow to deep."""
    names_fn = getattr(model, "hidden_layer_names", None)
    if callable(names_fn):
        return [LayerRef(n, n, "output") for n in names_fn()]
    return [LayerRef(n, n, "output") for n, m in model.named_modules() if n and _is_activation(m)]


def _last(model: nn.Module) -> LayerRef:
    names_fn = getattr(model, "hidden_layer_names", None)
    if callable(names_fn):
        names = names_fn()
        if names:
            return LayerRef(names[-1], names[-1], "output")
    linears = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(
            "layers='last' needs a model with hidden_layer_names() or an nn.Linear output layer; "
            f"{type(model).__name__} has neither. Name a layer instead: one of {_names(model)}"
        )
    return LayerRef(f"{linears[-1]}:input", linears[-1], "input")


def _names(model: nn.Module) -> list[str]:
    return [n for n, _ in model.named_modules() if n]


def resolve_layers(model: nn.Module, layers: LayerSpec) -> list[LayerRef]:
    """Resolve a layer spec (see module docstring) to hookable references.

    Raises:
        ValueError: an unknown name or an index out of range; the message lists the layers.
    """
    if isinstance(layers, str) and layers in ("last", "all"):
        return [_last(model)] if layers == "last" else hidden_layers(model)
    if isinstance(layers, (str, int)):
        layers = [layers]
    if not isinstance(layers, Sequence) or isinstance(layers, (bytes, bytearray)):
        raise TypeError(f"layers must be 'last', 'all', a name, an index or a list; got {layers!r}")
    out: list[LayerRef] = []
    modules = dict(model.named_modules())
    hidden = hidden_layers(model)
    for spec in layers:
        if isinstance(spec, LayerRef):
            out.append(spec)
        elif spec == "last":
            out.append(_last(model))
        elif isinstance(spec, bool) or not isinstance(spec, (str, int)):
            raise TypeError(f"layers entries must be names or indices; got {spec!r}")
        elif isinstance(spec, int):
            if not -len(hidden) <= spec < len(hidden):
                raise ValueError(
                    f"layers index {spec} is out of range for {len(hidden)} hidden layers "
                    f"{[h.name for h in hidden]}"
                )
            out.append(hidden[spec])
        elif spec in modules and spec:
            out.append(LayerRef(spec, spec, "output"))
        else:
            raise ValueError(
                f"layers: unknown layer {spec!r}; expected 'last', 'all', an index into the "
                f"{len(hidden)} hidden layers, or one of the module names {_names(model)}"
            )
    return out


def capture(
    model: nn.Module,
    refs: Sequence[LayerRef],
    x: torch.Tensor,
    *,
    dtype: torch.dtype | None = torch.float64,
) -> dict[str, torch.Tensor]:
    """Evaluate ``model`` at ``x`` and return each layer's neuron functions as an ``(m, n)`` matrix.

    With ``dtype`` set (float64 by default) the forward pass runs on a copy of the parameters cast to
    that dtype through ``torch.func.functional_call``, so the model itself is not touched and the
    neuron functions carry float64 accuracy even when the model trains in float32. No gradients.
    """
    modules = dict(model.named_modules())
    captured: dict[str, torch.Tensor] = {}
    handles = []

    def make_hook(ref: LayerRef):  # type: ignore[no-untyped-def]
        if ref.read == "output":

            def hook(_m, _inp, out):  # type: ignore[no-untyped-def]
                captured[ref.name] = out.reshape(out.shape[0], -1)

            return modules[ref.module].register_forward_hook(hook)

        def pre_hook(_m, inp):  # type: ignore[no-untyped-def]
            captured[ref.name] = inp[0].reshape(inp[0].shape[0], -1)

        return modules[ref.module].register_forward_pre_hook(pre_hook)

    try:
        for ref in refs:
            handles.append(make_hook(ref))
        with torch.no_grad():
            if dtype is None:
                model(x)
            else:
                params = {k: v.detach().to(dtype) for k, v in model.named_parameters()}
                buffers = {
                    k: (v.detach().to(dtype) if v.is_floating_point() else v)
                    for k, v in model.named_buffers()
                }
                torch.func.functional_call(model, {**params, **buffers}, (x.to(dtype),))
    finally:
        for h in handles:
            h.remove()
    missing = [r.name for r in refs if r.name not in captured]
    if missing:
        raise ValueError(f"layers {missing} were not reached by the forward pass of the model")
    return captured
