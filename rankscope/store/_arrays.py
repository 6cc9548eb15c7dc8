"""``arrays.npz`` and ``figures/*.png``: the arrays behind the figures, and the figures themselves.

Arrays are stored with ``np.savez`` and read back with ``allow_pickle=False``, so only numeric (and
bool) arrays are accepted; tensors are moved to the CPU first (bfloat16 as float32). Figures are
PNGs at :data:`FIGURE_DPI` named by a plain file stem.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rankscope.store._atomic import StoreError

if TYPE_CHECKING:
    from matplotlib.figure import Figure as Figure  # re-exported for RunDir.save_figure

__all__ = [
    "ARRAYS_FILE",
    "FIGURES_DIR",
    "FIGURE_DPI",
    "figure_png",
    "npz_bytes",
    "read_npz",
    "storable_array",
]

ARRAYS_FILE = "arrays.npz"
FIGURES_DIR = "figures"
FIGURE_DPI = 120
_RESERVED_ARRAY_NAMES = frozenset({"file", "allow_pickle"})
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def storable_array(name: str, value: Any, target: Path) -> np.ndarray:
    """``value`` as the numpy array stored under ``name`` in the ``.npz`` file ``target``.

    Tensors go through ``.detach().cpu()`` (bfloat16 as float32); names ``np.savez`` reserves and
    object arrays (unreadable without pickle) raise :class:`StoreError`.
    """
    if name in _RESERVED_ARRAY_NAMES:
        raise StoreError(
            f"array name {name!r} is reserved by np.savez; choose another name "
            f"(not one of {sorted(_RESERVED_ARRAY_NAMES)})"
        )
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        import torch

        value = value.detach().cpu()
        value = value.float() if value.dtype == torch.bfloat16 else value
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype == object:
        raise StoreError(
            f"array {name!r} for {target} has dtype object ({type(value).__name__}); expected a numeric array"
        )
    return arr


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """The ``.npz`` file holding ``arrays``."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub misreads **kwds
    return buffer.getvalue()


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """All arrays of the ``.npz`` file ``path`` (``{}`` if it does not exist), without pickle."""
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise StoreError(f"{path} is corrupt or not an .npz file: {exc}") from exc


def figure_png(fig: Figure, name: str) -> tuple[str, bytes]:
    """``(stem, png)``: a matplotlib figure as PNG bytes at :data:`FIGURE_DPI`, and its file stem.

    ``name`` is a plain file stem (letters, digits, ``_ . -``); a ``.png`` suffix is optional.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"figure name must be a plain file name (letters, digits, '_', '.', '-'); got {name!r}"
        )
    stem = name[:-4] if name.lower().endswith(".png") else name
    if not stem:
        raise ValueError(f"figure name must not be empty; got {name!r}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return stem, buffer.getvalue()
