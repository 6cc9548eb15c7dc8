"""Numerical ranks of the partial Jacobians of sub-networks: paper 004's partial ranks (eq. (5)).

Paper 004 Sec. 3.2: the partial rank of sub-network ``F_k`` is the rank of its partial Jacobian
``Sub(J_{F_k}, j_1..j_K)`` (:func:`rankscope.matrices.jacobian.partial_jacobians`); by Lemma 2 the
drops of partial ranks between adjacent sub-networks bound the drops of their full ranks from below.
Ranks are numerical ranks, eq. (4), with the paper's threshold ``eps = 1.19e-7 x N`` (Sec. 4.3, N the
number of singular values), through :func:`rankscope.linalg.numerical_rank`.

Two rank rules, chosen by ``rank_rule``:

- ``"numerical"`` (default): eq. (4), ``#{sigma_i >= eps ||J||_2}``, eps = float32 epsilon x N unless
  given. Singular values come from the eigenvalues of the K x K Gram matrix ``J^T J`` formed in
  float64, accurate to about ``sqrt(2.2e-16) = 1.5e-8`` relative to sigma_1, well below every
  threshold eq. (4) uses (>= 1.19e-7).
- ``"jtj_torch_default"``: the paper's public code (Alg. A1): ``torch.linalg.matrix_rank(J^T J,
  hermitian=True)`` with J^T J formed in J's dtype (float32) and PyTorch's default tolerance
  ``K x eps_float32 x lambda_max`` on the *eigenvalues of J^T J*, i.e.
  ``sigma_i / sigma_1 >= sqrt(K x 1.19e-7)`` on J (about 1e-2 for K = 768): far coarser than eq. (4),
  so it reports lower ranks.

Layers, patch, method and mode are those of :func:`~rankscope.matrices.jacobian.partial_jacobians`.

Example:
    >>> net = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    >>> res = partial_ranks(net, torch.randn(6), [0, 1, 2], ["0", "1", "2"])
    >>> res.ranks
    (3, 3, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope._checks import check_choice
from rankscope.linalg import Spectrum, numerical_rank
from rankscope.matrices.jacobian import JacobianMethod, partial_jacobians
from rankscope.matrices.patch import Patch
from rankscope.nets.modes import MeasureMode

__all__ = ["PartialRanks", "RankRule", "partial_ranks"]


class RankRule(str, Enum):
    """Which rank is taken of each partial Jacobian (see module docstring)."""

    NUMERICAL = "numerical"
    JTJ_TORCH_DEFAULT = "jtj_torch_default"


@dataclass(frozen=True)
class PartialRanks:
    """Partial ranks of the sub-networks ``layers`` (eq. (5)), shallow to deep.

    ``spectra[k]`` holds the singular values of layer k's ``(d_k, K)`` partial Jacobian (min(d_k, K)
    of them), ``ranks[k]`` the rank under ``rank_rule``.
    """

    layers: tuple[str, ...]
    ranks: tuple[int, ...]
    spectra: tuple[Spectrum, ...]
    out_dims: tuple[int, ...]
    n_columns: int
    method: str
    rank_rule: str
    eps: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``summary.json``/``metrics.jsonl`` (no spectra)."""
        return {
            "layers": list(self.layers),
            "ranks": list(self.ranks),
            "out_dims": list(self.out_dims),
            "n_columns": self.n_columns,
            "method": self.method,
            "rank_rule": self.rank_rule,
            "eps": self.eps,
        }


def _spectrum(jac: torch.Tensor) -> Spectrum:
    """Singular values of a ``(d, K)`` matrix from the eigenvalues of ``J^T J`` in float64."""
    d, k = jac.shape
    j64 = jac.to(torch.float64)
    lam = torch.linalg.eigvalsh(j64.T @ j64).numpy()[::-1][: min(d, k)]
    dtype = str(jac.dtype).removeprefix("torch.")
    return Spectrum(np.sqrt(np.clip(lam, 0.0, None)), kind="svd", dtype=dtype, shape=(d, k))


def partial_ranks(
    model: nn.Module,
    x: torch.Tensor,
    patch: Patch | Sequence[int] | torch.Tensor | str,
    layers: Sequence[str] | None = None,
    *,
    method: JacobianMethod | str = JacobianMethod.FORWARD,
    rank_rule: RankRule | str = RankRule.NUMERICAL,
    eps: float | None = None,
    chunk_size: int = 256,
    zero_outside: bool = False,
    mode: MeasureMode | str = MeasureMode.EVAL,
) -> PartialRanks:
    """Partial Jacobian ranks (eq. (5), numerical rank eq. (4)) of every named sub-network.

    Args:
        model, x, patch, layers, method, chunk_size, zero_outside, mode: as in
            :func:`partial_jacobians` (eval mode by default, the model's flags and RNG restored).
        rank_rule: ``"numerical"`` (eq. (4)) or ``"jtj_torch_default"`` (the paper's code).
        eps: tolerance of eq. (4); ``None`` for float32 epsilon x number of singular values.
            Not used by ``"jtj_torch_default"``.

    Example:
        >>> lin = torch.nn.Sequential(torch.nn.Linear(4, 4, bias=False))
        >>> with torch.no_grad():
        ...     _ = lin[0].weight.copy_(torch.diag(torch.tensor([1.0, 1.0, 1e-9, 0.0])))
        >>> partial_ranks(lin, torch.zeros(4), "all", ["0"]).ranks
        (2,)
    """
    rule = RankRule(
        check_choice("rank_rule", getattr(rank_rule, "value", rank_rule), [r.value for r in RankRule])
    )
    mats = partial_jacobians(
        model, x, patch, layers, method=method, chunk_size=chunk_size, zero_outside=zero_outside, mode=mode
    )
    spectra, ranks = [], []
    for jac in mats.values():
        spec = _spectrum(jac)
        spectra.append(spec)
        if rule is RankRule.NUMERICAL:
            ranks.append(numerical_rank(spec, eps))
        else:
            ranks.append(int(torch.linalg.matrix_rank(jac.T @ jac, hermitian=True)))
    first = next(iter(mats.values()))
    return PartialRanks(
        layers=tuple(mats),
        ranks=tuple(ranks),
        spectra=tuple(spectra),
        out_dims=tuple(int(m.shape[0]) for m in mats.values()),
        n_columns=int(first.shape[1]),
        method=JacobianMethod(getattr(method, "value", method)).value,
        rank_rule=rule.value,
        eps=eps,
    )
