import pytest

from rankscope.experiments.claims import Claim, Result, evaluate_claims


def test_a_claim_table_decides_by_margin_and_reports_fragile():
    row = Claim(
        "x exceeds one",
        paper="x > 1",
        reads=("x",),
        criterion=lambda m, cfg: m["x"] - 1.0,
        describe=lambda m, cfg: f"x = {m['x']}",
        band=0.05,
    )
    assert row.evaluate({"x": 2.0}, None).status == "holds"
    assert row.evaluate({"x": 1.01}, None).status == "fragile"
    assert row.evaluate({"x": 0.5}, None).status == "fails"
    assert row.evaluate({"x": float("nan")}, None).status == "fails"  # an undefined value fails
    yes_no = Claim("flag", paper="p", reads=("f",), criterion=lambda m, c: m["f"], describe=lambda m, c: "")
    assert yes_no.evaluate({"f": True}, None).margin is None


def test_a_worded_row_names_its_check_from_the_config():
    from types import SimpleNamespace

    row = Claim(
        "H positive",
        paper="H > 0",
        reads=("H",),
        criterion=lambda m, cfg: m["H"] > 0,
        describe=lambda m, cfg: f"H = {m['H']}",
        title=lambda cfg: f"H({cfg.cutoff:g}) positive",
        quote=lambda cfg: f"H({cfg.cutoff:g}) > 0",
    )
    check = row.evaluate({"H": 0.1}, SimpleNamespace(cutoff=1e-12))
    assert (check.name, check.paper, check.holds) == ("H(1e-12) positive", "H(1e-12) > 0", True)
    assert row.check_name(SimpleNamespace(cutoff=1e-3)) == "H(0.001) positive"


def test_evaluate_claims_refuses_repeated_names_and_skips_rows_that_do_not_apply():
    row = Claim("a", paper="p", reads=("x",), criterion=lambda m, c: 1.0, describe=lambda m, c: "")
    with pytest.raises(ValueError, match=r"claim names must be distinct; \['a'\]"):
        evaluate_claims([row, row], {}, None)
    off = Claim(
        "b",
        paper="p",
        reads=("x",),
        criterion=lambda m, c: 1.0,
        describe=lambda m, c: "",
        when=lambda c: False,
    )
    assert [c.name for c in evaluate_claims([row, off], {}, None)] == ["a"]
    assert Result().measures == {} and Result().skipped is None
