"""Gram (mass) matrices of neuron functions, paper 000 Def. 2.4 and eq. (4.1).

    M_ij = int_Omega phi_i(x) phi_j(x) dx  ~=  sum_k w_k phi_i(x_k) phi_j(x_k),   i.e.  M = D^T W D,

with ``D_ki = phi_i(x_k)`` the neuron functions at the quadrature points and ``W = diag(w)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from rankscope._checks import as_matrix, as_vector
from rankscope.nets.features import LayerSpec, capture, resolve_layers

__all__ = ["gram_from_features", "gram_matrices", "gram_matrix"]


def gram_from_features(features: Any, weights: Any) -> np.ndarray:
    """Return ``M = D^T diag(w) D`` in float64 (paper 000 eq. 4.1).

    Args:
        features: ``D``, shape ``(m, n)``: n functions at m points (numpy or torch).
        weights: ``w``, shape ``(m,)``, non-negative quadrature weights.

    Returns:
        The symmetric PSD ``(n, n)`` float64 Gram matrix.

    Example:
        >>> gram_from_features(np.eye(2), np.array([2.0, 3.0]))
        array([[2., 0.],
               [0., 3.]])
    """
    d = as_matrix("features", features)
    w = as_vector("weights", weights)
    if w.shape[0] != d.shape[0]:
        raise ValueError(
            f"weights has {w.shape[0]} entries but features has {d.shape[0]} rows (points); "
            "expected one weight per point"
        )
    if np.any(w < 0):
        raise ValueError(f"weights must be non-negative; got min {w.min():.3e}")
    m = d.T @ (w[:, None] * d)
    return 0.5 * (m + m.T)


def _check_quadrature(quadrature: Any) -> tuple[np.ndarray, np.ndarray]:
    points = getattr(quadrature, "points", None)
    weights = getattr(quadrature, "weights", None)
    if points is None or weights is None:
        raise TypeError(
            "quadrature must have .points (m, d) and .weights (m,), e.g. "
            f"rankscope.sampling.gauss_legendre(...); got {type(quadrature).__name__}"
        )
    return np.array(points, dtype=np.float64), np.array(weights, dtype=np.float64)


def gram_matrices(
    model: nn.Module,
    layers: LayerSpec,
    quadrature: Any,
    *,
    dtype: torch.dtype = torch.float64,
) -> dict[str, np.ndarray]:
    """Gram matrices of several layers from one forward pass, keyed by layer name.

    Args:
        model: any ``nn.Module`` taking an ``(m, d)`` input.
        layers: a layer spec (``"last"``, ``"all"``, name, index or list; see ``rankscope.nets``).
        quadrature: a ``rankscope.sampling.Quadrature`` (points ``(m, d)``, weights ``(m,)``).
        dtype: dtype of the forward pass used to evaluate the neuron functions (float64 default).
    """
    points, weights = _check_quadrature(quadrature)
    refs = resolve_layers(model, layers)
    try:
        param = next(model.parameters())
        device = param.device
    except StopIteration:
        device = torch.device("cpu")
    x = torch.as_tensor(points, dtype=dtype, device=device)
    feats = capture(model, refs, x, dtype=dtype)
    w = torch.as_tensor(weights, dtype=torch.float64, device=device)
    out: dict[str, np.ndarray] = {}
    for ref in refs:
        d = feats[ref.name].to(torch.float64)
        m = d.T @ (w[:, None] * d)
        out[ref.name] = (0.5 * (m + m.T)).cpu().numpy()
    return out


def gram_matrix(
    model: nn.Module,
    layer: str | int = "last",
    quadrature: Any = None,
    *,
    dtype: torch.dtype = torch.float64,
) -> np.ndarray:
    """Gram matrix ``M_u`` of the neuron functions of one layer (paper 000 Def. 2.4, eq. 4.1).

    Example:
        >>> import rankscope
        >>> net = rankscope.nets.MLP(1, 8, 2, seed=0)
        >>> q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 64)
        >>> gram_matrix(net, "last", q).shape
        (8, 8)
    """
    if quadrature is None:
        raise TypeError("quadrature is required: pass a rankscope.sampling rule for the domain")
    if isinstance(layer, (list, tuple)) or layer == "all":
        raise ValueError(f"layer must name one layer; got {layer!r} (use gram_matrices for several)")
    mats = gram_matrices(model, layer, quadrature, dtype=dtype)
    return next(iter(mats.values()))
