"""Figures and the self-contained HTML report of a run directory (layer 9 of DESIGN.md)."""

from rankscope.report.figures import new_figure, plot_loss_and_rank
from rankscope.report.html import build_report

__all__ = ["build_report", "new_figure", "plot_loss_and_rank"]
