"""The papers' problems as data."""

from rankscope.problems.fitting import FunctionFitting, staircase_target

__all__ = ["FunctionFitting", "staircase_target"]
