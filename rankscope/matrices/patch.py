"""Input patches: the coordinates ``j_1 < ... < j_K`` of a partial Jacobian (paper 004 eq. (5)).

The paper takes "the central 16 x 16 x 3 image patch" (paper 004 Sec. 4.3): a
rectangle of rows x columns on the last two axes of the input, over every leading (channel) axis.
:class:`Patch` says that; :func:`patch_indices` turns any patch description into the sorted flat
indices into ``x.reshape(-1)``.

Example:
    >>> patch_indices((2, 4, 4), Patch(top=1, left=2, height=2, width=1)).tolist()
    [6, 10, 22, 26]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from rankscope._checks import describe

__all__ = ["Patch", "patch_indices"]


@dataclass(frozen=True)
class Patch:
    """Rows ``top..top+height-1`` x columns ``left..left+width-1`` of the last two axes of an input,
    over all leading axes (or only the leading-axis entries ``channels`` when given).

    For an image ``(C, H, W)`` this is a ``height x width x C`` pixel patch; for token embeddings
    ``(T, D)`` it is tokens ``top..`` x embedding coordinates ``left..``.
    """

    top: int
    left: int
    height: int
    width: int
    channels: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("top", "left", "height", "width"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"Patch.{name} must be an int; got {describe(value)}")
        if self.top < 0 or self.left < 0:
            raise ValueError(f"Patch top and left must be >= 0; got top={self.top}, left={self.left}")
        if self.height < 1 or self.width < 1:
            raise ValueError(f"Patch height and width must be >= 1; got {self.height} x {self.width}")

    @classmethod
    def central(cls, shape: Sequence[int], height: int, width: int | None = None) -> Patch:
        """The ``height x width`` patch at the centre of the last two axes of ``shape``.

        Example:
            >>> Patch.central((3, 64, 64), 16)
            Patch(top=24, left=24, height=16, width=16, channels=None)
        """
        width = height if width is None else width
        if len(shape) < 2:
            raise ValueError(f"shape must have at least two axes for a 2-D patch; got {tuple(shape)}")
        rows, cols = int(shape[-2]), int(shape[-1])
        if height > rows or width > cols:
            raise ValueError(f"a {height} x {width} patch does not fit in the last two axes {rows} x {cols}")
        return cls((rows - height) // 2, (cols - width) // 2, height, width)

    def indices(self, shape: Sequence[int]) -> torch.Tensor:
        """Sorted flat indices of the patch in an input of ``shape`` (no batch dimension)."""
        shape = tuple(int(s) for s in shape)
        if len(shape) < 2:
            raise ValueError(f"a Patch needs an input with at least two axes; got shape {shape}")
        rows, cols = shape[-2:]
        if self.top + self.height > rows or self.left + self.width > cols:
            raise ValueError(
                f"patch rows {self.top}..{self.top + self.height - 1} x columns "
                f"{self.left}..{self.left + self.width - 1} lies outside the input's last two axes "
                f"{rows} x {cols} (input shape {shape})"
            )
        lead = int(np.prod(shape[:-2], dtype=np.int64))
        grid = torch.arange(lead * rows * cols).reshape(lead, rows, cols)
        if self.channels is not None:
            bad = [c for c in self.channels if not 0 <= c < lead]
            if bad or not self.channels:
                raise ValueError(
                    f"Patch.channels must be distinct entries of 0..{lead - 1}; got {self.channels}"
                )
            grid = grid[sorted(set(self.channels))]
        sub = grid[:, self.top : self.top + self.height, self.left : self.left + self.width]
        return sub.reshape(-1).sort().values


def patch_indices(shape: Sequence[int], patch: Patch | Sequence[int] | torch.Tensor | str) -> torch.Tensor:
    """Normalise a patch description to sorted, distinct flat indices into an input of ``shape``.

    Args:
        shape: the input's shape without the batch dimension.
        patch: a :class:`Patch`; a sequence or 1-D integer tensor of flat indices; a boolean tensor of
            ``shape``; or ``"all"`` (every coordinate: the full Jacobian).

    Raises:
        ValueError: indices outside the input, repeated, or an empty patch; a mask of the wrong shape.
    """
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape, dtype=np.int64))
    if isinstance(patch, Patch):
        return patch.indices(shape)
    if isinstance(patch, str):
        if patch != "all":
            raise ValueError(f"patch must be a Patch, indices, a boolean mask or 'all'; got {patch!r}")
        return torch.arange(n)
    if isinstance(patch, torch.Tensor) and patch.dtype == torch.bool:
        if tuple(patch.shape) != shape:
            raise ValueError(
                f"a boolean patch mask must have the input's shape {shape}; got {tuple(patch.shape)}"
            )
        idx = patch.reshape(-1).nonzero().reshape(-1)
    else:
        try:
            idx = torch.as_tensor(patch, dtype=torch.int64).reshape(-1)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(
                f"patch must be a Patch, indices, a boolean mask or 'all'; got {describe(patch)}"
            ) from exc
    if idx.numel() == 0:
        raise ValueError("patch must select at least one input coordinate; got an empty patch")
    if int(idx.min()) < 0 or int(idx.max()) >= n:
        raise ValueError(
            f"patch indices must lie in 0..{n - 1} for an input of shape {shape}; got "
            f"min {int(idx.min())}, max {int(idx.max())}"
        )
    out = idx.unique(sorted=True)
    if out.numel() != idx.numel():
        raise ValueError(f"patch indices must be distinct; got {idx.numel() - out.numel()} repeated")
    result: torch.Tensor = out
    return result
