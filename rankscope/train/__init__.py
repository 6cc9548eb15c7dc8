"""Training loop and the ``Monitor`` callback."""

from rankscope.train.loop import Callback, Stage, Trainer, parse_stages
from rankscope.train.monitor import (
    NONFINITE_POLICIES,
    History,
    Monitor,
    NonFiniteFeaturesWarning,
    RankCappedWarning,
)
from rankscope.train.sggn import SgGNOptions, SgGNRecord, SgGNResult, sggn_fit, sggn_iterations
from rankscope.train.sggn_step import gauss_newton_direction, layer_gn_matrix, linear_step
from rankscope.train.sggn_step import gradient as sggn_gradient

__all__ = [
    "NONFINITE_POLICIES",
    "Callback",
    "History",
    "Monitor",
    "NonFiniteFeaturesWarning",
    "RankCappedWarning",
    "SgGNOptions",
    "SgGNRecord",
    "SgGNResult",
    "Stage",
    "Trainer",
    "gauss_newton_direction",
    "layer_gn_matrix",
    "linear_step",
    "parse_stages",
    "sggn_fit",
    "sggn_gradient",
    "sggn_iterations",
]
