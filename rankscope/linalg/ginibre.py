"""Closed-form spectra of products of Gaussian (Ginibre) matrices, paper 004.

The Jacobian of a deep linear network with i.i.d. standard Gaussian ``n x n`` weights is the product
``J_L = G_L ... G_1``. Its Lyapunov exponents ``lim_L (1/L) log sigma_k(J_L)`` are known exactly
(Newman 1986, ref. [38]; paper 004 Thm 5 and eq. (10), Thm 11 / eq. (A93) in the appendix). The
converted text prints ``psi = Gamma/Gamma'`` and ``log(2 + psi)``; both are conversion errors of
Newman's ``(log 2 + psi((n - k + 1)/2)) / 2`` with ``psi = Gamma'/Gamma`` the digamma function.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import digamma

from rankscope._checks import check_positive_int

__all__ = ["lyapunov_exponents"]


def lyapunov_exponents(n: int) -> np.ndarray:
    """``mu_k = (log 2 + psi((n - k + 1) / 2)) / 2``, k = 1..n: Lyapunov spectrum of n x n Ginibre
    products (Newman 1986; paper 004 Thm 5 eq. (10) and Thm 11, with psi = digamma), descending.

    Example:
        >>> mu = lyapunov_exponents(3)
        >>> bool(np.all(np.diff(mu) < 0)), round(float(mu[-1]), 6)  # k = n: (log 2 + psi(1/2)) / 2
        (True, -0.635181)
    """
    n = check_positive_int("n", n)
    k = np.arange(1, n + 1)
    out: np.ndarray = 0.5 * (math.log(2.0) + digamma((n - k + 1) / 2.0))
    return out
