"""The Gram (mass) matrix of sampled functions, paper 000 Def. 2.4 and eq. (4.1).

    M_ij = int_Omega phi_i(x) phi_j(x) dx  ~=  sum_k w_k phi_i(x_k) phi_j(x_k),   i.e.  M = D^T W D,

with ``D_ki = phi_i(x_k)`` the functions at the quadrature points and ``W = diag(w)``. Plain linear
algebra on arrays: the builders that evaluate the neuron functions of a model
(``rankscope.matrices.gram_matrix``) and the random-feature model (``rankscope.nets``) both call it.
"""

from __future__ import annotations

import numpy as np

from rankscope._checks import as_matrix, as_vector
from rankscope.linalg.types import MatrixLike, VectorLike

__all__ = ["gram_from_features"]


def gram_from_features(features: MatrixLike, weights: VectorLike) -> np.ndarray:
    """Return ``M = D^T diag(w) D`` in float64 (paper 000 eq. 4.1).

    Args:
        features: ``D``, shape ``(m, n)``: n functions at m points (numpy or torch).
        weights: ``w``, shape ``(m,)``, non-negative quadrature weights.

    Returns:
        The symmetric PSD ``(n, n)`` float64 Gram matrix.

    Example:
        >>> gram_from_features(np.eye(2), np.array([2.0, 3.0]))
        array([[2., 0.],
               [0., 3.]])
    """
    d = as_matrix("features", features)
    w = as_vector("weights", weights)
    if w.shape[0] != d.shape[0]:
        raise ValueError(
            f"weights has {w.shape[0]} entries but features has {d.shape[0]} rows (points); "
            "expected one weight per point"
        )
    if np.any(w < 0):
        raise ValueError(f"weights must be non-negative; got min {w.min():.3e}")
    m = d.T @ (w[:, None] * d)
    out: np.ndarray = 0.5 * (m + m.T)
    return out
