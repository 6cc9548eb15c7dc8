"""Partial Jacobians of every sub-network on an input patch (paper 004, eq. (5)).

Paper 004 Sec. 3.2, eq. (5): the *partial rank* of the Jacobian of
a sub-network ``F_k = f^k o ... o f^1`` (eq. (2)) is the rank of the ``d_k x K`` sub-matrix of its
Jacobian made of the columns ``j_1 < ... < j_K`` of an input patch,
``Sub(J_{F_k}, j_1..j_K) = (d F_k,i / d x_{j_m})``; by Lemma 2 the drops of partial ranks between
adjacent sub-networks bound the drops of their full ranks from below. Those ranks, the paper's
partial ranks, are in :mod:`rankscope.matrices.jacobian_ranks`.

Two ways to get the matrices, chosen by ``method`` (house style: algorithm choice by an argument):

- ``"forward"`` (default): one forward-mode sweep. The K patch coordinates are pushed forward as K
  tangent directions by ``torch.func.jvp`` under ``torch.func.vmap`` (in chunks of ``chunk_size``
  tangents), and every requested layer's ``J_{F_k} V`` is read on the way by forward hooks, so all
  L partial Jacobians cost about one forward-mode pass of K tangents (~K forward passes' work).
- ``"reverse"``: the reference. Each sub-network's partial Jacobian separately by reverse mode
  (``torch.func.jacrev``): d_k vector-Jacobian products through ``F_k`` for every k, i.e. the
  paper's procedure (Alg. A1 computes each sub-network's Jacobian on its own). Costs about
  ``sum_k d_k`` backward passes; use it to check the forward sweep.

Layers are chosen by their dotted module names (``model.named_modules()``); ``layers=None`` takes
``model.rank_layer_names()``, else ``model.hidden_layer_names()``, else the top-level children.
A layer whose output is a tuple (Transformer blocks) is read at its first tensor. The model is
evaluated in eval mode by default (``mode``, as for the ``Monitor``; ``rankscope.nets.modes``), its
train/eval flags and the global RNG restored afterwards.

Example:
    >>> net = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    >>> jac = partial_jacobians(net, torch.randn(6), [0, 1, 2], ["0", "2"])
    >>> {k: tuple(v.shape) for k, v in jac.items()}
    {'0': (4, 3), '2': (2, 3)}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum

import torch
from torch import nn

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.matrices.patch import Patch, patch_indices
from rankscope.nets.features import input_mismatch
from rankscope.nets.modes import MeasureMode, check_mode, measurement_mode

__all__ = ["JacobianMethod", "default_layers", "partial_jacobians"]


class JacobianMethod(str, Enum):
    """How the partial Jacobians are computed (see module docstring for the costs)."""

    FORWARD = "forward"
    REVERSE = "reverse"


_MODE_DEPENDENT = (nn.modules.batchnorm._NormBase, nn.modules.dropout._DropoutNd)


class _Stop(Exception):
    """Raised by a hook once every requested layer is read, to skip the rest of the network."""


def default_layers(model: nn.Module) -> list[str]:
    """``model.rank_layer_names()``, else ``model.hidden_layer_names()``, else its top-level children."""
    for attr in ("rank_layer_names", "hidden_layer_names"):
        fn = getattr(model, attr, None)
        if callable(fn):
            return list(fn())
    return [name for name, _ in model.named_children()]


def _check_layers(model: nn.Module, layers: Sequence[str] | None) -> list[str]:
    names = default_layers(model) if layers is None else layers
    if isinstance(names, str):
        names = [names]
    modules = dict(model.named_modules())
    valid = [n for n in modules if n]
    out = []
    for name in names:
        if not isinstance(name, str) or name not in modules or not name:
            shown = valid if len(valid) <= 60 else [*valid[:60], f"... ({len(valid) - 60} more)"]
            raise ValueError(f"layers: unknown layer {name!r}; expected dotted module names, one of {shown}")
        if name in out:
            raise ValueError(f"layers: {name!r} is listed twice; expected distinct names")
        out.append(name)
    if not out:
        raise ValueError(f"layers must name at least one module; got {names!r}")
    return out


def _as_tensor(name: str, out: object) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    hidden = getattr(out, "last_hidden_state", None)
    if isinstance(hidden, torch.Tensor):
        return hidden
    raise TypeError(
        f"layer {name!r} returned {describe(out)}; expected a tensor or a tuple starting with one"
    )


def _check_modes(model: nn.Module) -> None:
    """Refuse dropout or BatchNorm in training mode: torch.func cannot run them here."""
    training = [n for n, m in model.named_modules() if m.training and isinstance(m, _MODE_DEPENDENT)]
    if training:
        shown = training if len(training) <= 8 else [*training[:8], f"... ({len(training) - 8} more)"]
        raise ValueError(
            f"mode: {shown} (dropout or BatchNorm) would run in training mode, where torch.func cannot "
            "differentiate them (random masks under vmap, in-place running statistics); expected "
            "mode='eval' (the default)"
        )


def _layer_fn(
    model: nn.Module, x: torch.Tensor, idx: torch.Tensor, layers: list[str]
) -> Callable[[torch.Tensor], tuple[torch.Tensor, ...]]:
    """``p -> (F_k(x with x[idx] = p).flatten() for k in layers)``: the map ``F_k o psi`` of Sec. 3.2."""
    modules = dict(model.named_modules())
    flat = x.reshape(-1)

    def fn(p: torch.Tensor) -> tuple[torch.Tensor, ...]:
        store: dict[str, torch.Tensor] = {}

        def make_hook(name: str):  # type: ignore[no-untyped-def]
            def hook(_m, _inp, out):  # type: ignore[no-untyped-def]
                store[name] = _as_tensor(name, out)
                if len(store) == len(layers):
                    raise _Stop

            return hook

        handles = [modules[n].register_forward_hook(make_hook(n)) for n in layers]
        try:
            model(flat.index_put((idx,), p).reshape(1, *x.shape))
        except _Stop:
            pass
        finally:
            for h in handles:
                h.remove()
        missing = [n for n in layers if n not in store]
        if missing:
            raise ValueError(
                f"layers {missing} were not reached by the forward pass of {type(model).__name__}"
            )
        return tuple(store[n].reshape(-1) for n in layers)

    return fn


def _check_input(x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(
            f"x must be a floating-point torch.Tensor (one input, no batch dim); got {describe(x)}"
        )
    if not torch.isfinite(x).all():
        raise ValueError(f"x must be finite; got NaN or Inf in {describe(x)}")
    return x.detach()


def partial_jacobians(
    model: nn.Module,
    x: torch.Tensor,
    patch: Patch | Sequence[int] | torch.Tensor | str,
    layers: Sequence[str] | None = None,
    *,
    method: JacobianMethod | str = JacobianMethod.FORWARD,
    chunk_size: int = 256,
    zero_outside: bool = False,
    mode: MeasureMode | str = MeasureMode.EVAL,
) -> dict[str, torch.Tensor]:
    """Partial Jacobians ``Sub(J_{F_k}, j_1..j_K)`` (eq. (5)) of the named sub-networks at ``x``.

    Args:
        model: any ``nn.Module`` called on a batch of one, ``model(x[None])``.
        x: one input without the batch dimension, e.g. ``(C, H, W)`` or ``(tokens, dim)``.
        patch: the coordinates ``j_1..j_K``: a :class:`Patch` (rows x columns of the last two axes),
            flat indices into ``x``, a boolean mask of ``x.shape``, or ``"all"``.
        layers: dotted module names of the sub-network outputs, shallow to deep (see module doc).
        method: ``"forward"`` (one jvp sweep for all layers) or ``"reverse"`` (jacrev per layer).
        chunk_size: tangents (forward) or cotangents (reverse) per vectorised chunk: bounds memory.
        zero_outside: evaluate at ``x`` zeroed outside the patch, as the paper's code does (Alg. A1
            pads the patch with zeros); by default eq. (5) at ``x`` itself.
        mode: ``"eval"`` (default), ``"train"`` or ``"as_is"``: the train/eval mode of the evaluation
            (``rankscope.nets.modes``), as for the ``Monitor``; the model's flags and the global RNG are
            restored afterwards. Dropout or BatchNorm left in training mode are refused (torch.func
            cannot differentiate them here), so the other modes only matter for other modules.

    Returns:
        ``{name: (d_k, K) tensor}`` in the order of ``layers``, dtype of the model.

    Raises:
        ValueError: a patch outside ``x``, an unknown or unreached layer (the valid names are listed),
            an ``x`` that does not fit the model's first layer (both shapes named), dropout or BatchNorm
            in training mode, a non-finite Jacobian. TypeError: ``x`` is not a floating tensor.
    """
    x = _check_input(x)
    method = JacobianMethod(
        check_choice("method", getattr(method, "value", method), [m.value for m in JacobianMethod])
    )
    chunk = check_positive_int("chunk_size", chunk_size)
    chosen = check_mode(mode)
    idx = patch_indices(x.shape, patch).to(x.device)  # tensors live on the input's device
    names = _check_layers(model, layers)
    if zero_outside:
        mask = torch.zeros(x.numel(), dtype=x.dtype, device=x.device)
        mask[idx] = 1.0
        x = x * mask.reshape(x.shape)
    p0 = x.reshape(-1)[idx].clone()
    out: dict[str, torch.Tensor] = {}
    with measurement_mode(model, chosen), torch.no_grad():
        _check_modes(model)
        try:
            if method is JacobianMethod.FORWARD:
                fn = _layer_fn(model, x, idx, names)

                def column(v: torch.Tensor) -> tuple[torch.Tensor, ...]:
                    out: tuple[torch.Tensor, ...] = torch.func.jvp(fn, (p0,), (v,))[1]
                    return out

                eye = torch.eye(idx.numel(), dtype=x.dtype, device=x.device)
                cols = torch.func.vmap(column, chunk_size=chunk)(eye)
                out = {n: c.T for n, c in zip(names, cols, strict=True)}
            else:
                for name in names:
                    fn1 = _layer_fn(model, x, idx, [name])
                    out[name] = torch.func.jacrev(lambda p, f=fn1: f(p)[0], chunk_size=chunk)(p0)
        except RuntimeError as exc:
            msg = input_mismatch(model, "x", x.shape, batched=False)
            if msg is None:
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"{msg} (the forward pass failed: {first})") from exc
    for name, jac in out.items():
        if not torch.isfinite(jac).all():
            bad = int((~torch.isfinite(jac)).sum())
            raise ValueError(
                f"the partial Jacobian of layer {name!r} has {bad} NaN or Inf entries; check the model and "
                "the input x for overflow"
            )
    return out
