"""The papers' problems as data: function fitting and the Poisson problem of Ex. 4.2 (000), AD/FD
PDE problems and the PINN residual's data (001), multiscale and frequency-principle boundary value
problems (002), scikit-learn's digits (000, 004)."""

from rankscope.problems.adfd import PROBLEMS as ADFD_PROBLEMS
from rankscope.problems.adfd import AdFdProblem, adfd_problem, biharmonic_coefficients
from rankscope.problems.digits import DIGITS_SPLITS, Digits, load_digits
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
from rankscope.problems.pinn import PinnSpec
from rankscope.problems.poisson import PoissonDirichlet, poisson_example_4_2

__all__ = [
    "ADFD_PROBLEMS",
    "DIGITS_SPLITS",
    "FREQUENCIES",
    "AdFdProblem",
    "Digits",
    "DirichletBVP1D",
    "FunctionFitting",
    "PinnSpec",
    "PoissonDirichlet",
    "adfd_problem",
    "biharmonic_coefficients",
    "darcy_coefficient",
    "frequency_bvp",
    "load_digits",
    "multiscale_bvp",
    "periodic_coefficient",
    "poisson_example_4_2",
    "staircase_target",
    "two_scale_darcy",
    "two_scale_poisson",
    "two_scale_solution",
]
