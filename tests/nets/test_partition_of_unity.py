"""Partitions of unity by boxes (paper 000 Sec. 4.2): grids of boxes, validated explicit partitions and
one subdomain per point on shared faces."""

import numpy as np
import pytest

from rankscope.nets.partition_of_unity import grid_partition
from rankscope.nets.random_features import RandomFeatureModel
from rankscope.sampling import Box

SQUARE = Box((-1.0, -1.0), (1.0, 1.0))


def test_indicators_form_a_partition_of_unity_on_shared_faces():
    m = RandomFeatureModel(9, SQUARE, partition=(3, 3), seed=0)
    third = 1.0 / 3.0
    # points on internal faces and corners belong to the first listed cell (C order: lower cell)
    x = np.array([[-third, 0.0], [third, third], [-1.0, -1.0], [1.0, 1.0], [0.0, -third]])
    np.testing.assert_array_equal(m.subdomain_index(x), [1, 4, 0, 8, 3])
    onehot = np.zeros((len(x), 9))
    onehot[np.arange(len(x)), m.subdomain_index(x)] = 1.0
    assert np.all(onehot.sum(axis=1) == 1.0)


def test_grid_partition_tiles_the_box():
    cells = grid_partition(Box((0.0, 0.0), (2.0, 1.0)), (4, 2))
    assert len(cells) == 8
    assert sum(c.volume for c in cells) == pytest.approx(2.0)


def test_explicit_partitions_are_validated():
    left, right = Box((-1.0, -1.0), (0.0, 1.0)), Box((0.0, -1.0), (1.0, 1.0))
    m = RandomFeatureModel(4, SQUARE, partition=[left, right], seed=0)
    np.testing.assert_array_equal(
        m.subdomain_index(np.array([[-0.5, 0.0], [0.5, 0.0], [0.0, 0.0]])), [0, 1, 0]
    )
    with pytest.raises(ValueError, match="does not cover the domain"):
        RandomFeatureModel(4, SQUARE, partition=[left, Box((0.0, -1.0), (0.5, 1.0))])
    with pytest.raises(ValueError, match="overlap"):
        RandomFeatureModel(4, SQUARE, partition=[left, Box((-0.5, -1.0), (1.0, 1.0))])
    with pytest.raises(ValueError, match="is not inside the domain"):
        RandomFeatureModel(4, SQUARE, partition=[left, Box((0.0, -1.0), (1.5, 1.0))])
    with pytest.raises(ValueError, match="one count per axis"):
        RandomFeatureModel(9, SQUARE, partition=(3,))
