"""Gram (mass) matrices of neuron functions, paper 000 Def. 2.4 and eq. (4.1).

    M_ij = int_Omega phi_i(x) phi_j(x) dx  ~=  sum_k w_k phi_i(x_k) phi_j(x_k),   i.e.  M = D^T W D,

with ``D_ki = phi_i(x_k)`` the neuron functions at the quadrature points and ``W = diag(w)``.
``gram_from_features`` (the product on given features) lives in ``rankscope.linalg.gram`` and is
re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from rankscope.linalg.gram import gram_from_features
from rankscope.nets.features import FeatureReader, capture
from rankscope.nets.layer_specs import LayerSpec, resolve_layers
from rankscope.nets.modes import MeasureMode, check_mode, measurement_mode
from rankscope.sampling.quadrature import Quadrature

__all__ = ["GramEvaluator", "gram_from_features", "gram_matrices", "gram_matrix", "weighted_grams"]


def _check_quadrature(quadrature: Quadrature | None) -> tuple[np.ndarray, np.ndarray]:
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
    quadrature: Quadrature,
    *,
    dtype: torch.dtype = torch.float64,
    mode: MeasureMode | str = MeasureMode.EVAL,
) -> dict[str, np.ndarray]:
    """Gram matrices of several layers from one forward pass, keyed by layer name.

    Args:
        model: any ``nn.Module`` taking an ``(m, d)`` input (or ``(m, C, H, W)`` images, ...).
        layers: a layer spec (``"last"``, ``"all"``, name, index or list; see ``rankscope.nets``).
        quadrature: a ``rankscope.sampling.Quadrature`` (points ``(m, d)``, weights ``(m,)``).
        dtype: dtype of the forward pass used to evaluate the neuron functions (float64 default).
        mode: ``"eval"`` (default), ``"train"`` or ``"as_is"``: the train/eval mode of the forward pass
            (``rankscope.nets.modes``); the model's flags and the global RNG are restored afterwards.

    Raises:
        ValueError: points that do not fit the model's first layer (both shapes named), an unknown
            layer. TypeError: a quadrature without points and weights.

    Example:
        >>> import rankscope
        >>> net = torch.nn.Sequential(torch.nn.Linear(1, 6), torch.nn.Dropout(0.5), torch.nn.Tanh())
        >>> q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 32)
        >>> list(gram_matrices(net.train(), "all", q)), net.training  # measured in eval mode
        (['2'], True)
    """
    points, weights = _check_quadrature(quadrature)
    refs = resolve_layers(model, layers)
    try:
        param = next(model.parameters())
        device = param.device
    except StopIteration:
        device = torch.device("cpu")
    x = torch.as_tensor(points, dtype=dtype, device=device)
    feats = capture(model, refs, x, dtype=dtype, mode=mode, name="quadrature.points")
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
    quadrature: Quadrature | None = None,
    *,
    dtype: torch.dtype = torch.float64,
    mode: MeasureMode | str = MeasureMode.EVAL,
) -> np.ndarray:
    """Gram matrix ``M_u`` of the neuron functions of one layer (paper 000 Def. 2.4, eq. 4.1).

    Arguments as in :func:`gram_matrices`; ``layer`` names one layer (``"last"``, a name or an index).

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
    mats = gram_matrices(model, layer, quadrature, dtype=dtype, mode=mode)
    return next(iter(mats.values()))


class GramEvaluator:
    """Gram matrices of fixed layers at fixed quadrature points, evaluated again and again cheaply.

    The same numbers as :func:`gram_matrices`, for a monitor that re-evaluates them every few
    steps: it keeps a float64 replica of the model (a deep copy, cast), the points and weights as
    tensors, and a :class:`rankscope.nets.FeatureReader` of the replica (traced once where function
    call sites are read); on each call it copies the live parameters, buffers and train/eval flags
    into the replica and runs one forward pass in ``mode`` (``"eval"`` by default), restoring the
    global RNG. The live model is never touched.

    Example:
        >>> import rankscope
        >>> net = rankscope.nets.MLP(1, 8, 2, seed=0)
        >>> q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 64)
        >>> ev = GramEvaluator(net, "last", q)
        >>> bool(np.allclose(ev()["layers.1"], gram_matrix(net, "last", q)))
        True
    """

    def __init__(
        self,
        model: nn.Module,
        layers: LayerSpec,
        quadrature: Quadrature,
        *,
        dtype: torch.dtype | None = torch.float64,
        mode: MeasureMode | str = MeasureMode.EVAL,
    ) -> None:
        import copy

        points, weights = _check_quadrature(quadrature)
        self.model = model
        self.mode = check_mode(mode)
        self.refs = resolve_layers(model, layers)
        self.replica = copy.deepcopy(model)
        if dtype is not None:
            self.replica.to(dtype)
        self.replica.requires_grad_(False)
        self._live = [*model.parameters(), *model.buffers()]
        self._shadow = [*self.replica.parameters(), *self.replica.buffers()]
        self._modules = list(zip(model.modules(), self.replica.modules(), strict=True))
        try:
            device = next(model.parameters()).device
        except StopIteration:
            device = torch.device("cpu")
        self.replica.to(device)
        self.x = torch.as_tensor(points, dtype=dtype, device=device)
        self.w = torch.as_tensor(weights, dtype=torch.float64, device=device)[:, None]
        self.n_points = int(np.count_nonzero(weights))  # the rank bound of every Gram matrix
        self._reader = FeatureReader(self.replica, self.refs)

    def sync(self) -> None:
        """Copy the live parameters, buffers and train/eval flags into the replica (cheap)."""
        with torch.no_grad():
            torch._foreach_copy_(self._shadow, [t.detach() for t in self._live])
        for live, shadow in self._modules:
            shadow.training = live.training

    def replica_features(self, *, preserve_rng: bool = True) -> dict[str, torch.Tensor]:
        """The neuron functions ``(m, n)`` of the replica as last synced (:meth:`sync`).

        ``preserve_rng=False`` skips saving and restoring the global RNG around the forward pass: for
        a reader on another thread, where restoring would rewind random numbers the training thread
        drew meanwhile (valid when the measured forward draws none, e.g. eval mode without
        stochastic layers)."""
        with torch.no_grad():
            if not preserve_rng:
                flags = [(m, m.training) for m in self.replica.modules()]
                try:
                    if self.mode is MeasureMode.EVAL:
                        self.replica.eval()
                    elif self.mode is MeasureMode.TRAIN:
                        self.replica.train()
                    return self._reader(self.x, name="quadrature.points")
                finally:
                    for m, flag in flags:
                        m.training = flag
            with measurement_mode(self.replica, self.mode):
                return self._reader(self.x, name="quadrature.points")

    def features(self) -> dict[str, torch.Tensor]:
        """The neuron functions ``(m, n)`` of each layer at the model's current parameters."""
        self.sync()
        return self.replica_features()

    def grams(self, features: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        """``D^T W D`` (symmetrised, float64) of each layer's features."""
        return weighted_grams(features, self.w)

    def __call__(self) -> dict[str, np.ndarray]:
        """The Gram matrix of each layer at the model's current parameters, float64."""
        return self.grams(self.features())


def weighted_grams(features: Mapping[str, torch.Tensor], weights: torch.Tensor) -> dict[str, np.ndarray]:
    """``{layer: D^T W D}`` (float64 numpy, symmetrised) of torch features ``D (m, n)``, one GEMM each.

    ``weights`` is the ``(m, 1)`` float64 column of quadrature weights (paper 000 eq. 4.1); the
    features are cast to float64 on their device first. :class:`GramEvaluator` and the Monitor's
    training-forward path both reduce their features here.
    """
    out: dict[str, np.ndarray] = {}
    for name, feats in features.items():
        d = feats.to(torch.float64)
        m = d.T @ (weights.to(d.device) * d)
        out[name] = (0.5 * (m + m.T)).cpu().numpy()
    return out
