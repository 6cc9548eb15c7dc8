"""DFT of the error and rolling averages (paper 002 eq. (6), appendix A)."""

import math

import numpy as np
import pytest

from rankscope.analysis.frequency import error_amplitudes, error_dft, periodic_grid, rolling_average


def test_error_dft_reads_the_amplitudes_of_sines_and_cosines():
    x = periodic_grid(-math.pi, math.pi, 128)
    u = 0.7 + 2.0 * np.sin(3 * x) - 0.25 * np.cos(10 * x) + 1e-3 * np.sin(55 * x)
    amp = error_dft(u, np.zeros_like(u))
    assert amp.shape == (65,)
    expected = np.zeros(65)
    expected[[0, 3, 10, 55]] = [0.7, 2.0, 0.25, 1e-3]
    np.testing.assert_allclose(amp, expected, atol=1e-12)


def test_error_dft_is_linear_in_the_difference():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=64), rng.normal(size=64)
    np.testing.assert_allclose(error_dft(a, b), np.abs(np.fft.rfft(a - b)) / 64 * np.r_[1, [2] * 31, 1])


def test_error_amplitudes_at_the_forcing_frequencies():
    x = periodic_grid(-math.pi, math.pi, 512)
    true = sum(np.sin(k * x) / k**2 for k in (1, 5, 15, 55))
    nn = np.sin(x) + np.sin(5 * x) / 25  # learned the two low frequencies exactly
    got = error_amplitudes(true, nn, [1, 5, 15, 55])
    np.testing.assert_allclose(got, [0.0, 0.0, 1 / 225, 1 / 3025], atol=1e-14)
    # a grid on [0, 1) with period 1: angular frequency 2 pi k is bin k
    y = periodic_grid(0.0, 1.0, 32)
    assert error_amplitudes(np.cos(2 * np.pi * 4 * y), 0 * y, [2 * np.pi * 4], period=1.0)[
        0
    ] == pytest.approx(1)


def test_rolling_average_matches_a_loop():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(37, 3))
    got = rolling_average(v, 5)
    want = np.array([v[max(0, t - 4) : t + 1].mean(0) for t in range(37)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(rolling_average(v[:, 0], 1), v[:, 0])


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"frequencies must fall on a DFT bin.*got 2\.5"):
        error_amplitudes(np.zeros(16), np.zeros(16), [2.5])
    with pytest.raises(ValueError, match=r"frequencies must fall on a DFT bin 0\.\.8"):
        error_amplitudes(np.zeros(16), np.zeros(16), [9])
    with pytest.raises(ValueError, match="u_true and u_nn must have the same shape"):
        error_dft(np.zeros(8), np.zeros(9))
    with pytest.raises(ValueError, match="window must be a positive integer; got 0"):
        rolling_average(np.zeros(4), 0)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        periodic_grid(0.0, 1.0, 1)
    with pytest.raises(ValueError, match="high must exceed low"):
        periodic_grid(1.0, 0.0, 4)
