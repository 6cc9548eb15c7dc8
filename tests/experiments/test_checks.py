"""rankscope.experiments.checks: margins, the fragile band, and what experiment tests assert."""

import math

import pytest

from rankscope.experiments.checks import (
    Check,
    all_of,
    any_of,
    at_least,
    at_most,
    unexpected_failures,
)


def test_margins_are_signed_relative_distances_from_the_criterion():
    assert at_least(1.2, 1.0) == pytest.approx(0.2)
    assert at_least(0.8, 1.0) == pytest.approx(-0.2)
    assert at_most(0.5, 1.0) == pytest.approx(0.5)
    assert at_most(-3.0, -2.0) == pytest.approx(0.5)  # scale |threshold|
    assert at_least(0.3, 0.0) == pytest.approx(0.3)  # threshold 0: absolute
    assert at_least(2.02, 2.0, scale=0.1) == pytest.approx(0.2)
    assert at_least(math.nan, 1.0) == -math.inf and at_most(math.nan, 1.0) == -math.inf
    assert all_of(0.3, [0.1, 0.5]) == pytest.approx(0.1) and any_of(-0.3, [0.1, -2]) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="scale"):
        at_least(1.0, 1.0, scale=0.0)


def test_status_is_fragile_within_the_band_and_never_contradicts_holds():
    assert Check.by_margin("a", "p", "o", 0.3).status == "holds"
    assert Check.by_margin("a", "p", "o", 0.01).status == "fragile"
    assert Check.by_margin("a", "p", "o", -0.01).status == "fragile"
    assert Check.by_margin("a", "p", "o", -0.3).status == "fails"
    assert Check.by_margin("a", "p", "o", 0.08, band=0.1).status == "fragile"
    assert Check.by_margin("a", "p", "o", math.nan).status == "fails"
    assert Check("a", "p", "o", True).status == "holds"  # a yes/no claim has no band
    assert Check("a", "p", "o", False).status == "fails"
    with pytest.raises(ValueError, match="disagrees with margin"):
        Check("a", "p", "o", True, -0.5)
    d = Check.by_margin("a", "p", "o", -math.inf).as_dict()
    assert d["status"] == "fails" and math.isfinite(d["margin"]) and d["holds"] is False


def test_unexpected_failures_ignores_fragile_and_documented_claims():
    checks = [
        Check.by_margin("robust", "p", "o", 0.5).as_dict(),
        Check.by_margin("fragile", "p", "o", -0.01).as_dict(),
        Check.by_margin("documented", "p", "o", -1.0).as_dict(),
        Check.by_margin("regressed", "p", "o", -1.0).as_dict(),
        {"name": "old-style", "paper": "p", "ours": "o", "holds": False},
    ]
    bad = unexpected_failures(checks, {"documented"})
    assert [c["name"] for c in bad] == ["regressed", "old-style"]
