"""PCA dimension of a set of feature vectors with the threshold of paper 004.

paper 004 Sec. 4.3 ("Structural Impetus", Fig. 3): "The dimension is
determined by the number of PCA eigenvalues larger than 1.19e-7 x N x sigma_max, where N is the number
of PCA eigenvalues, and sigma_max is the largest PCA eigenvalue" (and Sec. 4.3 "Implicit Impetus":
intrinsic dimensions of linear feature manifolds "measured by the numerical rank of their covariance
matrices"). That is the numerical rank of eq. (4) applied to the covariance matrix, with its default
``eps = float32 epsilon x N``: :func:`pca_dimension` computes the covariance spectrum and counts with
:func:`rankscope.linalg.numerical_rank` (``>=`` where the text says "larger than"; they differ only
on exact ties).

Example:
    >>> rng = np.random.default_rng(0)
    >>> plane = rng.standard_normal((500, 2)) @ rng.standard_normal((2, 10))  # a 2-D subspace of R^10
    >>> pca_dimension(plane)
    2
"""

from __future__ import annotations

import numpy as np
import torch

from rankscope._checks import as_matrix
from rankscope.linalg.measures import numerical_rank
from rankscope.linalg.spectrum import Spectrum
from rankscope.linalg.types import MatrixLike

__all__ = ["pca_dimension", "pca_spectrum"]


def pca_spectrum(features: MatrixLike) -> Spectrum:
    """Eigenvalues of the sample covariance ``Sigma = X_c^T X_c / (N - 1)`` of ``features``, float64.

    ``X_c`` is ``features`` with its column means removed. All d eigenvalues are returned (the
    "N PCA eigenvalues" of the paper's threshold, N = d); when there are fewer samples than features
    the nonzero ones are computed from the ``n x n`` matrix ``X_c X_c^T`` (same nonzero eigenvalues)
    and the remaining ``d - n`` exact zeros are appended.

    Args:
        features: ``(n, d)`` matrix, one feature vector per row, n >= 2; numpy array or tensor.

    Returns:
        A ``Spectrum`` of kind ``"eig"`` with d values, shape ``(d, d)``.
    """
    x = as_matrix("features", features)
    n, d = x.shape
    if n < 2 or d < 1:
        raise ValueError(f"features must have at least 2 rows (samples) and 1 column; got shape {x.shape}")
    xc = torch.from_numpy(x - x.mean(axis=0, keepdims=True))
    small = xc @ xc.T if n < d else xc.T @ xc
    vals = torch.linalg.eigvalsh(small).numpy() / (n - 1)
    if n < d:
        vals = np.concatenate([vals, np.zeros(d - n)])
    return Spectrum(
        vals, kind="eig", dtype=str(getattr(features, "dtype", x.dtype)).removeprefix("torch."), shape=(d, d)
    )


def pca_dimension(features: MatrixLike, eps: float | None = None) -> int:
    """Number of PCA eigenvalues at least ``eps x lambda_max`` (default eps = 1.19e-7 x d).

    ``PCADim(X) = #{ i : lambda_i(Sigma) >= eps * lambda_max(Sigma) }`` with Sigma the sample
    covariance of the rows of ``features`` (papers/004 Sec. 4.3; Alg. A2 takes the rank of the
    covariance matrix), computed as ``numerical_rank(pca_spectrum(features), eps)`` (eq. (4)).

    Args:
        features: ``(n, d)`` feature vectors, one per row.
        eps: relative threshold on the eigenvalues; ``None`` for float32 epsilon x d.
    """
    return numerical_rank(pca_spectrum(features), eps)
