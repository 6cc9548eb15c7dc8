import pytest

from rankscope.operators.constant_coefficient import (
    DiffOperator,
    diff_operator,
    fourth_derivative,
    laplacian_operator,
    second_derivative,
)


def test_terms_are_normalised_and_canonical_merges_equal_multi_indices():
    op = DiffOperator("x", [(2, [2, 0]), (1.0, (0, 1)), (-2.0, (2, 0)), (0.5, (0, 1))])
    assert op.terms == ((2.0, (2, 0)), (1.0, (0, 1)), (-2.0, (2, 0)), (0.5, (0, 1)))
    assert op.dim == 2 and op.order == 2
    assert op.canonical() == (((0, 1), 1.5),)  # the u_xx terms cancel and are dropped


def test_the_papers_operators_have_the_expected_terms():
    lap3 = laplacian_operator(3)
    assert lap3.name == "laplacian3d"
    assert lap3.terms == ((1.0, (2, 0, 0)), (1.0, (0, 2, 0)), (1.0, (0, 0, 2)))
    assert laplacian_operator(1).canonical() == second_derivative().canonical() == (((2,), 1.0),)
    assert fourth_derivative().terms == ((1.0, (4,)),) and fourth_derivative().order == 4
    assert diff_operator("laplacian2d") == laplacian_operator(2)
    with pytest.raises(ValueError, match=r"operator must be one of \['laplacian2d', 'uxx', 'uxxxx'\]"):
        diff_operator("u_t")


def test_bad_terms_raise():
    with pytest.raises(ValueError, match="alpha must be a non-empty tuple of orders >= 0"):
        DiffOperator("bad", ((1.0, (-1,)),))
    with pytest.raises(ValueError, match="same dimension"):
        DiffOperator("bad", ((1.0, (2,)), (1.0, (2, 0))))
