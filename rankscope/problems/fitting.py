"""Function-fitting problems as data: a domain and a target (paper 000, Example 2.6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from rankscope.sampling import Box, Interval

__all__ = ["FunctionFitting", "staircase_target"]


@dataclass(frozen=True)
class FunctionFitting:
    """Fit ``target`` on ``domain`` by the mean square error (paper 000 eq. 3.2 with G = I).

    Attributes:
        name: a label.
        domain: a ``rankscope.sampling`` domain (``Interval`` or ``Box``).
        target: maps an ``(m, d)`` tensor to ``(m, 1)``.
    """

    name: str
    domain: Interval | Box
    target: Callable[[torch.Tensor], torch.Tensor]

    def mse(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Mean square error ``mean_k (u(x_k) - f(x_k))^2`` at the sample points ``x``."""
        y = self.target(x) if y is None else y
        out: torch.Tensor = ((model(x) - y) ** 2).mean()
        return out


def _staircase_f(x: torch.Tensor) -> torch.Tensor:
    return torch.cos(x) + torch.cos(2 * x) + torch.cos(30 * x)


def staircase_target() -> FunctionFitting:
    """``f(x) = cos x + cos 2x + cos 30x`` on ``[-1, 1]``, paper 000 eq. (2.5)."""
    return FunctionFitting("cos x + cos 2x + cos 30x", Interval(-1.0, 1.0), _staircase_f)
