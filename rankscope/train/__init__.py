"""Training loop and the ``Monitor`` callback."""

from rankscope.train.loop import Callback, Stage, Trainer, parse_stages
from rankscope.train.monitor import (
    NONFINITE_POLICIES,
    History,
    Monitor,
    NonFiniteFeaturesWarning,
    RankCappedWarning,
)

__all__ = [
    "NONFINITE_POLICIES",
    "Callback",
    "History",
    "Monitor",
    "NonFiniteFeaturesWarning",
    "RankCappedWarning",
    "Stage",
    "Trainer",
    "parse_stages",
]
