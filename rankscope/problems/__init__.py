"""The papers' problems as data: function fitting (000), AD/FD PDE problems (001), multiscale and
frequency-principle boundary value problems (002)."""

from rankscope.problems.adfd import PROBLEMS as ADFD_PROBLEMS
from rankscope.problems.adfd import AdFdProblem, adfd_problem, biharmonic_coefficients
from rankscope.problems.fitting import FunctionFitting, staircase_target
from rankscope.problems.multiscale import (
    FREQUENCIES,
    DirichletBVP1D,
    darcy_coefficient,
    frequency_bvp,
    multiscale_bvp,
    periodic_coefficient,
    two_scale_darcy,
    two_scale_poisson,
    two_scale_solution,
)

__all__ = [
    "ADFD_PROBLEMS",
    "FREQUENCIES",
    "AdFdProblem",
    "DirichletBVP1D",
    "FunctionFitting",
    "adfd_problem",
    "biharmonic_coefficients",
    "darcy_coefficient",
    "frequency_bvp",
    "multiscale_bvp",
    "periodic_coefficient",
    "staircase_target",
    "two_scale_darcy",
    "two_scale_poisson",
    "two_scale_solution",
]
