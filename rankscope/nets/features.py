"""Read the neuron functions of call sites of any ``nn.Module``: :func:`capture` and :class:`FeatureReader`.

The call sites come from a layer spec (:func:`rankscope.nets.layer_specs.resolve_layers`). Module call
sites are read by forward hooks, function call sites by running the traced graph.
:func:`input_mismatch` says how an input contradicts the model's first layer, for error messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import fx, nn

from rankscope._checks import describe
from rankscope.nets.layer_specs import _first_line
from rankscope.nets.modes import MeasureMode, measurement_mode
from rankscope.nets.tracing import LayerRef, find_node, recording_module, trace

__all__ = ["FeatureReader", "capture", "input_mismatch"]


def input_mismatch(model: nn.Module, name: str, shape: Sequence[int], *, batched: bool = True) -> str | None:
    """Say how ``shape`` contradicts the input ``model``'s first ``Linear``/``Conv`` expects, or ``None``.

    Args:
        model: the network. name: the argument that held the input (``"quadrature.points"``).
        shape: the shape given. batched: whether ``shape`` has the batch axis first.

    Example:
        >>> "expects inputs of shape (m, 3)" in input_mismatch(nn.Sequential(nn.Linear(3, 2)), "x", (10, 2))
        True
        >>> input_mismatch(nn.Sequential(nn.Linear(3, 2)), "x", (10, 3)) is None
        True
    """
    first = next(
        (
            (n, m)
            for n, m in model.named_modules()
            if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd))
            and not isinstance(m, nn.modules.lazy.LazyModuleMixin)
        ),
        None,
    )
    if first is None:
        return None
    mname, module = first
    shape = tuple(int(s) for s in shape)
    lead = ("m",) if batched else ()
    if isinstance(module, nn.Linear):
        size, what = module.in_features, "in_features"
        expected = (*lead, size)
        ok = len(shape) >= 1 and shape[-1] == size
    else:
        size, what = module.in_channels, "in_channels"
        spatial = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}[len(module.kernel_size)]
        expected = (*lead, size, *spatial)
        ok = len(shape) == len(expected) and shape[len(lead)] == size
    if ok:
        return None
    exp = "(" + ", ".join(str(e) for e in expected) + ")"
    inputs = "inputs" if batched else "one input (no batch axis)"
    return (
        f"{name} has shape {shape} but {type(model).__name__} expects {inputs} of shape {exp}: its first "
        f"layer {mname!r} is a {type(module).__name__} with {what}={size}"
    )


def _flat(name: str, value: object) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"layer {name!r} gave {describe(value)}; expected a tensor of neuron functions")
    return value.reshape(value.shape[0], -1)


class FeatureReader:
    """Read the values of fixed call sites of one model: hooks for module calls, fx for function calls.

    Function call sites (``LayerRef.function``) are read from the model traced by ``torch.fx`` (one
    trace per combination of the submodules' train/eval flags, kept); module calls that are leaves
    of the trace are read there too, other module calls by forward hooks (a second forward pass only
    when both kinds are asked for). A ``RuntimeError`` of the forward pass at an input that does not
    fit the model's first layer becomes a ``ValueError`` naming both shapes.

    Example:
        >>> from rankscope.nets.layer_specs import resolve_layers
        >>> seq = nn.Sequential(nn.Linear(1, 3), nn.Tanh(), nn.Linear(3, 1))
        >>> FeatureReader(seq, resolve_layers(seq, "all"))(torch.zeros(5, 1))["1"].shape
        torch.Size([5, 3])
    """

    def __init__(self, model: nn.Module, refs: Sequence[LayerRef]) -> None:
        self.model = model
        self.refs = list(refs)
        modules = dict(model.named_modules())
        for ref in self.refs:
            if ref.function is None and ref.module not in modules:
                raise ValueError(f"layers: {ref!r} names no module of {type(model).__name__}")
        self._graphs: dict[tuple[bool, ...], tuple[fx.GraphModule, set[str]]] = {}

    def _graph(self) -> tuple[fx.GraphModule, set[str]]:
        key = tuple(m.training for m in self.model.modules())
        if key not in self._graphs:
            functions = [r.name for r in self.refs if r.function is not None]
            try:
                gm = trace(self.model)
            except Exception as exc:
                raise ValueError(
                    f"layers {functions} are function call sites, which are read by torch.fx, but tracing "
                    f"{type(self.model).__name__} failed ({type(exc).__name__}: {_first_line(exc)})"
                ) from exc
            nodes = {r.name: node for r in self.refs if (node := find_node(gm, r)) is not None}
            self._graphs[key] = (recording_module(gm, nodes), set(nodes))
        return self._graphs[key]

    def _run(
        self, module: nn.Module, x: torch.Tensor, state: dict[str, torch.Tensor] | None, name: str
    ) -> Any:
        try:
            if state is None:
                return module(x)
            own = {k for k, _ in module.named_parameters(remove_duplicate=False)}
            own |= {k for k, _ in module.named_buffers(remove_duplicate=False)}
            return torch.func.functional_call(module, {k: v for k, v in state.items() if k in own}, (x,))
        except RuntimeError as exc:
            msg = input_mismatch(self.model, name, x.shape)
            if msg is None:
                raise
            raise ValueError(f"{msg} (the forward pass failed: {_first_line(exc)})") from exc

    def _hooked(
        self, refs: list[LayerRef], x: torch.Tensor, state: dict[str, torch.Tensor] | None, name: str
    ) -> dict[str, Any]:
        modules = dict(self.model.named_modules())
        captured: dict[str, Any] = {}

        def register(ref: LayerRef) -> Any:
            seen = [0]

            def keep(value: object) -> None:
                if seen[0] == ref.call:
                    captured[ref.name] = value
                seen[0] += 1

            if ref.read == "output":
                return modules[ref.module].register_forward_hook(lambda _m, _i, out: keep(out))
            return modules[ref.module].register_forward_pre_hook(lambda _m, inp: keep(inp[0]))

        handles = []
        try:
            for ref in refs:
                handles.append(register(ref))
            self._run(self.model, x, state, name)
        finally:
            for h in handles:
                h.remove()
        return captured

    def __call__(
        self, x: torch.Tensor, state: dict[str, torch.Tensor] | None = None, *, name: str = "x"
    ) -> dict[str, torch.Tensor]:
        """``{ref.name: (m, n) tensor}`` at ``x``; ``state`` replaces parameters and buffers by name."""
        out: dict[str, Any] = {}
        rest = self.refs
        if any(r.function is not None for r in self.refs):
            gm, recorded = self._graph()
            out.update(self._run(gm, x, state, name))
            rest = [r for r in self.refs if r.name not in recorded and r.function is None]
        if rest:
            out.update(self._hooked(rest, x, state, name))
        missing = [r.name for r in self.refs if r.name not in out]
        if missing:
            raise ValueError(f"layers {missing} were not reached by the forward pass of the model")
        return {r.name: _flat(r.name, out[r.name]) for r in self.refs}


def _state(model: nn.Module, dtype: torch.dtype | None) -> dict[str, torch.Tensor]:
    """Parameters cast to ``dtype`` and buffers copied: a train-mode BatchNorm updates only copies."""
    params = {k: (v.detach() if dtype is None else v.detach().to(dtype)) for k, v in model.named_parameters()}
    buffers = {
        k: (
            v.detach().to(dtype, copy=True)
            if dtype is not None and v.is_floating_point()
            else v.detach().clone()
        )
        for k, v in model.named_buffers()
    }
    return {**params, **buffers}


def capture(
    model: nn.Module,
    refs: Sequence[LayerRef],
    x: torch.Tensor,
    *,
    dtype: torch.dtype | None = torch.float64,
    mode: MeasureMode | str = MeasureMode.EVAL,
    name: str = "x",
) -> dict[str, torch.Tensor]:
    """Evaluate ``model`` at ``x`` and return each layer's neuron functions as an ``(m, n)`` matrix.

    With ``dtype`` set (float64 by default) the forward pass runs on a copy of the parameters cast to
    that dtype through ``torch.func.functional_call``, so the model itself is not touched and the
    neuron functions carry float64 accuracy even when the model trains in float32. No gradients.
    The pass runs in ``mode`` (``"eval"`` by default; see ``rankscope.nets.modes``); the model's
    train/eval flags and the global RNG are restored afterwards. ``name`` is how error messages call
    ``x`` (e.g. ``"quadrature.points"``).

    Example:
        >>> from rankscope.nets.layer_specs import resolve_layers
        >>> seq = nn.Sequential(nn.Linear(1, 3), nn.Tanh(), nn.Linear(3, 1))
        >>> capture(seq, resolve_layers(seq, "last"), torch.zeros(4, 1))["2:input"].dtype
        torch.float64

    Raises:
        ValueError: ``x`` does not fit the model's first layer (both shapes named), or a layer is not
            reached by the forward pass.
    """
    with measurement_mode(model, mode), torch.no_grad():
        xin = x if dtype is None else x.to(dtype)
        return FeatureReader(model, refs)(xin, _state(model, dtype), name=name)
