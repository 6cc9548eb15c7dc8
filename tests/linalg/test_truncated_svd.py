import numpy as np
import pytest

from rankscope.linalg import cutoff_number
from rankscope.linalg.truncated_svd import shared_count, truncated_svd_solve, truncation_curve


def _matrix(n=30, m=12, seed=0):
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, m)))
    v, _ = np.linalg.qr(rng.standard_normal((m, m)))
    s = np.logspace(0, -8, m)
    return (u * s) @ v.T, rng.standard_normal(n)


def test_full_rank_truncation_equals_lstsq():
    a, f = _matrix()
    res = truncated_svd_solve(a, f)
    ref, *_ = np.linalg.lstsq(a, f, rcond=None)
    np.testing.assert_allclose(res.coefficients, ref, rtol=1e-6)
    assert res.position == 12
    expected = np.linalg.norm(a @ ref - f) / np.linalg.norm(f)
    assert res.relative_error == pytest.approx(expected, rel=1e-10)


def test_truncated_solution_is_the_pseudo_inverse_of_the_rank_p_matrix():
    a, f = _matrix(seed=1)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    for p in (1, 4, 9):
        a_p = (u[:, :p] * s[:p]) @ vt[:p]  # the truncated matrix A~ of eq. (14)
        ref = np.linalg.pinv(a_p, rcond=s[p - 1] / s[0] * 0.5) @ f
        res = truncated_svd_solve(a, f, p)
        np.testing.assert_allclose(res.coefficients, ref, rtol=1e-8, atol=1e-12)
        # in exact arithmetic A a_P - f = -(I - U_P U_P^T) f
        proj = f - u[:, :p] @ (u[:, :p].T @ f)
        assert res.relative_error == pytest.approx(np.linalg.norm(proj) / np.linalg.norm(f), rel=1e-6)


def test_a_ratio_picks_the_effective_cutoff_number():
    a, f = _matrix(seed=2)
    for ratio in (1e-2, 1e-5):
        res = truncated_svd_solve(a, f, a_ratio=ratio)
        assert res.position == cutoff_number(a, ratio)


def test_curve_agrees_with_single_solves_and_is_monotone_when_well_conditioned():
    a, f = _matrix(seed=3)
    curve = truncation_curve(a, f)
    np.testing.assert_array_equal(curve.positions, np.arange(1, 13))
    for p in (1, 5, 12):
        assert curve.error_at(p) == pytest.approx(truncated_svd_solve(a, f, p).relative_error, rel=1e-9)
    assert np.all(np.diff(curve.errors) <= 1e-12)
    sub = truncation_curve(a, f, positions=[3, 1, 3])
    np.testing.assert_array_equal(sub.positions, [1, 3])


def test_round_off_past_the_cutoff_is_kept_in_the_error():
    # singular values far below eps * sigma_1: inverting them amplifies round-off (Fig. 3 stages III/IV).
    # In exact arithmetic the full-rank error would be ||(I - U U^T) f|| = 0; evaluated it stays O(1).
    rng = np.random.default_rng(4)
    n = 40
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (u * np.logspace(0, -30, n)) @ v.T
    f = rng.standard_normal(n)
    curve = truncation_curve(a, f)
    uu, _, _ = np.linalg.svd(a)
    assert np.linalg.norm(f - uu @ (uu.T @ f)) / np.linalg.norm(f) < 1e-12
    assert curve.errors[-1] > 0.1


def test_shared_count():
    assert shared_count([3.0, 2.0, 1e-9], [3.01, 2.0, 1e-6]) == 2
    assert shared_count([3.0, 2.0], [3.0, 2.0]) == 2
    assert shared_count([3.0, 2.0], [4.0, 2.0]) == 0
    assert shared_count([2.0, 3.0], [3.0, 2.0]) == 2  # sorted first


def test_errors_name_the_argument():
    a, f = _matrix()
    with pytest.raises(ValueError, match=r"position must be in 1\.\.12"):
        truncated_svd_solve(a, f, 13)
    with pytest.raises(ValueError, match="give position or a_ratio, not both"):
        truncated_svd_solve(a, f, 3, a_ratio=1e-3)
    with pytest.raises(ValueError, match="f must be nonzero"):
        truncated_svd_solve(a, np.zeros(30))
    with pytest.raises(ValueError, match=r"f must have one entry per row of a \(30\)"):
        truncation_curve(a, np.ones(5))
    with pytest.raises(ValueError, match=r"positions must lie in 1\.\.12"):
        truncation_curve(a, f, positions=[0])
    with pytest.raises(ValueError, match="position 4 is not on the curve"):
        truncation_curve(a, f, positions=[1, 2]).error_at(4)
    with pytest.raises(ValueError, match="same length"):
        shared_count([1.0], [1.0, 2.0])
