"""Training loop and the ``Monitor`` callback."""

from rankscope.train.loop import Callback, Stage, Trainer, parse_stages
from rankscope.train.monitor import History, Monitor

__all__ = ["Callback", "History", "Monitor", "Stage", "Trainer", "parse_stages"]
