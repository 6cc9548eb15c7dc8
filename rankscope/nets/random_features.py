"""Random-feature models with a partition of unity (RFM) and without one (ELM), paper 000 Sec. 4.2.

Paper 000 (Sec. 4.2 "Partial of Unity", Example 4.3) writes the
random feature method (RFM, its ref. [2], Chen, E and Luo) as

    u_R(x) = sum_{i=1}^{P} psi_i(x) sum_{j=1}^{J} u_ij phi_ij(x),     psi_i = 1_{Omega_i},

with ``Omega_1..Omega_P`` disjoint subdomains covering ``Omega`` and ``phi_ij`` random features that
live on ``Omega_i``; the extreme learning machine (ELM, ref. [17]) ``u_E(x) = sum_j u_j phi_j(x)``
is the case of one subdomain. Only the outer coefficients ``u_ij`` are computed, by least squares.

The features follow the RFM paper: with ``c_i`` the centre and ``h_i`` the half-widths of the box
``Omega_i``, the local variable ``xi = (x - c_i) / h_i`` lies in ``[-1, 1]^d`` and

    phi_ij(x) = sigma(k_ij . xi + b_ij),   k_ij ~ U(-s, s)^d,  b_ij ~ U(-s_b, s_b),

with ``s = weight_scale`` and ``s_b = bias_scale`` (default ``s``). The paper does not give the
ranges; they are arguments here. The indicator functions ``psi_i`` form a partition of unity
(:mod:`rankscope.nets.partition_of_unity`): every point of ``Omega`` belongs to exactly one subdomain.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch

from rankscope._checks import _to_numpy, as_matrix, check_positive_int, describe
from rankscope.linalg import eps_rank as _eps_rank
from rankscope.linalg.gram import gram_from_features
from rankscope.linalg.types import MatrixLike, VectorLike
from rankscope.nets.activations import ACTIVATIONS
from rankscope.nets.activations import activation as _activation
from rankscope.nets.partition_of_unity import Partition, _subdomain_index, _subdomains
from rankscope.sampling.domains import Domain, as_box
from rankscope.sampling.quadrature import Quadrature

__all__ = ["SOLVERS", "RandomFeatureModel"]

SOLVERS: tuple[str, ...] = ("lstsq", "truncated_svd")
"""Least-squares solvers of :meth:`RandomFeatureModel.fit` (see the class docstring)."""


class RandomFeatureModel:
    """Random features with an optional partition of unity; outer weights by least squares.

    scikit-learn style: ``fit(x, y)``, ``predict(x)``, ``score(x, y)`` (the coefficient of
    determination R^2, as in scikit-learn), plus ``relative_l2_error``, ``features``, ``gram`` and
    ``eps_rank``. Computation is in float64 (numpy/scipy); inputs may be numpy arrays or tensors.

    Args:
        n_features: total number of features ``N = P * J``; must be divisible by the number ``P`` of
            subdomains.
        domain: ``Interval``, ``Box`` or ``(low, high)`` of dimension d.
        activation: name of the activation sigma (see ``rankscope.nets.ACTIVATIONS``).
        partition: ``None`` (one subdomain: ELM), a tuple of d ints (a grid of equal boxes; paper
            000 Example 4.3 uses ``(3, 3)``) or a sequence of boxes that must cover the domain with
            disjoint interiors.
        weight_scale: ``s``, the inner weights are ``U(-s, s)`` on the local variable.
        bias_scale: ``s_b``, the inner biases are ``U(-s_b, s_b)``; default ``weight_scale``.
        seed: seed of ``numpy.random.default_rng`` drawing the inner parameters.
        solver: how ``fit`` solves the least-squares problem ``min ||sqrt(w) (D u - y)||``:

            - ``"lstsq"`` (default): ``scipy.linalg.lstsq`` (LAPACK ``gelsd``, SVD-based), the
              minimum-norm solution using every singular value above ``rcond * sigma_max``.
            - ``"truncated_svd"``: the SVD ``sqrt(w) D = U S V^T`` keeping only the singular values
              with ``sigma^2 > truncation_eps``. With quadrature weights ``w`` the ``sigma^2`` are the
              eigenvalues of the discrete mass matrix ``D^T W D`` (eq. 4.1), so the fit uses exactly
              ``eps_rank`` directions: the eps-linearly independent part of the features (Def. 2.3).

            Both cost one SVD of the (m, N) matrix, ``O(m N^2)``.
        rcond: cut-off of ``scipy.linalg.lstsq`` (``cond``, relative); ``None`` is scipy's default.
        truncation_eps: absolute threshold of ``"truncated_svd"`` (paper 000 uses eps = 1e-6).

    Attributes:
        subdomains: the boxes ``Omega_i``; ``features_per_subdomain``: ``J``;
        inner_weights: (P, J, d); inner_biases: (P, J); after ``fit``: ``coef_`` (N,),
        ``rank_`` (the number of singular directions the solver used), ``singular_values_``.

    Example:
        >>> from rankscope.sampling import Box
        >>> m = RandomFeatureModel(90, Box((-1.0, -1.0), (1.0, 1.0)), partition=(3, 3), seed=0)
        >>> x = np.random.default_rng(0).uniform(-1, 1, (400, 2))
        >>> _ = m.fit(x, np.cos(x[:, 0]) * np.cos(x[:, 1]))
        >>> m.features(x).shape, m.relative_l2_error(x, np.cos(x[:, 0]) * np.cos(x[:, 1])) < 1e-2
        ((400, 90), True)
    """

    def __init__(
        self,
        n_features: int,
        domain: Domain,
        *,
        activation: str = "tanh",
        partition: Partition = None,
        weight_scale: float = 1.0,
        bias_scale: float | None = None,
        seed: int = 0,
        solver: str = "lstsq",
        rcond: float | None = None,
        truncation_eps: float = 1e-6,
    ) -> None:
        self.n_features = check_positive_int("n_features", n_features)
        self.domain = as_box(domain)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
        self.activation = activation
        self.subdomains = _subdomains(self.domain, partition)
        n_sub = len(self.subdomains)
        if self.n_features % n_sub:
            raise ValueError(
                f"n_features must be divisible by the number of subdomains {n_sub}; got {self.n_features}"
            )
        self.features_per_subdomain = self.n_features // n_sub
        self.weight_scale = _positive("weight_scale", weight_scale)
        self.bias_scale = self.weight_scale if bias_scale is None else _nonneg("bias_scale", bias_scale)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be a non-negative integer; got {describe(seed)}")
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer; got {seed}")
        self.seed = int(seed)
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {list(SOLVERS)}; got {solver!r}")
        self.solver = solver
        self.rcond = None if rcond is None else _nonneg("rcond", rcond)
        self.truncation_eps = _nonneg("truncation_eps", truncation_eps)
        rng = np.random.default_rng(self.seed)
        d, jj = self.domain.dim, self.features_per_subdomain
        s, sb = self.weight_scale, self.bias_scale
        self.inner_weights = rng.uniform(-s, s, (n_sub, jj, d))
        self.inner_biases = rng.uniform(-sb, sb, (n_sub, jj)) if sb > 0 else np.zeros((n_sub, jj))
        self.centres = np.array([0.5 * (np.asarray(b.lows) + b.highs) for b in self.subdomains])
        self.half_widths = np.array([0.5 * np.asarray(b.widths) for b in self.subdomains])
        self._sigma = _activation(activation)
        self.coef_: np.ndarray | None = None
        self.rank_: int | None = None
        self.singular_values_: np.ndarray | None = None

    # -- evaluation ---------------------------------------------------------------------------

    def _points(self, x: MatrixLike) -> np.ndarray:
        arr = _to_numpy("x", x)
        if arr.ndim == 1 and self.domain.dim == 1:
            arr = arr[:, None]
        arr = as_matrix("x", arr)
        if arr.shape[1] != self.domain.dim:
            raise ValueError(
                f"x must have shape (m, {self.domain.dim}) for the {self.domain.dim}-D domain; "
                f"got shape {arr.shape}"
            )
        return arr

    def subdomain_index(self, x: MatrixLike) -> np.ndarray:
        """Index ``i`` of the subdomain each point belongs to (the first listed that holds it), (m,)."""
        return _subdomain_index(self.domain, self.subdomains, self._points(x))

    def features(self, x: MatrixLike) -> np.ndarray:
        """The feature matrix ``D_{k, iJ+j} = psi_i(x_k) phi_ij(x_k)``, (m, N) float64."""
        pts = self._points(x)
        index = self.subdomain_index(pts)
        jj = self.features_per_subdomain
        out = np.zeros((pts.shape[0], self.n_features))
        for i in range(len(self.subdomains)):
            rows = index == i
            if not rows.any():
                continue
            xi = (pts[rows] - self.centres[i]) / self.half_widths[i]
            z = xi @ self.inner_weights[i].T + self.inner_biases[i]
            with torch.no_grad():
                out[np.ix_(rows, np.arange(i * jj, (i + 1) * jj))] = self._sigma(torch.from_numpy(z)).numpy()
        return out

    def fit(
        self, x: MatrixLike, y: VectorLike, sample_weight: VectorLike | None = None
    ) -> RandomFeatureModel:
        """Outer weights by least squares: ``min_u sum_k w_k (D u - y)_k^2`` (``w = 1`` by default).

        Solved on ``sqrt(w) D`` by the model's ``solver`` (see the class docstring); pass quadrature
        weights to minimise the discrete L2(Omega) norm. Sets ``coef_``, ``rank_`` (the number of
        singular directions used) and ``singular_values_``; returns ``self``.
        """
        pts = self._points(x)
        target = self._target("y", y, pts.shape[0])
        d = self.features(pts)
        if sample_weight is not None:
            w = self._target("sample_weight", sample_weight, pts.shape[0])
            if np.any(w < 0):
                raise ValueError(f"sample_weight must be non-negative; got min {w.min():.3e}")
            sw = np.sqrt(w)
            d, target = d * sw[:, None], target * sw
        if self.solver == "lstsq":
            coef, _, rank, sv = scipy.linalg.lstsq(d, target, cond=self.rcond, lapack_driver="gelsd")
        else:
            u, sv, vt = scipy.linalg.svd(d, full_matrices=False, lapack_driver="gesdd")
            keep = sv**2 > self.truncation_eps
            coef = vt[keep].T @ ((u[:, keep].T @ target) / sv[keep])
            rank = int(np.count_nonzero(keep))
        self.coef_, self.rank_, self.singular_values_ = np.asarray(coef), int(rank), np.asarray(sv)
        return self

    @staticmethod
    def _target(name: str, y: VectorLike, m: int) -> np.ndarray:
        arr = _to_numpy(name, y)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.shape != (m,):
            raise ValueError(
                f"{name} must have shape ({m},) or ({m}, 1), one value per point; got {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite; got NaN or Inf entries")
        return arr

    def predict(self, x: MatrixLike) -> np.ndarray:
        """``u(x_k) = sum_i psi_i(x_k) sum_j u_ij phi_ij(x_k)``, (m,) float64."""
        if self.coef_ is None:
            raise ValueError("this RandomFeatureModel is not fitted yet; call fit(x, y) first")
        out: np.ndarray = self.features(x) @ self.coef_
        return out

    def score(self, x: MatrixLike, y: VectorLike) -> float:
        """Coefficient of determination ``R^2 = 1 - sum (y - u)^2 / sum (y - mean y)^2`` (scikit-learn's)."""
        pred = self.predict(x)
        target = self._target("y", y, pred.shape[0])
        ss_res = float(np.sum((target - pred) ** 2))
        ss_tot = float(np.sum((target - target.mean()) ** 2))
        return 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)

    def relative_l2_error(self, x: MatrixLike, y: VectorLike, weights: VectorLike | None = None) -> float:
        """``sqrt(sum_k w_k (u(x_k) - y_k)^2 / sum_k w_k y_k^2)``; with quadrature weights the relative
        L2(Omega) error ``||u - y|| / ||y||`` (``w = 1`` by default)."""
        pred = self.predict(x)
        target = self._target("y", y, pred.shape[0])
        w = np.ones_like(target) if weights is None else self._target("weights", weights, pred.shape[0])
        den = float(np.sum(w * target**2))
        if den <= 0:
            raise ValueError("relative_l2_error needs a target y that is not zero at every point")
        return float(np.sqrt(np.sum(w * (pred - target) ** 2) / den))

    def gram(self, quadrature: Quadrature) -> np.ndarray:
        """Mass matrix ``M = D^T W D`` of the N features on a quadrature (paper 000 eq. 4.1), (N, N).

        With a partition of unity it is block diagonal (the supports are disjoint); a quadrature whose
        panels follow the subdomains (``gauss_legendre(domain, n, panels=...)``) integrates each
        block without crossing a jump of ``psi_i``.
        """
        points = getattr(quadrature, "points", None)
        weights = getattr(quadrature, "weights", None)
        if points is None or weights is None:
            raise TypeError(f"quadrature must be a rankscope.sampling.Quadrature; got {describe(quadrature)}")
        return gram_from_features(self.features(points), weights)

    def eps_rank(self, quadrature: Quadrature, eps: float = 1e-6) -> int:
        """The eps-rank (paper 000 Def. 2.5) of the features' mass matrix on ``quadrature``."""
        return _eps_rank(self.gram(quadrature), eps)

    def __repr__(self) -> str:
        return (
            f"RandomFeatureModel(n_features={self.n_features}, subdomains={len(self.subdomains)}, "
            f"activation={self.activation!r}, weight_scale={self.weight_scale}, seed={self.seed}, "
            f"solver={self.solver!r})"
        )


def _nonneg(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number >= 0; got {describe(value)}")
    v = float(value)
    if not (np.isfinite(v) and v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return v


def _positive(name: str, value: object) -> float:
    v = _nonneg(name, value)
    if v == 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return v
