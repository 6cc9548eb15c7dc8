"""The papers' problems as data."""

from rankscope.problems.adfd import PROBLEMS as ADFD_PROBLEMS
from rankscope.problems.adfd import AdFdProblem, adfd_problem, biharmonic_coefficients
from rankscope.problems.fitting import FunctionFitting, staircase_target

__all__ = [
    "ADFD_PROBLEMS",
    "AdFdProblem",
    "FunctionFitting",
    "adfd_problem",
    "biharmonic_coefficients",
    "staircase_target",
]
