"""Structured solvers (paper 003): preconditioned CG, HSS preconditioners, hyperplane orderings and the
O(n) direct solvers of the 1D ReLU mass and Heaviside matrices.

``pcg``: preconditioned CG with history, Jacobi and basis-change preconditioners. ``hss``: the robust
HSS-type structured Cholesky factor (``hss_factor``: the factor; ``hss_preconditioner``: a factor as
a CG preconditioner); ``hss_nested``: the nested-basis HSS solved by extended sparsification
(``hss_nested_factor``: the factored result). ``ordering``: neuron orderings clustering similar
hyperplanes (the cluster tree). ``hodlr``: a symmetric HODLR matrix compressed from entries alone
(adaptive cross approximation) and factored by recursive Woodbury (the 2D ReLU solver's core).
``relu1d_mass`` / ``relu1d_heaviside`` (with ``relu1d_mass_mixed``, ``relu1d_common`` and
``compensated``): the O(n) 1D solvers. ``residuals``: backward error (``ord`` selects the norm),
relative residual and A-norm of an error. Neurons and domains are read structurally, so this package
imports nothing above ``rankscope.linalg``.
"""

from rankscope.linalg.structured.hodlr import HODLR, hodlr_from_entries
from rankscope.linalg.structured.hodlr_aca import aca
from rankscope.linalg.structured.hss import hss_cholesky
from rankscope.linalg.structured.hss_factor import HSSCholesky
from rankscope.linalg.structured.hss_nested import hss_nested
from rankscope.linalg.structured.hss_nested_factor import NestedHSS, NestedHSSPreconditioner
from rankscope.linalg.structured.hss_preconditioner import HSSPreconditioner
from rankscope.linalg.structured.ordering import bisection_order, hyperplane_embedding, hyperplane_ordering
from rankscope.linalg.structured.pcg import CGResult, basis_change_preconditioner, hat_basis_1d, jacobi, pcg
from rankscope.linalg.structured.relu1d_common import IllConditionedWarning
from rankscope.linalg.structured.relu1d_heaviside import ReluHeavisideSolver1D
from rankscope.linalg.structured.relu1d_mass import ReluMassSolver1D
from rankscope.linalg.structured.residuals import a_norm, backward_error, relative_residual

__all__ = [
    "HODLR",
    "CGResult",
    "HSSCholesky",
    "HSSPreconditioner",
    "IllConditionedWarning",
    "NestedHSS",
    "NestedHSSPreconditioner",
    "ReluHeavisideSolver1D",
    "ReluMassSolver1D",
    "a_norm",
    "aca",
    "backward_error",
    "basis_change_preconditioner",
    "bisection_order",
    "hat_basis_1d",
    "hodlr_from_entries",
    "hss_cholesky",
    "hss_nested",
    "hyperplane_embedding",
    "hyperplane_ordering",
    "jacobi",
    "pcg",
    "relative_residual",
]
