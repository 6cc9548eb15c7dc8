import pytest
import torch

from rankscope.matrices.patch import Patch, patch_indices


def test_patch_indices_by_hand():
    shape = (2, 4, 5)
    idx = Patch(1, 3, 2, 2).indices(shape)
    grid = torch.arange(40).reshape(shape)
    assert idx.tolist() == sorted(grid[:, 1:3, 3:5].reshape(-1).tolist()) == [8, 9, 13, 14, 28, 29, 33, 34]
    assert Patch(0, 0, 1, 1, channels=(1,)).indices(shape).tolist() == [20]
    assert Patch.central((3, 64, 64), 16) == Patch(24, 24, 16, 16)
    assert Patch.central((10, 384), 4, 16) == Patch(3, 184, 4, 16)


def test_patch_forms_agree():
    shape = (3, 6, 6)
    p = Patch(2, 1, 3, 2)
    mask = torch.zeros(shape, dtype=torch.bool)
    mask[:, 2:5, 1:3] = True
    assert patch_indices(shape, p).tolist() == patch_indices(shape, mask).tolist()
    assert patch_indices(shape, p.indices(shape).flip(0).tolist()).tolist() == p.indices(shape).tolist()
    assert patch_indices(shape, "all").tolist() == list(range(108))


def test_bad_patches():
    with pytest.raises(
        ValueError, match=r"lies outside the input's last two axes 6 x 6 \(input shape \(3, 6, 6\)\)"
    ):
        Patch(4, 0, 3, 1).indices((3, 6, 6))
    with pytest.raises(ValueError, match="height and width must be >= 1"):
        Patch(0, 0, 0, 2)
    with pytest.raises(ValueError, match="top and left must be >= 0"):
        Patch(-1, 0, 1, 1)
    with pytest.raises(TypeError, match=r"Patch\.top must be an int"):
        Patch(1.5, 0, 1, 1)
    with pytest.raises(ValueError, match=r"indices must lie in 0\.\.8"):
        patch_indices((3, 3), [0, 9])
    with pytest.raises(ValueError, match="must be distinct"):
        patch_indices((3, 3), [1, 1])
    with pytest.raises(ValueError, match="at least one input coordinate"):
        patch_indices((3, 3), [])
    with pytest.raises(ValueError, match="mask must have the input's shape"):
        patch_indices((3, 3), torch.ones(2, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"Patch\.channels must be distinct entries of 0\.\.2"):
        Patch(0, 0, 1, 1, channels=(5,)).indices((3, 3, 3))
    with pytest.raises(ValueError, match="does not fit"):
        Patch.central((3, 4, 4), 5)
