"""Spectra and rank measures of matrices, dense and matrix-free.

``spectrum``: eigenvalues / singular values in float64 (:class:`Spectrum`). ``measures``: eps-rank
(papers/000 Def. 2.5), numerical rank (papers/004 eq. (4)), cut-off number and truncated entropy
(papers/001 Def. 1-2), effective rank, stable rank, condition number. ``gram``: the mass matrix
``D^T W D`` of sampled functions (papers/000 eq. 4.1). ``matrix_free``: top eigenvalues and
eps-rank of large symmetric PSD operators without forming them (``psd_operator``: the operators;
``block_krylov``: the default kernel). ``reduction`` (Thm 3.2, with ``row_selection`` choosing P)
and ``loss_bound`` (Thm 3.3): paper 000 Sec. 3. ``truncated_svd``: truncated-SVD solves (paper
001). ``pca_dim``: PCA dimension of features (paper 004). ``ginibre``: Lyapunov exponents of
Gaussian matrix products (paper 004 eq. 10). ``structured``: the structured solvers of paper 003
(every name of its ``__all__`` is re-exported here).
"""

from rankscope.linalg import structured
from rankscope.linalg.ginibre import lyapunov_exponents
from rankscope.linalg.gram import gram_from_features
from rankscope.linalg.loss_bound import LossLowerBound, dist_to_span, loss_lower_bound
from rankscope.linalg.matrix_free import MatrixFreeCount, count_above, eps_rank_matrix_free, top_eigenvalues
from rankscope.linalg.measures import (
    condition_number,
    cutoff_number,
    effective_rank,
    eps_rank,
    numerical_rank,
    stable_rank,
    truncated_entropy,
)
from rankscope.linalg.pca_dim import pca_dimension, pca_spectrum
from rankscope.linalg.psd_operator import aslinearoperator_psd
from rankscope.linalg.reduction import Theorem32Result, theorem32_reduction
from rankscope.linalg.row_selection import SELECTION_METHODS, select_rows
from rankscope.linalg.spectrum import Spectrum, as_spectrum, eigenspectrum, singular_spectrum
from rankscope.linalg.structure_measures import (
    OffDiagonalRanks,
    eigenvector_sign_changes,
    extreme_eigenvalues,
    offdiagonal_ranks,
)
from rankscope.linalg.structured import *  # noqa: F403 - its whole __all__ is re-exported below
from rankscope.linalg.truncated_svd import (
    TruncatedSolve,
    TruncationCurve,
    shared_count,
    truncated_svd_solve,
    truncation_curve,
)

__all__ = [
    "SELECTION_METHODS",
    "LossLowerBound",
    "MatrixFreeCount",
    "OffDiagonalRanks",
    "Spectrum",
    "Theorem32Result",
    "TruncatedSolve",
    "TruncationCurve",
    "as_spectrum",
    "aslinearoperator_psd",
    "condition_number",
    "count_above",
    "cutoff_number",
    "dist_to_span",
    "effective_rank",
    "eigenspectrum",
    "eigenvector_sign_changes",
    "eps_rank",
    "eps_rank_matrix_free",
    "extreme_eigenvalues",
    "gram_from_features",
    "loss_lower_bound",
    "lyapunov_exponents",
    "numerical_rank",
    "offdiagonal_ranks",
    "pca_dimension",
    "pca_spectrum",
    "select_rows",
    "shared_count",
    "singular_spectrum",
    "stable_rank",
    "theorem32_reduction",
    "top_eigenvalues",
    "truncated_entropy",
    "truncated_svd_solve",
    "truncation_curve",
]
__all__ += structured.__all__
