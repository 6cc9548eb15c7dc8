"""Reductions of recorded series and final features (layer 7 of docs/architecture.md).

``series``: plateaus, staircases, loss decay vs rank growth and log-log slopes (paper 000 Sec. 2.2,
the growth checks of papers 002/003). ``frequency``: DFT of the error on a periodic grid, amplitudes
at given frequencies, rolling average (paper 002 Sec. 2). ``features``: classification dimension
(paper 004 eq. 6) and independence deficit (paper 004 eq. 11-12).
"""

from rankscope.analysis.features import (
    ClsDimResult,
    IndependenceDeficit,
    accuracy_curve,
    classification_dimension,
    independence_deficit,
    lasso_eta_max,
    principal_directions,
)
from rankscope.analysis.frequency import error_amplitudes, error_dft, periodic_grid, rolling_average
from rankscope.analysis.series import (
    Plateau,
    StaircaseStats,
    loglog_slope,
    loss_rate_by_rank_growth,
    plateaus,
    semilog_fit,
    staircase_stats,
)

__all__ = [
    "ClsDimResult",
    "IndependenceDeficit",
    "Plateau",
    "StaircaseStats",
    "accuracy_curve",
    "classification_dimension",
    "error_amplitudes",
    "error_dft",
    "independence_deficit",
    "lasso_eta_max",
    "loglog_slope",
    "loss_rate_by_rank_growth",
    "periodic_grid",
    "plateaus",
    "principal_directions",
    "rolling_average",
    "semilog_fit",
    "staircase_stats",
]
