"""Layer discovery by ``torch.fx``: every activation call site of a model, and reading values there.

Module hooks see only modules, and each module once per name. Tracing the model with
``torch.fx.symbolic_trace`` (activation modules kept whole, as leaves) instead lists every *call*:
activation modules (``nn.Tanh``, ``nn.ReLU``, rankscope's ``Cos``, ...), activation functions and
methods (``F.relu``, ``torch.tanh``, ``F.gelu``, ``x.relu()``, in-place variants included), and each
call of a module used twice (the torchvision ``self.relu`` of a residual block).

Naming scheme of the call sites (the ``LayerRef.name`` used as record keys):

- a call of an activation module: its dotted module name (``"1"`` in an ``nn.Sequential``,
  ``"block.relu"``); its k-th further call gets ``"@k"``: ``"block.relu@1"``, the numbering torch
  itself uses for repeated module calls in ``nn_module_stack`` and ``torch.export``;
- a call of an activation function or method: the dotted name of the module whose ``forward`` makes
  the call, a dot, and the function's name with ``()``: ``"block.relu()"``, or ``"relu()"`` in the
  model's own ``forward``; the k-th further call of the same function there is
  ``"block.relu()@1"``. In-place variants count as their function (``relu_`` is ``relu()``).

Names thus stay those of module hooks wherever hooks saw the layer, and every call is distinct.
Values at call sites are read by appending them to the traced graph's outputs
(:func:`recording_module`), so the result is an ordinary ``GraphModule`` that
``torch.func.functional_call`` can run on float64 copies of the parameters.

Example:
    >>> import torch
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc, self.head = torch.nn.Linear(1, 4), torch.nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.head(torch.relu(self.fc(x)))
    >>> [ref.name for ref in activation_sites(trace(Net()))]
    ['relu()']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import fx, nn

__all__ = [
    "LayerRef",
    "TracingFallbackWarning",
    "activation_sites",
    "find_node",
    "is_activation",
    "recording_module",
    "trace",
]

_ACTIVATION_TYPES: tuple[type, ...] = tuple(
    getattr(nn, n)
    for n in (
        "Tanh", "ReLU", "ELU", "Sigmoid", "GELU", "SiLU", "Softplus", "LeakyReLU", "ReLU6", "SELU",
        "CELU", "Mish", "Hardtanh", "Hardswish", "Hardsigmoid", "LogSigmoid", "Softsign", "Tanhshrink",
        "PReLU",
    )
)  # fmt: skip

_FUNCTIONS = (
    torch.relu, torch.relu_, torch.tanh, torch.tanh_, torch.sigmoid, torch.sigmoid_, torch.sin, torch.cos,
    F.relu, F.relu_, F.relu6, F.elu, F.elu_, F.selu, F.celu, F.gelu, F.silu, F.mish, F.softplus,
    F.leaky_relu, F.leaky_relu_, F.hardtanh, F.hardtanh_, F.hardswish, F.hardsigmoid, F.tanh, F.sigmoid,
    F.logsigmoid, F.softsign, F.tanhshrink, F.prelu, torch.special.expit,
)  # fmt: skip
_FUNCTION_NAMES: dict[Any, str] = {
    f: f.__name__.removeprefix("special_").rstrip("_").replace("log_sigmoid", "logsigmoid")
    for f in _FUNCTIONS
}
_METHODS = frozenset({"relu", "relu_", "tanh", "tanh_", "sigmoid", "sigmoid_", "sin", "sin_", "cos", "cos_"})


class TracingFallbackWarning(UserWarning):
    """``torch.fx`` could not trace the model; layers were found by module hooks instead."""


@dataclass(frozen=True)
class LayerRef:
    """A resolved layer: one call site whose neuron functions are read.

    Attributes:
        name: the label used in records (``"layers.3"``, ``"head:input"``, ``"block.relu@1"``,
            ``"block.relu()"``; see the module docstring for the scheme).
        module: dotted name of the module called (module sites), or of the module whose ``forward``
            calls the function (function sites; ``""`` for the model's own ``forward``).
        read: ``"output"`` or ``"input"`` (the first positional input) of the call.
        call: which call, counted from 0: of the module, or of ``function`` within ``module``.
        function: the activation function's name for a function site (``"relu"``), else ``None``.
    """

    name: str
    module: str
    read: Literal["output", "input"]
    call: int = 0
    function: str | None = None


def is_activation(module: nn.Module) -> bool:
    """Whether ``module`` is an elementwise activation module (torch's or rankscope's ``Cos``/``Sin``)."""
    from rankscope.nets.activations import Cos, Sin

    return isinstance(module, (*_ACTIVATION_TYPES, Cos, Sin))


class _Tracer(fx.Tracer):
    """torch.fx's tracer with activation modules kept whole (leaves), so each call is one node."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return is_activation(m) or super().is_leaf_module(m, module_qualified_name)


def trace(model: nn.Module) -> fx.GraphModule:
    """Trace ``model`` symbolically; raises whatever ``torch.fx`` raises for an untraceable model.

    The graph bakes in Python-level values read during tracing (``self.training`` passed to
    ``F.dropout``), so trace in the mode you will run it in.
    """
    graph = _Tracer().trace(model)
    return fx.GraphModule(model, graph, type(model).__name__)


def _scope(node: fx.Node) -> str:
    """Dotted name of the module whose ``forward`` created ``node`` (``""`` at the top level)."""
    stack = node.meta.get("nn_module_stack")
    if not stack:
        return ""
    last = list(stack.values())[-1]
    return str(last[0] if isinstance(last, tuple) else last)


def _function(node: fx.Node) -> str | None:
    """The activation function's name if ``node`` calls one, else ``None``."""
    if node.op == "call_function":
        try:
            return _FUNCTION_NAMES.get(node.target)
        except TypeError:  # an unhashable target
            return None
    if node.op == "call_method" and node.target in _METHODS:
        return str(node.target).rstrip("_")
    return None


def _sites(gm: fx.GraphModule) -> list[tuple[fx.Node, LayerRef]]:
    modules = dict(gm.named_modules())
    counts: dict[str, int] = {}
    out = []
    for node in gm.graph.nodes:
        fn = _function(node)
        if node.op == "call_module" and is_activation(modules[str(node.target)]):
            base = module = str(node.target)
        elif fn is not None:
            module = _scope(node)
            base = f"{module}.{fn}()" if module else f"{fn}()"
        else:
            continue
        k = counts.get(base, 0)
        counts[base] = k + 1
        out.append((node, LayerRef(base if k == 0 else f"{base}@{k}", module, "output", k, fn)))
    return out


def activation_sites(gm: fx.GraphModule) -> list[LayerRef]:
    """Every activation call site of a traced model, in execution order (module docstring names)."""
    return [ref for _, ref in _sites(gm)]


def find_node(gm: fx.GraphModule, ref: LayerRef) -> fx.Node | None:
    """The node holding ``ref``'s value in ``gm``, or ``None`` if the graph has no such call site.

    A module site is found only when the module is a leaf of the trace (torch's own modules and
    activations); the calls of other modules are inlined and are read by hooks instead.
    """
    if ref.function is not None:
        for node, site in _sites(gm):
            if (site.module, site.function, site.call) == (ref.module, ref.function, ref.call):
                return node
        return None
    calls: list[fx.Node] = [n for n in gm.graph.nodes if n.op == "call_module" and n.target == ref.module]
    if ref.call >= len(calls):
        return None
    node = calls[ref.call]
    if ref.read == "output":
        return node
    first = node.args[0] if node.args else None
    return first if isinstance(first, fx.Node) else None


def recording_module(gm: fx.GraphModule, nodes: dict[str, fx.Node]) -> fx.GraphModule:
    """``gm`` changed in place to return ``{name: value at node}`` instead of the model's output.

    The nodes after the last recorded one still run (they are not pruned, so that in-place and
    side-effecting operations behave as in the model); their cost is that of the rest of one
    forward pass.
    """
    output = next(n for n in gm.graph.nodes if n.op == "output")
    output.args = (dict(nodes),)
    gm.graph.lint()
    gm.recompile()
    return gm
