"""Access to the neuron functions of any layer of any ``nn.Module``: layer specs and ``capture``.

A *layer spec* says which neuron functions to read:

- ``"last"``: the last hidden layer, i.e. the features the output layer combines
  (paper 000, Def. 2.4: ``u = sum_j beta_j phi_j``). For a model with ``hidden_layer_names()`` it is
  the last of those; otherwise it is the *input* of the last ``nn.Linear`` in the model.
- ``"all"``: every hidden layer, shallow to deep: ``hidden_layer_names()``, or else every activation
  call site found by tracing the model with ``torch.fx`` (activation modules, functional activations
  such as ``F.relu``/``x.tanh()``, each call of a reused module; names in ``rankscope.nets.tracing``),
  or, where tracing fails, the outputs of every activation module (with a warning).
- an ``int``: an index into the hidden layers (negative counts from the end);
- a ``str``: the dotted name of any submodule (its output is read), ``"name@k"`` for the k-th further
  call of a module, or the name of a call site (``"block.relu()"``);
- a list of the above.

Module call sites are read by forward hooks, function call sites by running the traced graph.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import fx, nn

from rankscope._checks import describe
from rankscope.nets.modes import MeasureMode, measurement_mode
from rankscope.nets.tracing import (
    LayerRef,
    TracingFallbackWarning,
    activation_sites,
    find_node,
    is_activation,
    recording_module,
    trace,
)

__all__ = ["FeatureReader", "LayerRef", "capture", "hidden_layers", "input_mismatch", "resolve_layers"]

LayerSpec = str | int | Sequence[str | int | LayerRef]


def hidden_layers(model: nn.Module) -> list[LayerRef]:
    """The hidden layers of ``model``, shallow to deep (see ``"all"`` in the module docstring).

    Example:
        >>> seq = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))
        >>> [ref.name for ref in hidden_layers(seq)]
        ['1']
    """
    names_fn = getattr(model, "hidden_layer_names", None)
    if callable(names_fn):
        return [LayerRef(n, n, "output") for n in names_fn()]
    try:
        with measurement_mode(model, MeasureMode.EVAL):
            return activation_sites(trace(model))
    except Exception as exc:  # torch.fx raises many types for untraceable code
        warnings.warn(
            f"torch.fx could not trace {type(model).__name__} ({type(exc).__name__}: {_first_line(exc)}); "
            "finding layers by module hooks, which miss functional activations (F.relu, x.tanh(), ...) "
            "and the second call of a reused module",
            TracingFallbackWarning,
            stacklevel=2,
        )
    return [LayerRef(n, n, "output") for n, m in model.named_modules() if n and is_activation(m)]


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
    names = [n for n, _ in model.named_modules() if n]
    return names if len(names) <= 60 else [*names[:60], f"... ({len(names) - 60} more)"]


def _all(model: nn.Module) -> list[LayerRef]:
    hidden = hidden_layers(model)
    if not hidden:
        raise ValueError(
            f"layers='all' found no hidden layer in {type(model).__name__}: no hidden_layer_names(), no "
            "activation module and no activation function call (F.relu, torch.tanh, x.relu(), ...); "
            f"expected one, or name a layer instead: one of the modules {_names(model)}"
        )
    return hidden


def _module_call(spec: str, modules: dict[str, nn.Module]) -> LayerRef | None:
    """``"name@k"`` for a module ``name``: its k-th further call."""
    match = re.fullmatch(r"(.+)@([1-9][0-9]*)", spec)
    if match and match.group(1) in modules:
        return LayerRef(spec, match.group(1), "output", int(match.group(2)))
    return None


def _site(hidden: list[LayerRef], spec: str) -> LayerRef | None:
    return next((h for h in hidden if h.name == spec), None)


def resolve_layers(model: nn.Module, layers: LayerSpec) -> list[LayerRef]:
    """Resolve a layer spec (see module docstring) to call sites.

    Raises:
        ValueError: an unknown name, an index out of range, or ``"all"`` in a model without hidden
            layers; the message lists the layers. TypeError: a spec of the wrong type.

    Example:
        >>> seq = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))
        >>> [(r.name, r.read) for r in resolve_layers(seq, ["last", 0])]
        [('2:input', 'input'), ('1', 'output')]
    """
    if isinstance(layers, str) and layers in ("last", "all"):
        return [_last(model)] if layers == "last" else _all(model)
    if isinstance(layers, (str, int)):
        layers = [layers]
    if not isinstance(layers, Sequence) or isinstance(layers, (bytes, bytearray)):
        raise TypeError(f"layers must be 'last', 'all', a name, an index or a list; got {layers!r}")
    out: list[LayerRef] = []
    modules = dict(model.named_modules())
    cache: list[list[LayerRef]] = []

    def hidden() -> list[LayerRef]:
        if not cache:
            cache.append(hidden_layers(model))
        return cache[0]

    for spec in layers:
        if isinstance(spec, LayerRef):
            out.append(spec)
        elif spec == "last":
            out.append(_last(model))
        elif isinstance(spec, bool) or not isinstance(spec, (str, int)):
            raise TypeError(f"layers entries must be names or indices; got {spec!r}")
        elif isinstance(spec, int):
            if not -len(hidden()) <= spec < len(hidden()):
                raise ValueError(
                    f"layers index {spec} is out of range for {len(hidden())} hidden layers "
                    f"{[h.name for h in hidden()]}"
                )
            out.append(hidden()[spec])
        elif spec in modules and spec:
            out.append(LayerRef(spec, spec, "output"))
        elif (ref := _module_call(spec, modules) or _site(hidden(), spec)) is not None:
            out.append(ref)
        else:
            raise ValueError(
                f"layers: unknown layer {spec!r}; expected 'last', 'all', an index into or a name of the "
                f"{len(hidden())} hidden layers {[h.name for h in hidden()]}, or one of the module names "
                f"{_names(model)}"
            )
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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


def _flat(name: str, value: Any) -> torch.Tensor:
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

            def keep(value: Any) -> None:
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
