"""Load a user's model, weights and inputs for ``rankscope analyze``; every failure is one line.

A model comes from a factory or class named ``module:attr`` (importable) or ``path/to/file.py:attr``,
called with keyword arguments (TOML, ``--model-kwargs``). Weights come from a state dict in ``.pt``
/ ``.pth`` (read with ``torch.load(weights_only=True)``, so no code in the file runs) or
``.safetensors``. Inputs and labels come from ``.npz`` (one array, or the one named by ``key``),
``.npy`` or ``.pt`` (a tensor, or a dict holding one under ``key``), of any shape: images
``(m, C, H, W)`` and token batches included.

Each error names the file (or the argument) and what was wrong: an import error, a missing
attribute, missing or unexpected state-dict keys, shape mismatches, non-finite weights.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope._checks import split_top_level

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["LoadError", "load_array", "load_model", "load_weights", "parse_model_kwargs"]

WEIGHT_SUFFIXES = (".pt", ".pth", ".safetensors")
ARRAY_SUFFIXES = (".npz", ".npy", ".pt", ".pth")


class LoadError(ValueError):
    """A model, weights or inputs could not be loaded; the message is one line naming the file."""


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def parse_model_kwargs(text: str | None) -> dict[str, Any]:
    """Keyword arguments from TOML: inline (``"width = 32, depth = 3"`` or ``{...}``) or a ``.toml`` file.

    Example:
        >>> parse_model_kwargs("width = 32, depth = 3")
        {'width': 32, 'depth': 3}
    """
    if text is None or not text.strip():
        return {}
    if text.endswith(".toml") and Path(text).is_file():
        source, body = text, Path(text).read_text(encoding="utf-8")
    else:
        inner = text.strip()
        if inner.startswith("{") and inner.endswith("}"):
            inner = inner[1:-1]
        source, body = (
            "--model-kwargs",
            "\n".join(part.strip() for part in split_top_level(inner) if part.strip()),
        )
    try:
        return dict(tomllib.loads(body))
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(f"{source}: {text!r} is not TOML key = value pairs ({exc})") from None


def _import_target(spec: str) -> Any:
    if spec.count(":") != 1 or not all(spec.split(":")):
        raise LoadError(f"model: {spec!r} must be 'package.module:attr' or 'path/to/file.py:attr'")
    where, attr = spec.split(":")
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise LoadError(f"model: {path} does not exist")
        name = f"_rankscope_user_{abs(hash(str(path.resolve())))}"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise LoadError(f"model: {path} cannot be imported as a Python file")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise LoadError(f"model: importing {path} failed ({_short(exc)})") from None
    else:
        try:
            module = importlib.import_module(where)
        except Exception as exc:
            raise LoadError(f"model: importing {where!r} failed ({_short(exc)})") from None
    if not hasattr(module, attr):
        public = sorted(n for n in vars(module) if not n.startswith("_"))[:20]
        raise LoadError(f"model: {where} has no attribute {attr!r}; it has {public}")
    return getattr(module, attr)


def load_model(spec: str, kwargs: Mapping[str, Any] | None = None) -> nn.Module:
    """Import ``module:attr`` or ``file.py:attr`` and call it with ``kwargs``: an ``nn.Module``."""
    target = _import_target(spec)
    if isinstance(target, nn.Module):
        if kwargs:
            raise LoadError(f"model: {spec} is a module instance; --model-kwargs {dict(kwargs)} cannot apply")
        return target
    if not callable(target):
        raise LoadError(f"model: {spec} is a {type(target).__name__}, not a class or factory")
    try:
        model = target(**dict(kwargs or {}))
    except Exception as exc:
        raise LoadError(f"model: calling {spec}(**{dict(kwargs or {})}) failed ({_short(exc)})") from None
    if not isinstance(model, nn.Module):
        raise LoadError(f"model: {spec}(...) returned a {type(model).__name__}, expected a torch.nn.Module")
    return model


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return dict(load_file(str(path)))
        except Exception as exc:
            raise LoadError(
                f"checkpoint: {path} is not a readable safetensors file ({_short(exc)})"
            ) from None
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise LoadError(
            f"checkpoint: {path} is not a state dict loadable with weights_only=True ({_short(exc)})"
        ) from None
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise LoadError(f"checkpoint: {path} holds a {type(obj).__name__}, expected a state dict of tensors")
    return dict(obj)


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load a state dict from ``path`` into ``model`` (strict: every key, every shape, finite values)."""
    path = Path(path)
    if path.suffix not in WEIGHT_SUFFIXES:
        raise LoadError(
            f"checkpoint: {path} has suffix {path.suffix!r}; expected one of {list(WEIGHT_SUFFIXES)}"
        )
    if not path.is_file():
        raise LoadError(f"checkpoint: {path} does not exist")
    state = _read_state(path)
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise LoadError(
            f"checkpoint: {path} does not fit {type(model).__name__}: missing keys {missing[:8]}"
            f"{' ...' if len(missing) > 8 else ''}, unexpected keys {unexpected[:8]}"
            f"{' ...' if len(unexpected) > 8 else ''}"
        )
    wrong = [
        f"{k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
        for k in own
        if state[k].shape != own[k].shape
    ]
    if wrong:
        raise LoadError(f"checkpoint: {path} has shape mismatches (file vs model): {wrong[:6]}")
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise LoadError(f"checkpoint: {path} has non-finite values in {bad[:8]}")
    model.load_state_dict(state, strict=True)
    return model


def load_array(path: str | Path, *, key: str | None = None, what: str = "inputs") -> torch.Tensor:
    """An array from ``.npz`` / ``.npy`` / ``.pt`` as a tensor (floating inputs keep their dtype's kind).

    Args:
        path: the file. key: the array's name in an ``.npz`` or a ``.pt`` dict (needed when it holds
        several). what: the argument name for messages (``inputs``, ``labels``).
    """
    path = Path(path)
    if path.suffix not in ARRAY_SUFFIXES:
        raise LoadError(f"{what}: {path} has suffix {path.suffix!r}; expected one of {list(ARRAY_SUFFIXES)}")
    if not path.is_file():
        raise LoadError(f"{what}: {path} does not exist")
    try:
        if path.suffix == ".npy":
            value: Any = np.load(path, allow_pickle=False)
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                value = {k: archive[k] for k in archive.files}
        else:
            value = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise LoadError(f"{what}: {path} could not be read ({_short(exc)})") from None
    if isinstance(value, Mapping):
        names = sorted(value)
        if key is None and len(names) == 1:
            key = names[0]
        if key is None or key not in value:
            raise LoadError(f"{what}: {path} holds arrays {names}; name one with --{what}-key")
        value = value[key]
    tensor = torch.as_tensor(np.array(value)) if not isinstance(value, torch.Tensor) else value
    if tensor.ndim < 1 or tensor.shape[0] < 1:
        raise LoadError(
            f"{what}: {path} holds shape {tuple(tensor.shape)}; expected a batch (m, ...) with m >= 1"
        )
    if tensor.is_floating_point() and not torch.isfinite(tensor).all():
        raise LoadError(f"{what}: {path} has non-finite values")
    return tensor
