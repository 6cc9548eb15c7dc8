"""Spectra and rank measures of matrices, dense and matrix-free.

``spectrum``: eigenvalues / singular values in float64 (:class:`Spectrum`). ``measures``: eps-rank
(papers/000 Def. 2.5), numerical rank (papers/004 eq. (4)), cut-off number and truncated entropy
(papers/001 Def. 1-2), effective rank, stable rank, condition number. ``matrix_free``: top
eigenvalues and eps-rank of large symmetric PSD operators without forming them.
"""

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
from rankscope.linalg.spectrum import Spectrum, as_spectrum, eigenspectrum, singular_spectrum

__all__ = [
    "MatrixFreeCount",
    "Spectrum",
    "as_spectrum",
    "aslinearoperator_psd",
    "condition_number",
    "count_above",
    "cutoff_number",
    "effective_rank",
    "eigenspectrum",
    "eps_rank",
    "eps_rank_matrix_free",
    "numerical_rank",
    "singular_spectrum",
    "stable_rank",
    "top_eigenvalues",
    "truncated_entropy",
]
