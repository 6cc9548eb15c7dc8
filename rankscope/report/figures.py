"""Figures in the papers' styles, drawn on matplotlib ``Figure`` objects (no pyplot, no display).

Figures are made with :func:`new_figure`, which binds an Agg canvas to a fresh
``matplotlib.figure.Figure``: no global pyplot state, no GUI backend, safe in threads and on
headless machines. Save them with ``RunDir.save_figure(fig, name)``.

Example:
    >>> import numpy as np
    >>> fig, ax = new_figure()
    >>> steps = np.arange(100)
    >>> twin = plot_loss_and_rank(ax, steps, np.exp(-steps / 20), np.minimum(steps // 10, 8))
    >>> twin.get_ylabel()
    'eps-rank'
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rankscope._checks import describe
from rankscope.linalg.types import VectorLike

__all__ = ["new_figure", "plot_loss_and_rank"]

LOSS_COLOR = "black"
RANK_CMAP = "viridis"


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float] | None = None,
    squeeze: bool = True,
    sharex: bool | Literal["none", "all", "row", "col"] = False,
    sharey: bool | Literal["none", "all", "row", "col"] = False,
    **fig_kw: Any,
) -> tuple[Figure, Any]:
    """A ``(figure, axes)`` pair like ``plt.subplots``, on an Agg canvas and without pyplot.

    Args:
        nrows, ncols: the grid of axes.
        figsize: inches; defaults to 4.5 x 3.5 per panel.
        squeeze: as in ``plt.subplots``: a single ``Axes`` for a 1 x 1 grid, a 1-D array for one
            row or column, else a 2-D array.
        sharex, sharey: as in ``plt.subplots``.
        **fig_kw: passed to ``matplotlib.figure.Figure`` (``layout`` defaults to ``"constrained"``).
    """
    for name, value in (("nrows", nrows), ("ncols", ncols)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    if figsize is None:
        figsize = (4.5 * ncols, 3.5 * nrows)
    fig_kw.setdefault("layout", "constrained")
    fig = Figure(figsize=figsize, **fig_kw)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, sharex=sharex, sharey=sharey)
    return fig, axes


def _as_1d(name: str, value: VectorLike) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().double().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 1-D array of numbers; got {describe(value)}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array; got {describe(arr)}")
    return arr


def plot_loss_and_rank(
    ax: Axes,
    steps: VectorLike,
    loss: VectorLike,
    ranks: VectorLike,
    *,
    label: str | None = None,
    rank_label: str = "eps-rank",
    rank_steps: VectorLike | None = None,
) -> Axes:
    """Draw the loss (black line, log scale) and a rank (coloured scatter, twin axis) over steps.

    The "staircase" figure of paper 000 (Fig. 2, Example 2.6): the loss falls in steps while the
    eps-rank climbs a "gradient ladder", its points coloured from early (dark) to late (yellow).

    Args:
        ax: the axes for the loss; its y-axis is set to log scale.
        steps: shape (n,), the steps at which ``loss`` was recorded.
        loss: shape (n,); non-positive or NaN values are left out of the log-scale line.
        ranks: shape (m,), the rank at ``rank_steps``; NaN entries are skipped.
        label: legend label of the loss line (a legend is drawn only if given).
        rank_label: the twin y-axis label.
        rank_steps: shape (m,), where ``ranks`` were recorded; defaults to ``steps`` (then m = n).

    Returns:
        The twin ``Axes`` holding the rank scatter.
    """
    steps_arr = _as_1d("steps", steps)
    loss_arr = _as_1d("loss", loss)
    ranks_arr = _as_1d("ranks", ranks)
    rank_x = steps_arr if rank_steps is None else _as_1d("rank_steps", rank_steps)
    if loss_arr.shape != steps_arr.shape:
        raise ValueError(f"loss must have one value per step: shape {steps_arr.shape}; got {loss_arr.shape}")
    if ranks_arr.shape != rank_x.shape:
        which = "steps" if rank_steps is None else "rank_steps"
        raise ValueError(
            f"ranks must have one value per entry of {which}: shape {rank_x.shape}; "
            f"got {ranks_arr.shape} (pass rank_steps= when ranks are recorded less often)"
        )

    shown = np.where(loss_arr > 0, loss_arr, np.nan)  # log scale: mask, never clip
    ax.plot(steps_arr, shown, color=LOSS_COLOR, linewidth=1.2, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")

    twin = ax.twinx()
    finite = np.isfinite(ranks_arr) & np.isfinite(rank_x)
    twin.scatter(
        rank_x[finite],
        ranks_arr[finite],
        c=rank_x[finite],
        cmap=RANK_CMAP,
        s=10,
        label=rank_label,
        zorder=3,
    )
    twin.set_ylabel(rank_label)
    if finite.any():
        top = float(np.max(ranks_arr[finite]))
        twin.set_ylim(bottom=min(0.0, float(np.min(ranks_arr[finite]))), top=1.05 * top + 0.5)
    if label is not None:
        lines, names = ax.get_legend_handles_labels()
        dots, dot_names = twin.get_legend_handles_labels()
        ax.legend(
            lines + dots,
            names + dot_names,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=2,
            frameon=False,
            fontsize="small",
        )
    return twin
