"""Tests for rankscope.report.figures: the loss/rank figure on a pyplot-free Agg figure."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rankscope.report.figures import new_figure, plot_loss_and_rank


def test_plot_loss_and_rank_draws_both_series():
    fig, ax = new_figure(figsize=(4, 3))
    steps = torch.arange(20)
    loss = torch.exp(-steps / 5.0)
    twin = plot_loss_and_rank(
        ax, steps, loss, [1.0, 2.0, np.nan, 4.0], rank_steps=[0, 5, 10, 15], rank_label="rank"
    )
    assert ax.get_yscale() == "log"
    assert twin is not ax and twin.get_ylabel() == "rank"
    (line,) = ax.get_lines()
    assert line.get_color() == "black"
    np.testing.assert_allclose(line.get_ydata(), loss.numpy(), rtol=1e-6)
    (dots,) = twin.collections
    np.testing.assert_array_equal(dots.get_offsets()[:, 1], [1.0, 2.0, 4.0])  # NaN skipped
    fig.canvas.draw()  # colours are mapped at draw time
    assert len(set(map(tuple, dots.get_facecolors()))) == 3  # a colour gradient, not one colour


def test_plot_loss_and_rank_validates_lengths():
    _, ax = new_figure()
    with pytest.raises(ValueError, match=r"loss must have one value per step"):
        plot_loss_and_rank(ax, [0, 1, 2], [1.0, 0.5], [1, 2, 3])
    with pytest.raises(ValueError, match=r"rank_steps="):
        plot_loss_and_rank(ax, [0, 1, 2], [1.0, 0.5, 0.2], [1, 2])


def test_new_figure_grid():
    fig, axes = new_figure(2, 3)
    assert axes.shape == (2, 3)
    assert tuple(fig.get_size_inches()) == (13.5, 7.0)
    with pytest.raises(ValueError, match="nrows must be a positive int"):
        new_figure(0)
