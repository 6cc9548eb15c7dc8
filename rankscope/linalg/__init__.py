"""Spectra and rank measures of matrices, dense and matrix-free.

``spectrum``: eigenvalues / singular values in float64 (:class:`Spectrum`). ``measures``: eps-rank
(papers/000 Def. 2.5), numerical rank (papers/004 eq. (4)), cut-off number and truncated entropy
(papers/001 Def. 1-2), effective rank, stable rank, condition number. ``matrix_free``: top
eigenvalues and eps-rank of large symmetric PSD operators without forming them. ``loss_bound``:
paper 000 Thm 3.2/3.3. ``truncated_svd``: truncated-SVD solves (paper 001). ``pca_dim``: PCA
dimension of features (paper 004).
"""

from rankscope.linalg.loss_bound import (
    SELECTION_METHODS,
    LossLowerBound,
    Theorem32Result,
    dist_to_span,
    loss_lower_bound,
    select_rows,
    theorem32_reduction,
)
from rankscope.linalg.matrix_free import (
    MatrixFreeCount,
    aslinearoperator_psd,
    count_above,
    eps_rank_matrix_free,
    top_eigenvalues,
)
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
from rankscope.linalg.spectrum import Spectrum, as_spectrum, eigenspectrum, singular_spectrum
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
    "eps_rank",
    "eps_rank_matrix_free",
    "loss_lower_bound",
    "numerical_rank",
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
