import numpy as np
import pytest
import torch

from rankscope.problems import Digits, load_digits

pytest.importorskip("sklearn")


def _rows(d: Digits) -> np.ndarray:
    return np.concatenate([d.x_train.flatten(1).numpy(), d.x_test.flatten(1).numpy()])


def test_stratified_split_keeps_each_class_share():
    d = load_digits(0.25, 0, split="stratified", dtype=torch.float64)
    assert d.x_train.shape == (1347, 64) and d.x_test.shape == (450, 64)
    assert d.x_train.dtype == torch.float64 and d.y_train.dtype == torch.int64
    train = np.bincount(d.y_train.numpy(), minlength=10) / len(d.y_train)
    test = np.bincount(d.y_test.numpy(), minlength=10) / len(d.y_test)
    np.testing.assert_allclose(train, test, atol=0.01)


def test_permutation_split_partitions_the_digits_and_follows_the_seed():
    from sklearn.datasets import load_digits as sk

    d = load_digits(1 / 3, 0, split="permutation", images=True)
    assert d.x_train.shape == (1198, 1, 8, 8) and d.x_test.shape == (599, 1, 8, 8)
    assert d.x_train.dtype == torch.float32
    # the first round(n / 3) digits of torch.randperm(1797, seed 0) are the test set, by hand
    perm = torch.randperm(1797, generator=torch.Generator().manual_seed(0))
    np.testing.assert_array_equal(d.y_test.numpy(), sk().target[perm[:599].numpy()])
    # every digit once, pixels / 16 in [0, 1]
    assert sorted(map(tuple, _rows(d).round(6))) == sorted(map(tuple, (sk().data / 16).round(6)))
    assert float(d.x_train.max()) == 1.0 and float(d.x_train.min()) == 0.0
    other = load_digits(1 / 3, 1, split="permutation", images=True)
    assert not torch.equal(other.y_test, d.y_test)


def test_flat_and_image_inputs_hold_the_same_pixels():
    flat = load_digits(0.2, 3, split="permutation")
    img = load_digits(0.2, 3, split="permutation", images=True)
    assert torch.equal(flat.x_train, img.x_train.flatten(1)) and torch.equal(flat.y_test, img.y_test)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\)"):
        load_digits(1.0)
    with pytest.raises(TypeError, match="test_fraction must be a number"):
        load_digits("0.2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="split must be one of"):
        load_digits(0.2, split="random")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dtype must be a floating"):
        load_digits(0.2, dtype=torch.int64)


def test_images_have_the_standard_contiguous_strides():
    """A size-1 channel axis with stride 1 reads as channels-last to oneDNN, whose convolutions then
    round differently: the images must carry the strides of a fresh contiguous tensor."""
    d = load_digits(1 / 3, 0, split="permutation", images=True)
    for x in (d.x_train, d.x_test):
        assert x.stride() == torch.empty(x.shape).stride()
