"""Layer specs: which neuron functions of any ``nn.Module`` to read (``"last"``, ``"all"``, names, indices).

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

:func:`resolve_layers` turns a spec into call sites (:class:`~rankscope.nets.tracing.LayerRef`);
:mod:`rankscope.nets.features` reads their values.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

from torch import nn

from rankscope.nets.modes import MeasureMode, measurement_mode
from rankscope.nets.tracing import LayerRef, TracingFallbackWarning, activation_sites, is_activation, trace

__all__ = ["hidden_layers", "resolve_layers"]

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
