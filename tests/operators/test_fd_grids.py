import numpy as np
import pytest

from rankscope.operators.fd_grids import fd_grid


def test_fd_grid_is_cell_centred_with_the_papers_spacing():
    g = fd_grid((-1.0,), (1.0,), 100)
    assert g.h == pytest.approx(0.02)  # h = 2/N (paper 001 eq. 6, B.2)
    pts = g.points(ghost=1)[:, 0]
    np.testing.assert_allclose(np.diff(pts), 0.02, rtol=1e-12)
    assert pts[0] < -1 < pts[1] and pts[-2] < 1 < pts[-1]
    g2 = fd_grid((0.0, 0.0), (1.0, 1.0), 64)
    assert g2.h == 1 / 64 and g2.points().shape == (4096, 2)


def test_points_are_in_c_order_with_the_last_axis_fastest():
    g = fd_grid((0.0, 0.0), (1.0, 1.0), 2)  # h = 1/2, nodes 1/4 and 3/4 on each axis
    assert g.dim == 2 and g.size == 4 and g.shape == (2, 2)
    np.testing.assert_array_equal(g.points(), [[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]])
    np.testing.assert_array_equal(g.axis_nodes(ghost=1)[0], [-0.25, 0.25, 0.75, 1.25])


def test_bad_grids_raise():
    with pytest.raises(ValueError, match="equal side lengths"):
        fd_grid((0.0, 0.0), (1.0, 2.0), 8)
