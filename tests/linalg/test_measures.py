"""Tests of rankscope.linalg.measures: closed forms, hand computations, properties, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankscope.linalg.measures import (
    condition_number,
    cutoff_number,
    effective_rank,
    eps_rank,
    numerical_rank,
    stable_rank,
    truncated_entropy,
)
from rankscope.linalg.spectrum import Spectrum, eigenspectrum, singular_spectrum

FAST = settings(max_examples=40, deadline=None)


def _orthogonal(n: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _with_singular_values(s, m: int, n: int, seed: int) -> np.ndarray:
    """U diag(s) V^T with random orthonormal U (m x r), V (n x r), r = len(s)."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((m, len(s))))
    v, _ = np.linalg.qr(rng.standard_normal((n, len(s))))
    return (u * np.asarray(s, dtype=float)) @ v.T


# ---------------------------------------------------------------------------- eps_rank (000 Def 2.5)


def test_eps_rank_of_diagonal_matrices():
    assert eps_rank(np.diag([1.0, 1e-3, 1e-5, 1e-7, 0.0])) == 3
    assert eps_rank(np.diag([1.0, 1e-3, 1e-5, 1e-7, 0.0]), eps=1e-4) == 2
    assert eps_rank(np.diag([1.0, 1e-3, 1e-5, 1e-7, 0.0]), eps=0.0) == 4
    assert eps_rank(np.zeros((3, 3))) == 0


def test_eps_rank_threshold_is_absolute_strict_and_uses_abs():
    m = np.diag([1.0, 1e-3, 1e-7])
    assert eps_rank(m, eps=1e-6) == 2
    assert eps_rank(1e3 * m, eps=1e-6) == 3  # absolute: scaling the matrix changes the rank
    assert eps_rank(np.diag([-2.0, 1e-3, -1e-7])) == 2  # |lambda| as in the eq. before (4.1)
    exact = Spectrum(np.array([2e-6, 1e-6, 5e-7]), kind="eig", dtype="float64", shape=(3, 3))
    assert eps_rank(exact, eps=1e-6) == 1  # strict >: a value equal to eps is not counted


def test_eps_rank_of_rotated_known_spectrum():
    lam = np.array([5.0, 2.0, 1e-2, 1e-4, 3e-6, 4e-7, 1e-9, 0.0])
    q = _orthogonal(lam.size, seed=4)
    m = q @ np.diag(lam) @ q.T
    assert eps_rank(0.5 * (m + m.T), eps=1e-6) == 5


def test_eps_rank_accepts_spectrum_and_matches_matrix():
    m = np.diag([3.0, 1e-3, 1e-8])
    assert eps_rank(eigenspectrum(m)) == eps_rank(m) == 2


_EXPONENTS = st.lists(st.floats(min_value=-12.0, max_value=2.0, allow_nan=False), min_size=1, max_size=10)


@FAST
@given(
    exps=_EXPONENTS,
    signs=st.lists(st.booleans(), min_size=10, max_size=10),
    log_eps=st.sampled_from([-8.0, -6.0, -3.0]),
    seed=st.integers(0, 2**31 - 1),
)
def test_eps_rank_invariant_under_orthogonal_similarity(exps, signs, log_eps, seed):
    # keep every |lambda| at least a factor 10^0.5 away from eps: the round-off of Q L Q^T
    # (~1e-13 absolute here) cannot move an eigenvalue across the threshold
    exps = [e if abs(e - log_eps) >= 0.5 else log_eps + math.copysign(0.5, e - log_eps) for e in exps]
    lam = np.array(
        [(-1.0 if sgn else 1.0) * 10.0**e for e, sgn in zip(exps, signs[: len(exps)], strict=True)]
    )
    eps = 10.0**log_eps
    q = _orthogonal(lam.size, seed)
    rotated = q @ np.diag(lam) @ q.T
    rotated = 0.5 * (rotated + rotated.T)
    expected = int(np.sum(np.abs(lam) > eps))
    assert eps_rank(np.diag(lam), eps) == expected
    assert eps_rank(rotated, eps) == expected


@FAST
@given(
    n=st.integers(1, 10),
    seed=st.integers(0, 2**31 - 1),
    eps_pair=st.tuples(st.floats(0.0, 10.0), st.floats(0.0, 10.0)),
)
def test_eps_rank_is_non_increasing_in_eps(n, seed, eps_pair):
    g = np.random.default_rng(seed).standard_normal((n, n))
    spec = eigenspectrum(0.5 * (g + g.T))
    lo, hi = sorted(eps_pair)
    assert eps_rank(spec, lo) >= eps_rank(spec, hi)
    assert eps_rank(spec, lo) == int(np.sum(np.abs(spec.values) > lo))


# ------------------------------------------------------------------------ numerical_rank (004 eq 4)


def test_numerical_rank_of_constructed_matrix():
    w = _with_singular_values([5.0, 1.0, 1e-3, 1e-9], m=7, n=6, seed=5)
    assert numerical_rank(w, eps=1e-6) == 3  # 1e-3 >= 5e-6 > 1e-9
    assert numerical_rank(w, eps=1e-2) == 2
    assert numerical_rank(w, eps=1e-12) == 4
    # default eps = eps_float32 * N = 1.19e-7 * 6: 1e-9 (and the exact zeros) are cut
    assert numerical_rank(w) == 3


def test_numerical_rank_relative_threshold_is_inclusive_and_scale_free():
    exact = Spectrum(np.array([1.0, 0.5, 0.25]), kind="svd", dtype="float64", shape=(3, 3))
    assert numerical_rank(exact, eps=0.5) == 2  # sigma >= eps * ||W||_2 includes equality
    w = _with_singular_values([3.0, 2e-3, 1e-9], m=4, n=4, seed=6)
    assert numerical_rank(w, eps=1e-6) == numerical_rank(1e6 * w, eps=1e-6) == 2
    assert numerical_rank(np.zeros((3, 4))) == 0
    assert numerical_rank(np.zeros((3, 4)), eps=0.0) == 0


@FAST
@given(
    m=st.integers(2, 9),
    k=st.integers(2, 9),
    p=st.integers(2, 9),
    data=st.data(),
    seed=st.integers(0, 2**31 - 1),
)
def test_numerical_rank_of_product_is_at_most_min(m, k, p, data, seed):
    # exact-rank factors with singular values in [1, 10]: their numerical rank at eps = 1e-8 is
    # their exact rank, and the product's round-off (~1e-15 ||A|| ||B||) is far below 1e-8 ||AB||
    ra = data.draw(st.integers(1, min(m, k)))
    rb = data.draw(st.integers(1, min(k, p)))
    rng = np.random.default_rng(seed)
    a = _with_singular_values(rng.uniform(1.0, 10.0, ra), m, k, seed)
    b = _with_singular_values(rng.uniform(1.0, 10.0, rb), k, p, seed + 1)
    eps = 1e-8
    assert numerical_rank(a, eps) == ra
    assert numerical_rank(b, eps) == rb
    assert numerical_rank(a @ b, eps) <= min(numerical_rank(a, eps), numerical_rank(b, eps))


# ------------------------------------------------------- cut-off number and truncated entropy (001)


def test_cutoff_number_and_truncated_entropy_by_hand():
    a = np.diag([4.0, 2.0, 1.0, 0.5, 0.1])
    # a = 0.2: keep sigma >= 0.8 -> {4, 2, 1}; p = (4, 2, 1) / 7
    assert cutoff_number(a, 0.2) == 3
    p = np.array([4.0, 2.0, 1.0]) / 7.0
    by_hand = -(p[0] * math.log(p[0]) + p[1] * math.log(p[1]) + p[2] * math.log(p[2])) / 3.0
    assert truncated_entropy(a, 0.2) == pytest.approx(by_hand, rel=1e-12)
    assert truncated_entropy(a, 0.2) == pytest.approx(0.3186, abs=1e-4)  # 0.9557 / 3
    # boundaries: sigma = a * sigma_max is kept (formula (1) uses >=)
    assert cutoff_number(a, 0.25) == 3
    assert cutoff_number(a, 1.0) == 1
    assert truncated_entropy(a, 1.0) == 0.0
    assert cutoff_number(a, 0.01) == 5


def test_truncated_entropy_of_equal_values_attains_the_upper_bound():
    for e in (2, 3, 7):
        spec = Spectrum(np.r_[np.ones(e), 1e-9], kind="svd", dtype="float64", shape=(e + 1, e + 1))
        assert truncated_entropy(spec, 1e-3) == pytest.approx(math.log(e) / e, rel=1e-12)


def test_cutoff_and_entropy_of_zero_matrix_are_zero():
    assert cutoff_number(np.zeros((3, 2)), 0.5) == 0
    assert truncated_entropy(np.zeros((3, 2)), 0.5) == 0.0


@FAST
@given(
    values=st.lists(st.floats(0.0, 1e3, allow_nan=False), min_size=1, max_size=30),
    a_ratio=st.floats(1e-12, 1.0, exclude_min=False),
)
def test_truncated_entropy_bounds(values, a_ratio):
    spec = Spectrum(np.array(values), kind="svd", dtype="float64", shape=(len(values), 40))
    h = truncated_entropy(spec, a_ratio)
    e = cutoff_number(spec, a_ratio)
    assert 0.0 <= h <= (math.log(e) / e if e else 0.0) + 1e-15
    assert h <= math.log(3) / 3 + 1e-15


# -------------------------------------------------------------- effective, stable rank, condition


def test_effective_rank_closed_forms():
    for n in (1, 4, 9):
        assert effective_rank(np.eye(n)) == pytest.approx(n, rel=1e-12)
    assert effective_rank(np.outer([1.0, 2.0, 3.0], [1.0, -1.0])) == pytest.approx(1.0, rel=1e-12)
    # two equal nonzero singular values and a zero one: exp(log 2) = 2
    assert effective_rank(np.diag([3.0, 3.0, 0.0])) == pytest.approx(2.0, rel=1e-12)
    assert effective_rank(np.zeros((2, 3))) == 0.0


def test_stable_rank_closed_forms():
    rank_one = np.outer([1.0, -2.0, 0.5], [3.0, 1.0, 1.0, 2.0])
    assert stable_rank(rank_one) == pytest.approx(1.0, rel=1e-12)
    assert stable_rank(np.diag([2.0, 1.0, 1.0])) == pytest.approx(1.5, rel=1e-12)
    assert stable_rank(np.eye(5)) == pytest.approx(5.0, rel=1e-12)
    assert stable_rank(np.zeros((2, 2))) == 0.0


def test_condition_number_closed_forms():
    assert condition_number(np.diag([10.0, 2.0, 0.5])) == pytest.approx(20.0, rel=1e-12)
    assert condition_number(np.diag([-4.0, 2.0])) == pytest.approx(2.0, rel=1e-12)
    assert condition_number(np.diag([1.0, 0.0])) == math.inf
    assert condition_number(np.zeros((2, 2))) == math.inf
    rect = _with_singular_values([6.0, 3.0], m=5, n=2, seed=7)
    assert condition_number(rect) == pytest.approx(2.0, rel=1e-12)


def test_measures_agree_on_spectrum_and_matrix():
    a = _with_singular_values([4.0, 1.0, 1e-3], m=5, n=4, seed=8)
    spec = singular_spectrum(a)
    for fn in (effective_rank, stable_rank, condition_number, numerical_rank):
        assert fn(spec) == fn(a)
    assert cutoff_number(spec, 0.1) == cutoff_number(a, 0.1) == 2
    assert truncated_entropy(spec, 0.1) == truncated_entropy(a, 0.1)


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "err", "match"),
    [
        (lambda: eps_rank(np.eye(2), eps=-1e-6), ValueError, r"eps must be .*>= 0; got -1e-06"),
        (lambda: eps_rank(np.eye(2), eps=float("nan")), ValueError, "eps must be a finite"),
        (lambda: eps_rank(np.eye(2), eps="1e-6"), TypeError, "eps must be a real number"),
        (lambda: eps_rank(np.eye(2), eps=None), TypeError, "eps must be a real number"),
        (lambda: eps_rank(np.ones((2, 3))), ValueError, r"m must be square; got shape \(2, 3\)"),
        (lambda: eps_rank(np.array([[1.0, 2.0], [0.0, 1.0]])), ValueError, "m must be symmetric"),
        (lambda: eps_rank(np.array([[np.nan]])), ValueError, "m must be finite"),
        (lambda: eps_rank("matrix"), TypeError, "m must be an array-like"),
        (lambda: numerical_rank(np.eye(2), eps=-1.0), ValueError, "eps must be"),
        (lambda: numerical_rank(np.array([[np.inf, 0.0]])), ValueError, "w must be finite"),
        (lambda: numerical_rank(np.ones(3)), ValueError, "w must be a 2-D matrix"),
        (lambda: cutoff_number(np.eye(2), 0.0), ValueError, r"a_ratio must be in \(0, 1\]; got 0.0"),
        (lambda: cutoff_number(np.eye(2), 1.5), ValueError, r"a_ratio must be in \(0, 1\]; got 1.5"),
        (lambda: cutoff_number(np.eye(2), -0.1), ValueError, r"a_ratio must be in \(0, 1\]"),
        (lambda: cutoff_number(np.eye(2), "0.5"), TypeError, "a_ratio must be a real number"),
        (lambda: truncated_entropy(np.eye(2), 2.0), ValueError, r"a_ratio must be in \(0, 1\]"),
        (lambda: truncated_entropy(np.eye(2), None), TypeError, "a_ratio must be a real number"),
        (lambda: truncated_entropy(np.array([[np.nan]]), 0.5), ValueError, "a must be finite"),
        (lambda: effective_rank(np.ones((2, 2, 2))), ValueError, "a must be a 2-D matrix"),
        (lambda: stable_rank(object()), TypeError, "a must be an array-like"),
        (lambda: condition_number(np.zeros((0, 3))), ValueError, "a must have at least one"),
    ],
)
def test_measures_reject_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
