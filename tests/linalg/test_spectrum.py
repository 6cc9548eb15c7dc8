"""Tests of rankscope.linalg.spectrum: Spectrum, eigenspectrum, singular_spectrum, as_spectrum."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rankscope.linalg.spectrum import Spectrum, as_spectrum, eigenspectrum, singular_spectrum


def _orthogonal(n: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def test_eigenspectrum_of_diag_is_sorted_descending():
    spec = eigenspectrum(np.diag([1.0, -2.0, 3.0, 0.5]))
    assert spec.values.tolist() == [3.0, 1.0, 0.5, -2.0]
    assert spec.kind == "eig"
    assert spec.shape == (4, 4)
    assert spec.dtype == "float64"
    assert spec.values.dtype == np.float64


def test_eigenspectrum_recovers_known_spectrum_under_similarity():
    lam = np.array([10.0, 3.0, 1.0, 1e-3, -0.5, 1e-9])
    q = _orthogonal(6, seed=1)
    spec = eigenspectrum(q @ np.diag(lam) @ q.T, symmetric_rtol=1e-10)
    np.testing.assert_allclose(spec.values, np.sort(lam)[::-1], rtol=0, atol=1e-13)


def test_eigenspectrum_float32_and_torch_record_dtype_but_analyse_in_float64():
    m = np.diag([1.0, 2.0]).astype(np.float32)
    assert eigenspectrum(m).dtype == "float32"
    t = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=torch.float32)
    spec = eigenspectrum(t)
    assert spec.dtype == "float32"
    assert spec.values.dtype == np.float64
    np.testing.assert_allclose(spec.values, [3.0, 1.0], rtol=1e-12)


def test_values_are_read_only_and_spectrum_is_frozen():
    spec = eigenspectrum(np.eye(3))
    with pytest.raises(ValueError, match="read-only"):
        spec.values[0] = 5.0
    with pytest.raises(AttributeError):
        spec.kind = "svd"  # type: ignore[misc]


def test_spectrum_constructor_copies_sorts_and_reports_max_min_len():
    raw = np.array([0.5, -4.0, 2.0])
    spec = Spectrum(raw, kind="eig", dtype="float32", shape=(3, 3))
    raw[0] = 100.0  # the spectrum keeps its own copy
    assert spec.values.tolist() == [2.0, 0.5, -4.0]
    assert spec.max == 4.0  # largest |value|
    assert spec.min == 0.5  # smallest |value|
    assert len(spec) == 3
    empty = Spectrum(np.zeros(0), kind="svd", dtype="float64", shape=(0, 3))
    assert (len(empty), empty.max, empty.min) == (0, 0.0, 0.0)


def test_singular_spectrum_of_constructed_matrix():
    rng = np.random.default_rng(2)
    s = np.array([7.0, 2.0, 0.3, 1e-6])
    u, _ = np.linalg.qr(rng.standard_normal((9, 4)))
    v, _ = np.linalg.qr(rng.standard_normal((5, 4)))
    spec = singular_spectrum(u @ np.diag(s) @ v.T)
    assert spec.kind == "svd"
    assert spec.shape == (9, 5)
    assert len(spec) == 5  # min(m, n) values, the last one numerically zero
    np.testing.assert_allclose(spec.values[:4], s, rtol=0, atol=1e-14)
    assert abs(spec.values[4]) < 1e-14


def test_singular_spectrum_of_symmetric_matrix_is_abs_of_eigenvalues():
    q = _orthogonal(5, seed=3)
    lam = np.array([3.0, -2.0, 1.0, -0.25, 0.0])
    m = q @ np.diag(lam) @ q.T
    m = 0.5 * (m + m.T)
    np.testing.assert_allclose(singular_spectrum(m).values, np.sort(np.abs(lam))[::-1], rtol=0, atol=1e-14)


def test_empty_matrices_give_empty_spectra():
    assert len(singular_spectrum(np.zeros((0, 4)))) == 0
    assert len(eigenspectrum(np.zeros((0, 0)))) == 0


def test_as_spectrum_passes_spectrum_through_and_computes_the_kind():
    spec = singular_spectrum(np.eye(2))
    assert as_spectrum(spec, "eig") is spec
    assert as_spectrum(np.eye(2), "eig").kind == "eig"
    assert as_spectrum(np.ones((2, 3)), "svd").kind == "svd"


@pytest.mark.parametrize(
    ("bad", "err", "match"),
    [
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), ValueError, "matrix must be finite"),
        (np.array([[np.inf, 0.0], [0.0, 1.0]]), ValueError, "matrix must be finite"),
        (np.ones((2, 3)), ValueError, r"matrix must be square; got shape \(2, 3\)"),
        (np.array([[1.0, 2.0], [0.0, 1.0]]), ValueError, "matrix must be symmetric"),
        (np.ones(3), ValueError, "matrix must be a 2-D matrix"),
        ("abc", TypeError, "matrix must be an array-like of real numbers"),
    ],
)
def test_eigenspectrum_rejects_bad_input(bad, err, match):
    with pytest.raises(err, match=match):
        eigenspectrum(bad)


def test_eigenspectrum_rejects_bad_rtol_and_accepts_tolerated_asymmetry():
    with pytest.raises(ValueError, match="symmetric_rtol must be a finite real number >= 0"):
        eigenspectrum(np.eye(2), symmetric_rtol=-1.0)
    nearly = np.array([[1.0, 1e-9], [0.0, 1.0]])
    with pytest.raises(ValueError, match="must be symmetric"):
        eigenspectrum(nearly, symmetric_rtol=1e-12)
    assert len(eigenspectrum(nearly, symmetric_rtol=1e-6)) == 2


@pytest.mark.parametrize(
    ("bad", "err", "match"),
    [
        (np.array([[1.0, np.nan]]), ValueError, "matrix must be finite"),
        (np.zeros((2, 2, 2)), ValueError, "matrix must be a 2-D matrix"),
        ({"a": 1}, TypeError, "matrix must be an array-like"),
    ],
)
def test_singular_spectrum_rejects_bad_input(bad, err, match):
    with pytest.raises(err, match=match):
        singular_spectrum(bad)


def test_spectrum_and_as_spectrum_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"kind must be one of \['eig', 'svd'\]; got 'qr'"):
        Spectrum(np.ones(2), kind="qr", dtype="float64", shape=(2, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind must be one of"):
        as_spectrum(np.eye(2), "qr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="values must be a 1-D array"):
        Spectrum(np.ones((2, 2)), kind="eig", dtype="float64", shape=(2, 2))
    with pytest.raises(ValueError, match="values must be finite"):
        Spectrum(np.array([1.0, np.nan]), kind="eig", dtype="float64", shape=(2, 2))
    with pytest.raises(ValueError, match="values of an svd spectrum must be >= 0"):
        Spectrum(np.array([1.0, -1.0]), kind="svd", dtype="float64", shape=(2, 2))
    with pytest.raises(ValueError, match=r"shape must be a pair"):
        Spectrum(np.ones(2), kind="eig", dtype="float64", shape=(2,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="x must be square"):
        as_spectrum(np.ones((2, 3)), "eig")


def test_symmetry_tolerance_follows_the_input_dtype():
    # a float32 Gram matrix D^T (w D) from a float32 GEMM is symmetric only to float32 round-off
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(0)
    d = torch.randn(300, 200, generator=gen)
    w = torch.rand(300, generator=gen)
    m32 = d.T @ (w[:, None] * d)
    m32 = m32 + 1e-6 * m32.abs().max() * torch.triu(torch.ones_like(m32), 1)  # float32-sized skew
    assert eigenspectrum(m32).values.shape == (200,)  # accepted: its dtype is float32
    with pytest.raises(ValueError, match="must be symmetric"):
        eigenspectrum(m32.double())  # the same numbers as float64 are not symmetric to 1e-8
    with pytest.raises(ValueError, match="must be symmetric"):  # a real asymmetry is still refused
        eigenspectrum(m32 + 1e-2 * m32.abs().max() * torch.triu(torch.ones_like(m32), 1))
