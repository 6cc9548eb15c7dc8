"""rankscope._checks: each boundary check normalises its argument or raises naming it (house style 7-8)."""

import numpy as np
import pytest
import torch

from rankscope._checks import (
    as_matrix,
    as_vector,
    check_choice,
    check_nonnegative,
    check_positive_int,
    check_symmetric,
    default_rtol,
    describe,
    input_eps,
    one_line,
)


def test_one_line_and_describe():
    assert one_line(ValueError("first\n   second\tthird ")) == "first second third"
    assert one_line(KeyError()) == "KeyError"
    assert describe(np.zeros((2, 3))) == "ndarray of shape (2, 3) and dtype float64"
    assert describe(torch.zeros(4, dtype=torch.float32)) == "Tensor of shape (4,) and dtype torch.float32"
    long = describe("x" * 200)
    assert len(long) == 80 and long.endswith("...")
    assert describe(3) == "3"


def test_as_matrix_and_as_vector_convert_to_float64_and_name_the_argument():
    m = as_matrix("a", torch.tensor([[1, 2], [3, 4]], dtype=torch.float32))
    assert m.dtype == np.float64 and m.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match="a must be a 2-D matrix"):
        as_matrix("a", [1.0, 2.0])
    with pytest.raises(ValueError, match=r"a must be square; got shape \(2, 3\)"):
        as_matrix("a", np.zeros((2, 3)), square=True)
    with pytest.raises(ValueError, match="a must be finite; it has 2 NaN or Inf entries"):
        as_matrix("a", [[np.nan, 1.0], [np.inf, 0.0]])
    with pytest.raises(TypeError, match="a must be an array-like of real numbers"):
        as_matrix("a", [["x"]])
    assert as_vector("b", (1, 2, 3)).tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="b must be a 1-D array"):
        as_vector("b", np.eye(2))
    with pytest.raises(ValueError, match="b must be finite"):
        as_vector("b", [0.0, np.nan])


def test_input_eps_and_default_rtol_follow_the_input_dtype():
    eps32, eps64 = float(np.finfo(np.float32).eps), float(np.finfo(np.float64).eps)
    assert input_eps(np.zeros(2, dtype=np.float32)) == eps32
    assert input_eps(torch.zeros(2, dtype=torch.float16)) == float(torch.finfo(torch.float16).eps)
    assert (
        input_eps(np.zeros(2, dtype=np.int64))
        == eps64
        == input_eps([1.0])
        == input_eps(torch.zeros(2, dtype=torch.int32))
    )
    assert default_rtol(np.zeros(2)) == 1e-8  # max(1e-8, 1000 eps64 = 2.2e-13)
    assert default_rtol(np.zeros(2, dtype=np.float32)) == pytest.approx(1000 * eps32)
    assert default_rtol(torch.zeros(2, dtype=torch.float16)) == 0.1  # min(0.1, 1000 eps16 = 0.98)


def test_check_symmetric_measures_asymmetry_relative_to_the_largest_entry():
    m = np.array([[2.0, 1.0], [1.0 + 1e-9, 3.0]])
    assert check_symmetric("m", m) is m  # 1e-9 <= 1e-8 x 3
    with pytest.raises(ValueError, match=r"m must be symmetric; max \|M - M\^T\| = 1\.000e-06 exceeds 1e-08"):
        check_symmetric("m", np.array([[2.0, 1.0], [1.0 + 1e-6, 3.0]]))
    check_symmetric("m", np.array([[2.0, 1.0], [1.0 + 1e-6, 3.0]]), rtol=1e-6)
    with pytest.raises(ValueError, match="m must be square and symmetric"):
        check_symmetric("m", np.zeros((2, 3)))


def test_scalar_checks_name_the_argument_and_show_the_value():
    assert check_nonnegative("tol", "0.5") == 0.5 and check_nonnegative("tol", 0) == 0.0
    with pytest.raises(ValueError, match=r"tol must be a finite real number >= 0; got -1"):
        check_nonnegative("tol", -1)
    with pytest.raises(ValueError, match="tol must be a finite real number"):
        check_nonnegative("tol", float("inf"))
    with pytest.raises(TypeError, match="tol must be a real number >= 0; got None"):
        check_nonnegative("tol", None)
    n = check_positive_int("n", np.int64(3))
    assert n == 3 and type(n) is int
    with pytest.raises(TypeError, match="n must be a positive integer; got True"):
        check_positive_int("n", True)
    with pytest.raises(ValueError, match=r"n must be a positive integer \(>= 1\); got 0"):
        check_positive_int("n", 0)
    assert check_choice("method", "b", ("b", "a")) == "b"
    with pytest.raises(ValueError, match=r"method must be one of \['a', 'b'\]; got 'c'"):
        check_choice("method", "c", ("b", "a"))


def test_split_top_level_keeps_brackets_braces_and_quotes_whole():
    from rankscope._checks import split_top_level

    assert split_top_level("x = {a = 1, b = 2}, y = '[,', z = 3") == [
        "x = {a = 1, b = 2}",
        " y = '[,'",
        " z = 3",
    ]
    assert split_top_level('a|"b|c"|[1, [2, 3]]', ",|") == ["a", '"b|c"', "[1, [2, 3]]"]
    assert split_top_level("") == [""]
