"""rankscope.linalg.structure_measures: extreme eigenvalues, frequency content, off-diagonal ranks
(and the log-log slope of rankscope.analysis that paper 003's growth checks use)."""

import numpy as np
import pytest

from rankscope.analysis import loglog_slope
from rankscope.linalg.structure_measures import (
    eigenvector_sign_changes,
    extreme_eigenvalues,
    offdiagonal_ranks,
)
from rankscope.linalg.structured.relu1d_mass import ReluMassSolver1D
from rankscope.matrices.relu import heaviside_matrix, mass_matrix
from rankscope.nets.shallow_relu import random_breakpoints_1d, uniform_breakpoints_1d


def test_loglog_slope():
    assert loglog_slope([2, 4, 8], [5 * 2.0**3, 5 * 4.0**3, 5 * 8.0**3]) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2], [0.0, 1.0])


def test_extreme_eigenvalues_match_dense():
    net = uniform_breakpoints_1d(300)
    e = np.linalg.eigvalsh(mass_matrix(net, (0, 1)))
    lo, hi = extreme_eigenvalues(ReluMassSolver1D(net))
    assert lo == pytest.approx(e[0], rel=1e-5)
    assert hi == pytest.approx(e[-1], rel=1e-6)


@pytest.mark.parametrize(("signs", "ra", "rh"), [("same", 2, 1), ("mixed", 4, 2)])
def test_offdiag_ranks_exact_1d(signs, ra, rh):
    net = random_breakpoints_1d(160, 1, signs=signs)
    order = np.argsort(net.breakpoints())
    a, h = mass_matrix(net, (0, 1)), heaviside_matrix(net, (0, 1))
    assert offdiagonal_ranks(a, 20, 1e-12, order=order).max_rank == ra
    assert offdiagonal_ranks(h, 20, 1e-12, order=order).max_rank == rh
    assert offdiagonal_ranks(a, 40, 1e-12).max_rank > 10  # unsorted: no visible structure


def test_offdiag_bad_args():
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        offdiagonal_ranks(np.eye(4), 2, 0.0)
    with pytest.raises(ValueError, match="order must be a permutation"):
        offdiagonal_ranks(np.eye(4), 2, 1e-3, order=[0, 0, 1, 2])


def test_frequency_content():
    vals, counts = eigenvector_sign_changes(mass_matrix(uniform_breakpoints_1d(64), (0, 1)))
    assert np.all(np.diff(vals) >= 0)
    assert counts[-1] == 0 and counts[0] >= 32
