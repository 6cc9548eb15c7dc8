"""rankscope.matrices.relu_2d_blocks: moments by hand; serial, parallel, symmetric, diagonal and
matvec kernels agree bitwise (or to rounding for the matvec's sums)."""

import numpy as np

from rankscope.matrices import relu_2d_blocks as blk
from rankscope.matrices import relu_2d_kernels as kern
from rankscope.nets.shallow_relu import random_neurons

SQ_X = np.array([0.0, 1.0, 1.0, 0.0])
SQ_Y = np.array([0.0, 0.0, 1.0, 1.0])


def test_pair_moments_of_the_unit_square():
    wb = np.array([[0.0, 0.0, 1.0]])  # the constant 1: the pair's support is the whole square
    poly, cnt = kern.neuron_polygons(SQ_X, SQ_Y, wb)
    m = blk.moments(poly, cnt, wb, np.array([0]), np.array([0]))[0, 0]
    assert np.allclose(m, [1, 1 / 2, 1 / 2, 1 / 3, 1 / 4, 1 / 3], rtol=1e-15)


def test_serial_parallel_symmetric_and_matvec_agree():
    net = random_neurons(31, 2, seed=8)
    wb = np.ascontiguousarray(np.column_stack([net.weights, net.biases]))
    poly, cnt = kern.neuron_polygons(SQ_X, SQ_Y, wb)
    idx = np.arange(31, dtype=np.int64)
    par = blk.block(poly, cnt, wb, idx, idx, 0)
    ser = blk.block_serial(poly, cnt, wb, idx, idx, 0)
    full = np.empty((31, 31))
    blk.symmetric(poly, cnt, wb, 0, full)
    assert np.array_equal(par, ser) and np.array_equal(par, full) and np.array_equal(full, full.T)
    assert np.array_equal(blk.diagonal(poly, cnt, wb, idx, 1), np.diag(blk.block(poly, cnt, wb, idx, idx, 1)))
    x = np.linspace(-1, 1, 31)
    assert np.allclose(blk.matvec(poly, cnt, wb, x, 0), full @ x, rtol=1e-14, atol=1e-15)
