"""What several paper 000 experiments share: the staircase criterion, its measures and its figure.

The staircase of paper 000 Sec. 2.2 ("the evolution of the eps-rank over time resembles a
staircase-like pattern") is decided the same way in ``staircase``, ``staircase-layers``,
``staircase-activations``, ``staircase-digits`` and ``pinn-poisson-udi``: plateaus are constant runs of
the eps-rank lasting >= 2% of the records (and >= 3 records); a staircase has >= 2 rises between
plateaus, >= 60% of consecutive plateaus going up, and a total rise >= 5.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rankscope.analysis import StaircaseStats, loss_rate_by_rank_growth, staircase_stats
from rankscope.experiments.paper000._fitting import FittingSeries
from rankscope.store import RunDir

__all__ = ["draw_stairs", "levels", "loss_rates", "rises_in_steps", "stair_measures", "staircase_verdict"]

#: the staircase criterion of the ``staircase`` experiment: plateaus last >= 2% of the records ...
MIN_PLATEAU_FRACTION = 1 / 50
#: ... there are >= 2 rises between plateaus, >= 60% of consecutive plateaus go up ...
MIN_RISES, MIN_MONOTONE = 2, 0.6
#: ... and the eps-rank rises by >= 5 in all.
MIN_TOTAL_RISE = 5


def stair_measures(ranks: np.ndarray) -> dict[str, Any]:
    """The eps-rank at the start, end and maximum, the staircase's plateaus (lasting >= 2% of the
    records), its rises between plateaus and the fraction of consecutive plateaus that go up."""
    st = staircase_stats(ranks, max(3, len(ranks) // 50))
    return {
        "initial_eps_rank": int(ranks[0]),
        "final_eps_rank": int(st.final),
        "max_eps_rank": int(st.maximum),
        "plateau_levels": levels(st),
        "rises_between_plateaus": st.steps,
        "monotone_fraction": float(st.monotone_fraction),
    }


def loss_rates(iters: np.ndarray, loss: np.ndarray, ranks: np.ndarray) -> dict[str, Any]:
    """The mean log10-loss decay rate over windows of 2.5% of the records where the eps-rank grows and
    where it does not, and their Spearman correlation (``loss_rate_by_rank_growth``)."""
    lr = loss_rate_by_rank_growth(iters, loss, ranks, max(2, len(ranks) // 40))
    return {k: (float(v) if isinstance(v, float) else v) for k, v in lr.items()}


def rises_in_steps(m: Mapping[str, Any], *, monotone: bool = True) -> bool:
    """Whether :func:`stair_measures` ``m`` show a staircase: >= 2 rises between plateaus, a total rise
    >= 5 and (when ``monotone``) >= 60% of consecutive plateaus going up."""
    return bool(
        m["rises_between_plateaus"] >= MIN_RISES
        and m["max_eps_rank"] >= m["initial_eps_rank"] + MIN_TOTAL_RISE
        and (not monotone or m["monotone_fraction"] >= MIN_MONOTONE)
    )


def staircase_verdict(ranks: Sequence[float] | np.ndarray) -> tuple[bool, StaircaseStats]:
    """Whether an eps-rank series is a staircase, by the criterion of the ``staircase`` experiment.

    Plateaus are maximal constant runs lasting at least 2% of the records (and >= 3 records), found
    by ``rankscope.analysis.staircase_stats``; consecutive plateaus at the same level (one stair
    interrupted by a brief excursion of the eps-rank) are merged into one. The series is a
    staircase if it has >= 2 rises between consecutive plateaus, >= 60% of consecutive plateau
    pairs go up, and its maximum is >= 5 above its initial value (paper 000 Sec. 2.2: "the
    evolution of the eps-rank over time resembles a staircase-like pattern"). The returned stats
    hold the merged ``levels`` and the ``monotone_fraction`` over them.

    Example:
        >>> staircase_verdict([2] * 10 + [6] * 10 + [9] * 10)[0]
        True
        >>> staircase_verdict([2] * 10 + [9] * 10 + [8] + [9] * 10)[1].levels
        (2.0, 9.0)
    """
    arr = np.asarray(ranks, dtype=np.float64)
    st = staircase_stats(arr, max(3, int(len(arr) * MIN_PLATEAU_FRACTION)))
    merged = tuple(v for i, v in enumerate(st.levels) if i == 0 or v != st.levels[i - 1])
    ups = sum(1 for a, b in itertools.pairwise(merged) if b > a)
    st = dataclasses.replace(
        st, levels=merged, steps=ups, monotone_fraction=ups / (len(merged) - 1) if len(merged) > 1 else 0.0
    )
    holds = (
        st.steps >= MIN_RISES
        and st.maximum >= st.initial + MIN_TOTAL_RISE
        and st.monotone_fraction >= MIN_MONOTONE
    )
    return bool(holds), st


def levels(st: StaircaseStats) -> list[int]:
    """The plateau levels of ``st`` as ints."""
    return [int(v) for v in st.levels]


def draw_stairs(run_dir: RunDir, panels: list[tuple[str, FittingSeries, int]], title: str, name: str) -> None:
    """One ``plot_loss_and_rank`` panel per ``(title, series, layer column)``, two per row."""
    from rankscope.report import new_figure, plot_loss_and_rank

    cols = 2 if len(panels) > 1 else 1
    rows = (len(panels) + cols - 1) // cols
    fig, axes = new_figure(rows, cols, figsize=(5.5 * cols, 3.8 * rows), squeeze=False)
    for ax, (panel_title, s, col) in zip(axes.flat, panels, strict=False):
        plot_loss_and_rank(ax, s.iter, s.loss, s.eps_rank[:, col])
        ax.set_title(panel_title)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    run_dir.save_figure(fig, name)
