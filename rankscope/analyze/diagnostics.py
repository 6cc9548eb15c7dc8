"""The diagnostics of ``rankscope analyze``: each of the papers' measures, applied to any model.

Each function takes a model and a batch of its inputs (any shape: images and token batches too)
and returns plain data (:class:`Diagnostic`: measures for ``summary.json``, arrays for
``arrays.npz``), or ``None`` with a reason when it does not apply to this model:

* :func:`feature_spectra`: the Gram (mass) matrix of each layer's neuron functions on the inputs
  with Monte Carlo mean weights ``1/m`` (paper 000 eq. 4.1), its eigenvalues, eps-rank (Def. 2.5),
  effective and stable rank and condition number, and whether the rank is capped by the number of
  points (more features than points), plus the PCA dimension of the features (paper 004 Sec. 4.3);
* :func:`weight_ranks`: numerical rank (paper 004 eq. 4) and stable rank of every weight matrix,
  convolution kernels reshaped to ``(out, in * kh * kw)`` as is usual;
* :func:`jacobian_ranks`: partial Jacobian ranks of every sub-network at the first input, in one
  forward-mode sweep (paper 004 eq. 5);
* :func:`label_dimensions`: with labels, the classification dimension (paper 004 eq. 6) of the
  final features under the model's linear head, and the independence deficit (eq. 11-12) of each
  class's logit;
* :func:`ntk_top`: the largest eigenvalues of the output NTK ``J J^T`` on a subset of the inputs
  (paper 002): exact and dense up to ``DENSE_NTK_ROWS`` rows (J formed one parameter group at a
  time), matrix-free beyond (a Jacobian-vector and a vector-Jacobian product per matvec).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, jvp, vjp

from rankscope.analysis.features import classification_dimension, independence_deficit, lasso_eta_max
from rankscope.linalg import (
    condition_number,
    effective_rank,
    eigenspectrum,
    eps_rank,
    numerical_rank,
    singular_spectrum,
    stable_rank,
)
from rankscope.linalg.gram import gram_from_features
from rankscope.linalg.matrix_free import top_eigenvalues
from rankscope.linalg.pca_dim import pca_dimension
from rankscope.matrices.jacobian import default_layers
from rankscope.matrices.jacobian_ranks import partial_ranks
from rankscope.matrices.ntk_rows import ntk_by_rows
from rankscope.matrices.patch import Patch
from rankscope.nets.features import capture
from rankscope.nets.layer_specs import LayerSpec, resolve_layers
from rankscope.nets.modes import measurement_mode

__all__ = [
    "Diagnostic",
    "feature_spectra",
    "jacobian_ranks",
    "label_dimensions",
    "ntk_top",
    "weight_ranks",
]

#: Largest input patch (number of coordinates) of the partial Jacobians; larger inputs use the
#: central patch of their last two axes: 16 x 16 x 3 = 768 is the central patch paper 004 uses
#: (Sec. 4.3 and App. D, "the central patch of 16 x 16 x 3 pixels").
MAX_PATCH = 768

#: Most rows (points x outputs) of the output NTK by default: ResNet-18 with 10 classes gets 12
#: points, 120 rows (about 30 s on 2 CPU cores).
NTK_ROWS = 128

#: Most rows of the dense output NTK; beyond, its top eigenvalues come matrix-free.
DENSE_NTK_ROWS = 8192


@dataclass
class Diagnostic:
    """One diagnostic's result: per-layer measures (JSON-able) and arrays, or why it was skipped."""

    measures: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    skipped: str | None = None


def feature_spectra(model: nn.Module, x: torch.Tensor, layers: LayerSpec, *, eps: float = 1e-6) -> Diagnostic:
    """Gram spectrum and rank measures of each layer's neuron functions on the ``m`` inputs ``x``.

    A layer with more features ``n`` than inputs ``m`` has its spectrum computed from the ``m x m``
    dual ``W^1/2 D D^T W^1/2`` (the same nonzero eigenvalues as ``D^T W D``; the other ``n - m`` are
    zero, so its condition number is ``inf`` and ``rank_capped_by_points`` is set)."""
    try:
        refs = resolve_layers(model, layers)
    except ValueError as exc:
        if layers != "all":
            raise
        try:  # no hidden layer found: the input of the last layer still has neuron functions
            refs = resolve_layers(model, "last")
        except ValueError:
            return Diagnostic(skipped=f"no layer to read: {' '.join(str(exc).split())[:200]}")
    feats = capture(model, refs, x, name="inputs")
    m = int(x.shape[0])
    out = Diagnostic()
    for name, d in feats.items():
        mat = d.reshape(m, -1).numpy()
        n = mat.shape[1]
        if n > m:
            # D^T W D (n x n) and W^1/2 D D^T W^1/2 (m x m) have the same nonzero eigenvalues: a conv
            # layer of 64 x 32 x 32 features would need a 32 GiB Gram matrix, its dual 0.5 MiB
            scaled = mat / np.sqrt(m)
            dual = scaled @ scaled.T
            spec = eigenspectrum(0.5 * (dual + dual.T))
        else:
            spec = eigenspectrum(gram_from_features(mat, np.full(m, 1.0 / m)))
        out.measures[name] = {
            "features": n,
            "eps_rank": eps_rank(spec, eps),
            "effective_rank": effective_rank(spec),
            "stable_rank": stable_rank(spec),
            "condition_number": math.inf if n > m else condition_number(spec),  # rank <= m < n
            "pca_dim": pca_dimension(mat) if m >= 2 else 0,
            "rank_capped_by_points": n > m,
        }
        out.arrays[f"gram_eigenvalues/{name}"] = np.asarray(spec.values, dtype=np.float64)
    return out


def weight_ranks(model: nn.Module) -> Diagnostic:
    """Numerical and stable rank of every weight matrix (``ndim >= 2``), conv kernels as ``(out, -1)``."""
    out = Diagnostic()
    for name, p in model.named_parameters():
        if p.ndim < 2:
            continue
        w = p.detach().to(torch.float64).reshape(p.shape[0], -1)
        spec = singular_spectrum(w.cpu().numpy(), name=name)
        out.measures[name] = {
            "shape": list(p.shape),
            "matrix": list(w.shape),
            "numerical_rank": numerical_rank(spec),
            "stable_rank": stable_rank(spec),
            "full_rank": int(min(w.shape)),
        }
        out.arrays[f"weight_singular_values/{name}"] = np.asarray(spec.values, dtype=np.float64)
    if not out.measures:
        out.skipped = "the model has no weight matrices"
    return out


def jacobian_ranks(model: nn.Module, x: torch.Tensor) -> Diagnostic:
    """Partial Jacobian ranks (eq. 5) of every sub-network at the first input ``x[0]``."""
    sample = x[0].to(next(iter(model.parameters())).dtype) if any(True for _ in model.parameters()) else x[0]
    if not sample.is_floating_point():
        return Diagnostic(skipped=f"inputs of dtype {sample.dtype} are not differentiable (token ids?)")
    layers = default_layers(model)
    if not layers:
        return Diagnostic(skipped="the model has no named sub-networks")
    patch: Patch | str = "all"
    if sample.numel() > MAX_PATCH:
        if sample.ndim < 2:
            return Diagnostic(skipped=f"input of {sample.numel()} coordinates > {MAX_PATCH} and not 2-D")
        side = int(
            min(sample.shape[-2], sample.shape[-1], int((MAX_PATCH // max(1, _channels(sample))) ** 0.5))
        )
        patch = Patch.central(tuple(sample.shape), side)
    try:
        pr = partial_ranks(model, sample, patch, layers, chunk_size=128)  # 128: fastest on ResNet-18
    except ValueError as exc:
        return Diagnostic(skipped=f"partial Jacobians not available: {' '.join(str(exc).split())[:200]}")
    out = Diagnostic(measures={"patch": str(patch), **pr.as_dict()})
    for name, spec in zip(pr.layers, pr.spectra, strict=True):
        out.arrays[f"jacobian_singular_values/{name}"] = np.asarray(spec.values, dtype=np.float64)
    return out


def _channels(sample: torch.Tensor) -> int:
    return int(np.prod(sample.shape[:-2])) if sample.ndim > 2 else 1


def _head(model: nn.Module) -> nn.Linear | None:
    leaves = [m for m in model.modules() if not list(m.children())]
    return leaves[-1] if leaves and isinstance(leaves[-1], nn.Linear) else None


def label_dimensions(model: nn.Module, x: torch.Tensor, labels: torch.Tensor) -> Diagnostic:
    """Classification dimension (eq. 6) under the linear head and the independence deficit (eq. 11-12)."""
    head = _head(model)
    if head is None:
        return Diagnostic(skipped="the model's last module is not a linear head (nn.Linear)")
    y = labels.reshape(-1).numpy().astype(np.int64)
    if y.shape[0] != x.shape[0]:
        return Diagnostic(skipped=f"{y.shape[0]} labels for {x.shape[0]} inputs")
    refs = resolve_layers(model, "last")
    feats = capture(model, refs, x, dtype=None, name="inputs")
    final = next(iter(feats.values())).reshape(x.shape[0], -1)
    with measurement_mode(model, "eval"), torch.no_grad():
        logits = model(x).reshape(x.shape[0], -1).double().numpy()
    cls = classification_dimension(final.numpy(), y, lambda f: head(f.to(head.weight.dtype)))
    deficits = {}
    for i in range(logits.shape[1]):
        if not np.any(y == i):
            continue
        eta = 0.5 * lasso_eta_max(logits, y, i, fit_on="all")
        deficits[str(i)] = independence_deficit(logits, y, i, eta=eta, fit_on="all").as_dict()
    return Diagnostic(measures={"classification": cls.as_dict(), "independence_deficit": deficits})


def ntk_top(
    model: nn.Module, x: torch.Tensor, k: int = 20, *, max_rows: int = NTK_ROWS, seed: int = 0
) -> Diagnostic:
    """The ``k`` largest eigenvalues of the output NTK (all outputs) on the first points of ``x``.

    It takes as many points as keep ``rows = points * outputs <= max_rows`` (at least one; the
    measures say how many and why). Up to ``DENSE_NTK_ROWS`` rows the kernel is formed exactly
    (:func:`rankscope.matrices.ntk_rows.ntk_by_rows`, accumulated in float64) and all its
    eigenvalues are taken; beyond, the top ones come matrix-free (float64 Lanczos on ``J J^T v``).
    """
    if not x.is_floating_point():
        return Diagnostic(skipped=f"inputs of dtype {x.dtype} are not differentiable")
    if not isinstance(max_rows, int) or max_rows < 1:
        raise ValueError(f"max_rows must be an integer >= 1; got {max_rows!r}")
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if not n_params:
        return Diagnostic(skipped="the model has no trainable parameters")
    with measurement_mode(model, "eval"), torch.no_grad():
        outputs = int(model(x[:1]).numel())
    points = max(1, min(x.shape[0], max_rows // outputs))
    xs = x[:points]
    rows = points * outputs
    kk = max(1, min(k, rows // 2))
    if rows <= DENSE_NTK_ROWS:
        values = eigenspectrum(ntk_by_rows(model, xs).cpu().numpy()).values[:kk].copy()
        method = "dense"
    else:
        values = _matrix_free_top(model, xs, kk, seed)
        method = "matrix-free"
    measures: dict[str, Any] = {
        "points": points,
        "points_given": int(x.shape[0]),
        "outputs": rows,
        "outputs_per_point": outputs,
        "parameters": n_params,
        "method": method,
        "top": [float(v) for v in values[:5]],
        "k": kk,
    }
    if points < x.shape[0]:
        measures["capped"] = (
            f"{points} of {x.shape[0]} points: {outputs} outputs each, at most {max_rows} rows"
        )
    return Diagnostic(measures=measures, arrays={"ntk_top_eigenvalues": np.asarray(values, dtype=np.float64)})


def _matrix_free_top(model: nn.Module, x: torch.Tensor, k: int, seed: int) -> np.ndarray:
    """Top ``k`` eigenvalues of ``J J^T`` in float64 by a JVP and a VJP per matvec; never forms J."""
    params = {n: p.detach().to(torch.float64) for n, p in model.named_parameters() if p.requires_grad}
    frozen = {n: p.detach().to(torch.float64) for n, p in model.named_parameters() if not p.requires_grad}
    buffers = {n: b.to(torch.float64) if b.is_floating_point() else b for n, b in model.named_buffers()}
    xs = x.to(torch.float64)

    def f(p: dict[str, torch.Tensor]) -> torch.Tensor:
        out: torch.Tensor = functional_call(model, {**p, **frozen, **buffers}, (xs,))
        return out.reshape(-1)

    with measurement_mode(model, "eval"):
        y0, pull = vjp(f, params)  # type: ignore[misc]  # torch.func's stub types the pair as a triple

        def matvec(v: np.ndarray) -> np.ndarray:
            (g,) = pull(torch.as_tensor(np.ascontiguousarray(v).reshape(-1), dtype=torch.float64))
            _, jg = jvp(f, (params,), (g,))  # type: ignore[misc]
            out: np.ndarray = jg.detach().cpu().numpy()
            return out

        return np.asarray(top_eigenvalues(matvec, k, n=int(y0.numel()), tol=1e-10, seed=seed))
