"""rankscope.matrices.relu_2d_blocks: moments by hand, serial and parallel blocks agree bitwise."""

import numpy as np

from rankscope.matrices import relu_2d_blocks as blk
from rankscope.matrices import relu_2d_kernels as kern
from rankscope.nets.shallow_relu import random_neurons

SQ_X = np.array([0.0, 1.0, 1.0, 0.0])
SQ_Y = np.array([0.0, 0.0, 1.0, 1.0])


def test_pair_moments_of_the_unit_square():
    w = np.array([[0.0, 0.0]])
    b = np.array([1.0])  # the constant 1: the pair's support is the whole square
    poly = kern.neuron_polygons(SQ_X, SQ_Y, w, b)
    m = blk.moments(*poly, w, b, np.array([0]), np.array([0]))[0, 0]
    assert np.allclose(m, [1, 1 / 2, 1 / 2, 1 / 3, 1 / 4, 1 / 3], rtol=1e-15)


def test_serial_parallel_symmetric_and_matvec_agree():
    net = random_neurons(30, 2, seed=8)
    w, b = np.ascontiguousarray(net.weights), np.ascontiguousarray(net.biases)
    poly = kern.neuron_polygons(SQ_X, SQ_Y, w, b)
    rows, cols = np.arange(30, dtype=np.int64), np.arange(30, dtype=np.int64)
    par = blk.block(*poly, w, b, rows, cols, 0)
    ser = blk.block_serial(*poly, w, b, rows, cols, 0)
    full = np.empty((30, 30))
    blk.symmetric(*poly, w, b, 0, full)
    assert np.array_equal(par, ser) and np.array_equal(par, full) and np.array_equal(full, full.T)
    assert np.array_equal(blk.diagonal(*poly, w, b, rows, 1), np.diag(blk.block(*poly, w, b, rows, cols, 1)))
    x = np.linspace(-1, 1, 30)
    assert np.allclose(blk.matvec(*poly, w, b, x, 0), full @ x, rtol=1e-14, atol=1e-15)
