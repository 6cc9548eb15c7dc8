"""rankscope.matrices.relu_2d_kernels: the compiled clipping and the exact pair integral."""

import numpy as np

from rankscope.matrices import relu_2d_kernels as kern

SQ_X = np.array([0.0, 1.0, 1.0, 0.0])
SQ_Y = np.array([0.0, 0.0, 1.0, 1.0])


def test_neuron_polygons_carry_zero_on_the_cut():
    wb = np.array([[-1.0, -1.0, 1.5], [1.0, 0.0, -2.0], [-1.0, 0.0, 2.0], [1.0, 1.0, -1.0]])
    # x + y <= 1.5, x >= 2 (dead), x <= 2 (all), x + y >= 1
    poly, cnt = kern.neuron_polygons(SQ_X, SQ_Y, wb)
    assert cnt.tolist() == [5, 0, 4, 3]  # a line through two vertices makes no duplicate vertex
    k = cnt[0]
    px, py, pl = poly[0, 0, :k], poly[0, 1, :k], poly[0, 2, :k]
    assert np.allclose(pl, wb[0, 0] * px + wb[0, 1] * py + wb[0, 2], atol=1e-16)
    assert np.sum(pl == 0.0) == 2  # the two cut vertices carry exactly 0


def test_pair_integral_by_hand():
    wb = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # relu(x), relu(y) on the unit square
    poly, cnt = kern.neuron_polygons(SQ_X, SQ_Y, wb)
    q, out = np.empty((4, poly.shape[2] + 1)), np.empty(6)
    kern._pair(poly[0], cnt[0], wb[1], 0, q, out)
    assert abs(out[0] - 0.25) <= 1e-16  # int x y = 1/4
    kern._pair(poly[0], cnt[0], wb[0], 0, q, out)
    assert abs(out[0] - 1 / 3) <= 1e-16  # int x^2 = 1/3
    kern._pair(poly[0], cnt[0], np.array([-1.0, 0.0, 0.5]), 1, q, out)
    assert abs(out[0] - 0.5) <= 1e-16  # area of x <= 1/2


def test_clip_all_halves_every_polygon():
    wb = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    poly, cnt = kern.neuron_polygons(SQ_X, SQ_Y, wb)
    out, oc = kern.clip_all(poly, cnt, 1.0, 0.0, -0.5)  # x >= 1/2
    assert oc.tolist() == [4, 4]
    assert np.allclose(np.sort(out[0, 0, :4]), [0.5, 0.5, 1.0, 1.0])
