"""The NTK matrix K of paper 002 eq. (14): its spectrum (real, by the symmetrised form), block norms and
scalings."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rankscope.matrices.ntk import residual_ntk
from rankscope.matrices.ntk_matrix import ResidualNTK
from rankscope.nets import MLP
from rankscope.operators.standard_operators import divergence_form


def _pts(n: int, d: int, seed: int) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1


def _a_eps(p: torch.Tensor) -> torch.Tensor:  # paper 002 Sec. 4: a(x/eps) = 1 / (2.1 + 2 sin(2 pi x / eps))
    return 1.0 / (2.1 + 2.0 * torch.sin(2 * math.pi * p[:, 0] / 0.1))


def test_spectrum_and_norms() -> None:
    model = MLP(1, 10, 2, seed=6)
    ntk = residual_ntk(
        model, divergence_form(_a_eps), _pts(40, 1, 10), torch.tensor([[-1.0], [1.0]]), lam=5.0
    )
    eig = ntk.eigenvalues()
    direct = np.sort(np.linalg.eigvals(ntk.K).real)[::-1]
    assert np.all(np.diff(eig) <= 0)
    np.testing.assert_allclose(eig, direct, rtol=0, atol=1e-9 * eig[0])
    np.testing.assert_allclose(ntk.top_eigenvalues(3), eig[:3], rtol=1e-9)
    assert ntk.frobenius("uu") == pytest.approx(float(np.linalg.norm(ntk.K[:40, :40])), rel=1e-14)
    assert ntk.frobenius("bu") == pytest.approx(float(np.linalg.norm(ntk.K[40:, :40])), rel=1e-14)
    assert ntk.frobenius() == pytest.approx(float(np.linalg.norm(ntk.K)), rel=1e-14)
    with pytest.raises(ValueError, match="block must be one of"):
        ntk.frobenius("ab")


def test_result_is_frozen() -> None:
    ntk = ResidualNTK(np.eye(2), 1, 1, 1.0)
    with pytest.raises(AttributeError):
        ntk.lam = 2.0  # type: ignore[misc]
    np.testing.assert_allclose(ntk.scaling(), [1.0, 1.0])
