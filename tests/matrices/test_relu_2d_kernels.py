"""rankscope.matrices.relu_2d_kernels: the compiled clipping and the triangle moment identity."""

import numpy as np

from rankscope.matrices import relu_2d_kernels as kern

SQ_X = np.array([0.0, 1.0, 1.0, 0.0])
SQ_Y = np.array([0.0, 0.0, 1.0, 1.0])


def test_neuron_polygons_carry_zero_on_the_cut():
    w = np.array([[-1.0, -1.0], [1.0, 0.0], [-1.0, 0.0], [1.0, 1.0]])
    b = np.array([1.5, -2.0, 2.0, -1.0])  # x + y <= 1.5, x >= 2 (dead), x <= 2 (all), x + y >= 1
    px, py, pl, cnt = kern.neuron_polygons(SQ_X, SQ_Y, w, b)
    assert cnt.tolist() == [5, 0, 4, 3]  # a line through two vertices makes no duplicate vertex
    k = cnt[0]
    assert np.allclose(pl[0, :k], w[0, 0] * px[0, :k] + w[0, 1] * py[0, :k] + b[0], atol=1e-16)
    assert np.sum(pl[0, :k] == 0.0) == 2  # the two cut vertices carry exactly 0


def test_clip_all_halves_every_polygon():
    w = np.array([[0.0, 0.0], [0.0, 0.0]])
    b = np.array([1.0, 1.0])
    px, py, _, cnt = kern.neuron_polygons(SQ_X, SQ_Y, w, b)
    ox, _, oc = kern.clip_all(px, py, cnt, 1.0, 0.0, -0.5)  # x >= 1/2
    assert oc.tolist() == [4, 4]
    assert np.allclose(np.sort(ox[0, :4]), [0.5, 0.5, 1.0, 1.0])
