"""linalg.structured.compensated: TwoSum and Dekker's TwoProd are exact, double-double sums keep what
plain sums lose (checked in exact rational arithmetic)."""

from fractions import Fraction

import numpy as np

from rankscope.linalg.structured.compensated import dd_add, dd_mul_d, two_prod, two_sum

EPS = float(np.finfo(np.float64).eps)


def _pairs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return zip(
        rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n),
        rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n),
        strict=True,
    )


def test_two_sum_and_two_prod_are_exact():
    assert two_sum(1.0, 1e-17) == (1.0, 1e-17)  # the part 1 + 1e-17 rounds away is kept
    for a, b in _pairs():
        s, e = two_sum(a, b)
        assert s == a + b and Fraction(s) + Fraction(e) == Fraction(a) + Fraction(b)
        p, f = two_prod(a, b)
        assert p == a * b and Fraction(p) + Fraction(f) == Fraction(a) * Fraction(b)


def test_double_double_add_and_scale():
    for (a, b), (c, d) in zip(_pairs(seed=1), _pairs(seed=2), strict=True):
        ah, al = two_sum(a, b)
        bh, bl = two_sum(c, d)
        h, lo = dd_add(ah, al, bh, bl)
        exact = Fraction(a) + Fraction(b) + Fraction(c) + Fraction(d)
        assert h == float(h + lo)  # normalised: |lo| <= ulp(h) / 2
        assert abs(Fraction(h) + Fraction(lo) - exact) <= 4 * EPS**2 * (abs(a) + abs(b) + abs(c) + abs(d))
    assert dd_mul_d(1.0, 1e-20, 0.5) == (0.5, 5e-21)  # by a power of two: exact
    # ten thousand 0.1s: the double-double sum is the exact sum of the float 0.1s to ~1e-29
    hi = lo = plain = 0.0
    for _ in range(10_000):
        hi, lo = dd_add(hi, lo, 0.1, 0.0)
        plain += 0.1
    exact = 10_000 * Fraction(0.1)
    assert abs(Fraction(hi) + Fraction(lo) - exact) < 1e-25 < abs(Fraction(plain) - exact)
