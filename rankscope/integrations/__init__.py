"""Where people already look: TensorBoard and Lightning, each an optional extra.

- :class:`rankscope.integrations.tensorboard.TensorBoardSink` (``pip install 'rankscope[tensorboard]'``):
  a ``Monitor`` sink writing scalars and spectrum histograms to a TensorBoard event file.
- :class:`rankscope.integrations.lightning.RankscopeCallback` (``pip install 'rankscope[lightning]'``):
  a Lightning callback running a ``Monitor`` inside ``Trainer.fit`` and logging to the Trainer's
  loggers.

Importing this package imports neither extra; each name is loaded on first use
(``from rankscope.integrations import TensorBoardSink``), and a missing extra raises an
``ImportError`` naming the ``pip install`` line. See docs/integrations.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rankscope.integrations.lightning import RankscopeCallback
    from rankscope.integrations.tensorboard import TensorBoardSink

__all__ = ["RankscopeCallback", "TensorBoardSink"]

#: public name -> the submodule that defines it (imported on first access)
_WHERE = {"RankscopeCallback": "lightning", "TensorBoardSink": "tensorboard"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = importlib.import_module(f"{__name__}.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
