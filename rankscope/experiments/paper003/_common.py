"""Shared parts of the paper 003 experiments: the 1D domain, the 2D quadrature size, the
fitted-function error of a solve and the warm-up of the 1D structured solver.

Not an experiment module (the leading underscore keeps it out of the registry).
"""

from __future__ import annotations

import numpy as np

from rankscope.linalg.structured import ReluMassSolver1D
from rankscope.nets.shallow_relu import uniform_breakpoints_1d

__all__ = ["DOMAIN", "function_error", "quad_points", "warm_up_1d"]

DOMAIN = (0.0, 1.0)


def quad_points(n: int) -> int:
    """Points per axis: ``ceil(2 sqrt(n))`` so the rule has about 4n points (A is then SPD)."""
    return int(np.ceil(2.0 * np.sqrt(n)))


def function_error(a: np.ndarray, c: np.ndarray, c_star: np.ndarray) -> float:
    """``||v_c - v_c*||_L2 / ||v_c*||_L2 = sqrt(e^T A e / c*^T A c*)``, ``e = c - c*``."""
    e = c - c_star
    return float(np.sqrt(max(e @ a @ e, 0.0) / (c_star @ a @ c_star)))


def warm_up_1d() -> None:
    """Run the 1D solver once so that one-off compilation is not timed."""
    for signs in ("same", "mixed"):
        op = ReluMassSolver1D(uniform_breakpoints_1d(16, signs=signs))
        op.solve(op.matvec(np.ones(16)))
