"""The measures of ``pinn-poisson-udi`` (paper 000 Example 4.2, Fig. 7) from its recorded series:
the eps-rank at the start, early and at the end, the loss along training and the steps to a loss
level, the relative L2 error, and Xavier's staircase plateaus. A helper module of that experiment.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rankscope.experiments.paper000._common import stair_measures

__all__ = ["pinn_measures", "steps_to_reach"]


def steps_to_reach(steps: np.ndarray, loss: np.ndarray, level: float) -> float:
    """First recorded step at which ``loss <= level`` (``inf`` if never).

    Example:
        >>> steps_to_reach(np.array([0, 10, 20]), np.array([5.0, 2.0, 0.5]), 1.0)
        20.0
    """
    hit = np.flatnonzero(np.asarray(loss) <= level)
    return float(steps[hit[0]]) if hit.size else math.inf


def pinn_measures(cfg: Any, data: dict[str, dict[str, np.ndarray]], f_norm2: float) -> dict[str, Any]:
    """Per run (``xavier``, ``udi``): the eps-rank at the start, early and at the end, the loss along
    training and the steps to the loss level, the relative L2 error; Xavier's staircase plateaus."""
    total = sum(int(s[1]) for s in cfg.stages)
    level = cfg.loss_level * f_norm2
    measures: dict[str, Any] = {"loss_level": level, "f_norm2": f_norm2}
    for label, d in data.items():
        early = d["iter"] <= cfg.early_fraction * total
        at = {q: float(d["loss"][np.searchsorted(d["iter"], q * total)]) for q in (0.1, 0.5, 1.0)}
        measures[label] = {
            "initial_eps_rank": int(d["eps_rank"][0]),
            "early_mean_eps_rank": float(d["eps_rank"][early].mean()),
            "final_eps_rank": int(d["eps_rank"][-1]),
            "initial_loss": float(d["loss"][0]),
            "loss_at_10pct": at[0.1],
            "loss_at_50pct": at[0.5],
            "final_loss": at[1.0],
            "steps_to_level": steps_to_reach(d["iter"], d["loss"], level),
            "final_rel_l2_error": float(d["error"][-1]),
            "min_rel_l2_error": float(d["error"].min()),
            "median_rel_l2_error_last_10pct": float(np.median(d["error"][d["iter"] >= 0.9 * total])),
        }
    if "xavier" in data:
        stair = stair_measures(data["xavier"]["eps_rank"])
        measures["xavier"].update(
            {k: stair[k] for k in ("plateau_levels", "rises_between_plateaus", "max_eps_rank")}
        )
    return measures
