"""The spectra of ``A_AD`` and ``A_FD`` compared, as Propositions 1 and 2 of paper 001 do.

Proposition 1: the largest eigenvalues of ``A^T A`` agree to ``O(h^2)`` (``A_AD = A_FD + h^2 E``);
Proposition 2: ``sigma_min(C A_0) >= sigma_min(A_0) sigma_min(C)``, so the small singular values of
``A_FD = C A_0`` are larger than those of ``A_AD`` (Fig. 2, 3). The matrices come from
:func:`rankscope.matrices.random_features.system_matrix_ad` and ``system_matrix_fd``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from rankscope._checks import as_matrix
from rankscope.linalg.spectrum import singular_spectrum
from rankscope.linalg.truncated_svd import shared_count
from rankscope.linalg.types import MatrixLike, SparseMatrix

__all__ = ["ADFDComparison", "compare_ad_fd", "proposition2_bound"]


@dataclass(frozen=True)
class ADFDComparison:
    """Singular values of ``A_AD`` and ``A_FD`` side by side (paper 001 Prop. 1-2, Fig. 2).

    Attributes:
        sv_ad, sv_fd: singular values, descending.
        lambda_max_ad, lambda_max_fd: ``lambda_max(A^T A) = sigma_1^2``.
        top_rel_gap: ``|lambda_max_ad - lambda_max_fd| / lambda_max_ad`` (Prop. 1: O(h^2)).
        shared: K, the number of leading singular values that agree to ``rtol`` (Fig. 3's red dot).
        tail_log10_ratio: median of ``log10(sigma_FD,i / sigma_AD,i)`` over ``i > K``; > 0 when the
            small singular values are larger for FD (Prop. 2).
    """

    sv_ad: np.ndarray
    sv_fd: np.ndarray
    lambda_max_ad: float
    lambda_max_fd: float
    top_rel_gap: float
    shared: int
    tail_log10_ratio: float


def compare_ad_fd(a_ad: MatrixLike, a_fd: MatrixLike, *, rtol: float = 0.05) -> ADFDComparison:
    """Compare the spectra of ``A_AD`` and ``A_FD`` as Propositions 1 and 2 of paper 001 do.

    Example:
        >>> c = compare_ad_fd(np.diag([2.0, 1.0, 1e-9]), np.diag([2.0, 1.0, 1e-5]))
        >>> c.shared, round(c.tail_log10_ratio, 6)
        (2, 4.0)
    """
    s_ad = singular_spectrum(a_ad, name="a_ad").values
    s_fd = singular_spectrum(a_fd, name="a_fd").values
    if s_ad.size != s_fd.size:
        raise ValueError(
            f"a_ad and a_fd must have the same shape; got {s_ad.size} and {s_fd.size} singular values"
        )
    k = shared_count(s_ad, s_fd, rtol=rtol)
    tiny = np.finfo(np.float64).tiny
    tail = np.log10(np.maximum(s_fd[k:], tiny) / np.maximum(s_ad[k:], tiny))
    lam_ad, lam_fd = float(s_ad[0] ** 2), float(s_fd[0] ** 2)
    return ADFDComparison(
        sv_ad=s_ad,
        sv_fd=s_fd,
        lambda_max_ad=lam_ad,
        lambda_max_fd=lam_fd,
        top_rel_gap=abs(lam_ad - lam_fd) / lam_ad if lam_ad > 0 else math.inf,
        shared=k,
        tail_log10_ratio=float(np.median(tail)) if tail.size else 0.0,
    )


def proposition2_bound(a0: MatrixLike, c: np.ndarray | SparseMatrix) -> tuple[float, float]:
    """Both sides of Prop. 2: ``sigma_min(C A_0) >= sigma_min(A_0) sigma_min(C)``.

    The paper states it for square ``A_0`` (M = N); other shapes only warn, and the bound then
    compares the min(N, M)-th singular values (it still holds for N >= M, ``C`` square N x N).

    Returns:
        ``(sigma_min(C A_0), sigma_min(A_0) * sigma_min(C))``.
    """
    a0 = as_matrix("a0", a0)
    c_dense = c.toarray() if hasattr(c, "toarray") else c
    c_arr = as_matrix("c", c_dense, square=True)
    if c_arr.shape[0] != a0.shape[0]:
        raise ValueError(f"c must be {a0.shape[0]} x {a0.shape[0]} to multiply a0; got {c_arr.shape}")
    if a0.shape[0] != a0.shape[1]:
        warnings.warn(
            f"Proposition 2 assumes M = N (square A_0); got N = {a0.shape[0]} points and "
            f"M = {a0.shape[1]} features",
            UserWarning,
            stacklevel=2,
        )
    lhs = singular_spectrum(c_arr @ a0).min
    rhs = singular_spectrum(a0).min * singular_spectrum(c_arr).min
    return lhs, rhs
