"""Where a run computes: ``"cpu"``, ``"cuda"`` or ``"auto"`` resolved to a :class:`torch.device`.

Experiments (the ``device`` key of every config) and ``rankscope analyze --device`` share this one
rule: ``auto`` means CUDA when a CUDA device is present and the CPU otherwise; ``cuda`` where none is
present is refused with a one-line error rather than silently falling back.

    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device("auto").type in {"cpu", "cuda"}
    True
"""

from __future__ import annotations

import torch

__all__ = ["DEVICES", "resolve_device"]

#: The accepted device names.
DEVICES = ("cpu", "cuda", "auto")


def resolve_device(name: str, *, argument: str = "device") -> torch.device:
    """The :class:`torch.device` for ``name`` (one of :data:`DEVICES`, or ``cuda:N``).

    Args:
        name: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        argument: how the caller names the setting, for the error message.

    Raises:
        ValueError: an unknown name, or CUDA asked for where none is present.
    """
    if not isinstance(name, str):
        raise ValueError(f"{argument} must be one of {list(DEVICES)}; got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"{argument} = {name!r} but no CUDA device is present here; use 'cpu' or 'auto'")
        device = torch.device(name)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"{argument} = {name!r} but only {torch.cuda.device_count()} CUDA device(s) are present"
            )
        return device
    raise ValueError(f"{argument} must be one of {list(DEVICES)} (or 'cuda:N'); got {name!r}")
