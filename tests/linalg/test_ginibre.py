import numpy as np
import pytest
from scipy.special import digamma

from rankscope.linalg import lyapunov_exponents


def test_lyapunov_exponents_are_newmans_digamma_formula():
    n = 7
    mu = lyapunov_exponents(n)
    # E log|R_kk| for |R_kk|^2 ~ chi^2_{n-k+1}, by quadrature of the chi-square density
    from scipy import integrate, stats

    for k in (1, 4, 7):
        m = n - k + 1
        e = integrate.quad(lambda t, m=m: 0.5 * np.log(t) * stats.chi2.pdf(t, m), 0, np.inf)[0]
        assert abs(e - mu[k - 1]) < 1e-7
    assert np.all(np.diff(mu) < 0)
    assert abs(mu[0] - 0.5 * (np.log(2) + digamma(3.5))) < 1e-15


def test_lyapunov_exponents_of_a_one_by_one_product():
    # n = 1: (1/L) log|g_1 ... g_L| -> E log|g| = (log 2 + psi(1/2)) / 2 = -(gamma + log 2) / 2
    assert lyapunov_exponents(1)[0] == pytest.approx(-(np.euler_gamma + np.log(2)) / 2, rel=1e-14)


def test_bad_n_is_named():
    with pytest.raises((TypeError, ValueError), match="n"):
        lyapunov_exponents(0)
