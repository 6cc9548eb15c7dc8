"""scikit-learn's 8 x 8 handwritten digits as a train/test problem (papers 000 and 004).

paper 000, Example 2.7 and Fig. 5 (the eps-rank staircase in digit recognition),
and paper 004, Sec. 3-5 (partial ranks, classification dimension and
independence deficit of small classifiers trained on digits). Neither paper fixes the split, so the
two experiments use different ones, and :func:`load_digits` reproduces both:

* ``split="stratified"`` (paper 000's experiment): scikit-learn's
  ``train_test_split(x, y, test_size=test_fraction, random_state=seed, stratify=y)``, so each class
  keeps its share in both parts;
* ``split="permutation"`` (paper 004's experiments): ``torch.randperm`` of a private generator seeded
  with ``seed``; the first ``round(test_fraction * n)`` digits of the permutation are the test set.

Pixels are scaled by ``1/16`` to ``[0, 1]`` in float64 and then cast to ``dtype``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from rankscope._checks import check_choice, describe

__all__ = ["DIGITS_SPLITS", "Digits", "load_digits"]

DIGITS_SPLITS = ("stratified", "permutation")


@dataclass(frozen=True)
class Digits:
    """The digits split train/test: inputs ``(n, 64)`` (or ``(n, 1, 8, 8)`` images), labels int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def load_digits(
    test_fraction: float,
    seed: int = 0,
    *,
    split: Literal["stratified", "permutation"] = "permutation",
    images: bool = False,
    dtype: torch.dtype = torch.float32,
) -> Digits:
    """The 1,797 digits of scikit-learn, pixels / 16, split train/test (see the module docstring).

    Args:
        test_fraction: share of the digits in the test set, in ``(0, 1)``.
        seed: seed of the split.
        split: ``"stratified"`` (scikit-learn, per class) or ``"permutation"`` (torch, plain).
        images: ``(n, 1, 8, 8)`` images if true, flat ``(n, 64)`` vectors otherwise.
        dtype: floating dtype of the inputs.

    Raises:
        ValueError: a ``test_fraction`` outside ``(0, 1)``, an unknown ``split``.
        ImportError: scikit-learn is missing (it ships the data set).

    Example:
        >>> d = load_digits(0.25, 0, split="stratified")
        >>> tuple(d.x_train.shape), tuple(d.x_test.shape), d.y_train.dtype
        ((1347, 64), (450, 64), torch.int64)
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)):
        raise TypeError(f"test_fraction must be a number in (0, 1); got {describe(test_fraction)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1); got {test_fraction!r}")
    check_choice("split", split, DIGITS_SPLITS)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype; got {describe(dtype)}")
    try:
        from sklearn.datasets import load_digits as _sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the digits problem needs scikit-learn for its bundled data: pip install 'scikit-learn>=1.3,<2'"
        ) from exc
    data = _sklearn_digits()
    x = np.asarray(data.images if images else data.data, dtype=np.float64) / 16.0
    y = np.asarray(data.target, dtype=np.int64)
    if split == "stratified":
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=test_fraction, random_state=seed, stratify=y
        )
    else:
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(int(seed))).numpy()
        n_test = round(test_fraction * len(y))
        test, train = perm[:n_test], perm[n_test:]
        x_train, x_test, y_train, y_test = x[train], x[test], y[train], y[test]

    def inputs(a: np.ndarray) -> torch.Tensor:
        t = torch.tensor(a, dtype=dtype)
        # the channel axis is added by torch, so the strides are the standard contiguous ones
        # (64, 64, 8, 1): a size-1 axis with stride 1 reads as channels-last to oneDNN, whose
        # convolutions then round differently
        return t[:, None] if images else t

    def labels(a: np.ndarray) -> torch.Tensor:
        return torch.tensor(a, dtype=torch.int64)

    return Digits(inputs(x_train), labels(y_train), inputs(x_test), labels(y_test))
