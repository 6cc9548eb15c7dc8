"""Low-dimensional structure of final features: classification dimension and independence deficit.

paper 004:

- Sec. 3.3, eq. (6), Alg. A3, Table 2, Fig. 2: the *classification dimension*
  ``ClsDim = min{k : E[1{cls(Pro_k(F(x))) == y}] >= (1 - eps) acc_full}``, where ``Pro_k`` projects
  onto the span of the top-k eigenvectors of the covariance of the final features ``F(x)``. Eq. (6)
  prints the bound as ``1 - eps``; Table 2 ("with respect to 95% classification performance of the
  ambient feature space") and Alg. A3 (``acc >= acc_ratio * acc_ori``) make it relative to the full
  accuracy, which we follow. As in Alg. A3 the projection is onto the linear subspace through the
  origin (the raw features are projected, not the centred ones); ``centre_projection=True`` gives the
  affine variant.
- Sec. 5, eq. (11)-(12), Alg. A4, Fig. 4: the *independence deficit*. For a target class i, the Lasso
  ``min_lambda E[(logit_i - sum_{j != i} lambda_j logit_j)^2] + eta ||lambda||_1`` (eq. (11) with
  ``lambda_i = -1``) gives a sparse set of classes whose logits decide logit i (eq. (12)). Solved with
  scikit-learn's ``Lasso(alpha=eta / 2, fit_intercept=False)``, whose objective
  ``(1/2n)||y - X w||^2 + alpha ||w||_1`` is eq. (11) divided by 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from rankscope._checks import as_matrix, check_choice, check_nonnegative, describe
from rankscope.linalg.types import MatrixLike, VectorLike

__all__ = [
    "ClsDimResult",
    "IndependenceDeficit",
    "accuracy_curve",
    "classification_dimension",
    "independence_deficit",
    "lasso_eta_max",
    "principal_directions",
]

Classifier = Callable[[torch.Tensor], torch.Tensor]


def _labels(labels: VectorLike, n: int) -> np.ndarray:
    y = np.asarray(labels.detach().cpu() if isinstance(labels, torch.Tensor) else labels)
    if y.ndim != 1 or y.shape[0] != n or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be {n} integer class labels (one per row); got {describe(y)}")
    return y.astype(np.int64)


def principal_directions(features: MatrixLike) -> np.ndarray:
    """Eigenvectors ``q^1..q^d`` of the feature covariance as columns, by decreasing eigenvalue (Sec. 3.3)."""
    x = as_matrix("features", features)
    xc = torch.from_numpy(x - x.mean(axis=0, keepdims=True))
    _, vecs = torch.linalg.eigh(xc.T @ xc)
    out: np.ndarray = vecs.flip(-1).numpy()
    return out


def _accuracy(classifier: Classifier, feats: np.ndarray, y: np.ndarray, dtype: torch.dtype) -> float:
    with torch.no_grad():
        logits = classifier(torch.from_numpy(feats).to(dtype))
    return float((logits.argmax(dim=-1).cpu().numpy() == y).mean())


def _projector(x: np.ndarray, q: np.ndarray, centre: bool) -> Callable[[int], np.ndarray]:
    mean = x.mean(axis=0, keepdims=True) if centre else np.zeros((1, x.shape[1]))
    coords = (x - mean) @ q  # coordinates on every principal direction, computed once

    def project(k: int) -> np.ndarray:
        out: np.ndarray = mean + coords[:, :k] @ q[:, :k].T
        return out

    return project


def accuracy_curve(
    features: MatrixLike,
    labels: VectorLike,
    classifier: Classifier,
    ks: Sequence[int],
    *,
    centre_projection: bool = False,
) -> np.ndarray:
    """Accuracy of ``classifier`` on ``Pro_k(features)`` for each k in ``ks`` (Fig. 2's curve)."""
    x = as_matrix("features", features)
    y = _labels(labels, x.shape[0])
    dtype = features.dtype if isinstance(features, torch.Tensor) else torch.float64
    project = _projector(x, principal_directions(x), centre_projection)
    out = []
    for k in ks:
        if isinstance(k, bool) or not 1 <= int(k) <= x.shape[1]:
            raise ValueError(f"ks must lie in 1..{x.shape[1]} (the feature dimension); got {k!r}")
        out.append(_accuracy(classifier, project(int(k)), y, dtype))
    return np.asarray(out)


@dataclass(frozen=True)
class ClsDimResult:
    """Classification dimension (eq. (6)) with the accuracies evaluated on the way."""

    dim: int
    ambient: int
    full_accuracy: float
    target_accuracy: float
    eps: float
    search: str
    evaluated: dict[int, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cls_dim": self.dim,
            "ambient_dim": self.ambient,
            "full_accuracy": self.full_accuracy,
            "target_accuracy": self.target_accuracy,
            "eps": self.eps,
            "search": self.search,
            "evaluated": {str(k): v for k, v in sorted(self.evaluated.items())},
        }


def classification_dimension(
    features: MatrixLike,
    labels: VectorLike,
    classifier: Classifier,
    *,
    eps: float = 0.05,
    search: Literal["binary", "linear"] = "binary",
    centre_projection: bool = False,
) -> ClsDimResult:
    """The classification dimension, eq. (6): the least k keeping ``(1 - eps)`` of the full accuracy.

    Args:
        features: ``(N, d)`` final features ``F(x)`` of validation samples.
        labels: ``(N,)`` integer labels.
        classifier: ``cls``, features ``(N, d)`` tensor -> logits ``(N, c)`` (e.g. the network's head).
        eps: allowed relative loss of accuracy (0.05 in Table 2), in [0, 1).
        search: ``"binary"`` (default; about log2(d) accuracy evaluations, exact when accuracy grows
            with k) or ``"linear"`` (Alg. A3: k = 1, 2, ... until the bound holds; d evaluations at
            worst, exact always).
        centre_projection: project ``F - mean`` and add the mean back (affine PCA) instead of Alg. A3's
            projection through the origin.

    Example:
        >>> x = np.zeros((4, 3)); x[:, 0] = [1, -1, 1, -1]; y = np.array([0, 1, 0, 1])
        >>> head = lambda f: torch.stack([f[:, 0], -f[:, 0]], dim=1)
        >>> classification_dimension(x, y, head).dim
        1
    """
    x = as_matrix("features", features)
    y = _labels(labels, x.shape[0])
    eps = check_nonnegative("eps", eps)
    if eps >= 1:
        raise ValueError(f"eps must be in [0, 1); got {eps!r}")
    check_choice("search", search, ("binary", "linear"))
    dtype = features.dtype if isinstance(features, torch.Tensor) else torch.float64
    d = x.shape[1]
    full = _accuracy(classifier, x, y, dtype)
    target = (1.0 - eps) * full
    project = _projector(x, principal_directions(x), centre_projection)
    seen: dict[int, float] = {}

    def ok(k: int) -> bool:
        if k not in seen:
            seen[k] = _accuracy(classifier, project(k), y, dtype)
        return seen[k] >= target

    if search == "linear":
        dim = next((k for k in range(1, d) if ok(k)), d)
    else:
        lo, hi = 1, d  # Pro_d is the identity: the bound holds at d
        while lo < hi:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid + 1
        dim = lo
    return ClsDimResult(dim, d, full, target, eps, search, seen)


@dataclass(frozen=True)
class IndependenceDeficit:
    """Lasso dependencies of one class's logit on the others (eq. (11)-(12)) and their accuracy."""

    target: int
    coefficients: np.ndarray  # (c,), lambda_j for j != target, 0 at the target
    support: tuple[int, ...]  # classes with lambda_j != 0, by decreasing |lambda_j|
    eta: float
    r2: float  # uncentred R^2 (no intercept): 1 - ||logit_i - eq.12||^2 / ||logit_i||^2, fitted samples
    accuracy: float  # top-1 accuracy with logit_i replaced by eq. (12), all samples
    original_accuracy: float
    positive_accuracy: float  # the same on the samples of class `target` only
    original_positive_accuracy: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "coefficients": [float(c) for c in self.coefficients],
            "support": list(self.support),
            "eta": self.eta,
            "r2": self.r2,
            "accuracy": self.accuracy,
            "original_accuracy": self.original_accuracy,
            "positive_accuracy": self.positive_accuracy,
            "original_positive_accuracy": self.original_positive_accuracy,
        }


def _split(logits: np.ndarray, y: np.ndarray, target: int, fit_on: str) -> tuple[np.ndarray, np.ndarray]:
    rows = y == target if fit_on == "class" else np.ones(len(y), dtype=bool)
    if not rows.any():
        raise ValueError(f"fit_on='class' needs samples of class {target}; labels have none")
    others = np.delete(logits[rows], target, axis=1)
    return others, logits[rows, target]


def _check_target(target: int, c: int) -> int:
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < c:
        raise ValueError(f"target must be a class index in 0..{c - 1}; got {target!r}")
    return int(target)


def lasso_eta_max(
    logits: MatrixLike, labels: VectorLike, target: int, *, fit_on: Literal["all", "class"] = "all"
) -> float:
    """The smallest ``eta`` of eq. (11) for which every ``lambda_j`` is 0: ``2 max_j |X_j^T y| / n``.

    Useful to scale the paper's ``eta = 20`` (chosen for ImageNet logits) to other data.
    """
    z = as_matrix("logits", logits)
    y = _labels(labels, z.shape[0])
    check_choice("fit_on", fit_on, ("all", "class"))
    xs, ys = _split(z, y, _check_target(target, z.shape[1]), fit_on)
    return float(2.0 * np.max(np.abs(xs.T @ ys)) / len(ys))


def independence_deficit(
    logits: MatrixLike,
    labels: VectorLike,
    target: int,
    *,
    eta: float,
    fit_on: Literal["all", "class"] = "all",
    max_iter: int = 100_000,
    tol: float = 1e-8,
) -> IndependenceDeficit:
    """Solve eq. (11) for class ``target`` and score eq. (12) in place of the true logit.

    Args:
        logits: ``(N, c)`` network logits.
        labels: ``(N,)`` integer labels (for the accuracies and ``fit_on="class"``).
        target: the class i whose logit is explained by the others.
        eta: the L1 weight of eq. (11) (the paper uses 20 on ImageNet logits), >= 0.
        fit_on: ``"all"`` samples (eq. (11): the expectation over the data) or only those of class
            ``target`` (the paper's Alg. A4).
        max_iter, tol: passed to ``sklearn.linear_model.Lasso``.

    Example:
        >>> rng = np.random.default_rng(0); z = rng.standard_normal((200, 4))
        >>> z[:, 3] = 2 * z[:, 0] - z[:, 1]
        >>> res = independence_deficit(z, z.argmax(1), 3, eta=1e-3)
        >>> res.support, np.round(res.coefficients, 2).tolist()
        ((0, 1), [2.0, -1.0, 0.0, 0.0])
    """
    from sklearn.linear_model import Lasso

    z = as_matrix("logits", logits)
    y = _labels(labels, z.shape[0])
    c = z.shape[1]
    target = _check_target(target, c)
    eta = check_nonnegative("eta", eta)
    check_choice("fit_on", fit_on, ("all", "class"))
    xs, ys = _split(z, y, target, fit_on)
    if eta == 0:
        coef = np.linalg.lstsq(xs, ys, rcond=None)[0]
    else:
        model = Lasso(alpha=eta / 2.0, fit_intercept=False, max_iter=max_iter, tol=tol)
        coef = model.fit(xs, ys).coef_
    full = np.insert(coef, target, 0.0)
    support = tuple(int(j) for j in np.argsort(-np.abs(full), kind="stable") if full[j] != 0.0)
    resid = ys - xs @ coef
    norm2 = float(np.sum(ys**2))
    r2 = 1.0 - float(np.sum(resid**2)) / norm2 if norm2 > 0 else float("nan")
    replaced = z.copy()
    replaced[:, target] = np.delete(z, target, axis=1) @ coef
    pred, orig = replaced.argmax(axis=1), z.argmax(axis=1)
    pos = y == target
    return IndependenceDeficit(
        target=target,
        coefficients=full,
        support=support,
        eta=eta,
        r2=r2,
        accuracy=float((pred == y).mean()),
        original_accuracy=float((orig == y).mean()),
        positive_accuracy=float((pred[pos] == target).mean()) if pos.any() else float("nan"),
        original_positive_accuracy=float((orig[pos] == target).mean()) if pos.any() else float("nan"),
    )
