"""Empirical neural tangent kernel of a PINN residual (paper 002, Lemma 3.1, eq. (14)).

For a network ``u(x; theta)`` with ``N_p`` parameters, a linear operator ``L``
(:class:`rankscope.operators.differential.DifferentialOperator`), collocation points ``x_i``
(``i <= N_c``) and boundary points ``s_j`` (``j <= N_b``), let ``J_u = d(L u(x_i))/d theta``
(``N_c x N_p``) and ``J_b = d u(s_j)/d theta`` (``N_b x N_p``), ``Theta = [J_u; J_b][J_u; J_b]^T``.
Paper 002 eq. (14), derived in its Appendix B from the gradient flow
(11) of the loss (8)::

    K = [[K_uu, K_ub], [K_bu, K_bb]] = Theta S,   S = diag(1/N_c, ..., 1/N_c, lam/N_b, ..., lam/N_b)
    K_uu = Theta_uu / N_c,   K_ub = (lam / N_b) Theta_ub,   K_bb = (lam / N_b) Theta_bb,
    K_bu = (N_b / lam) (1 / N_c) K_ub^T = Theta_ub^T / N_c.

(The converted text gives the index ranges of K_bu as those of K_ub; K_bu is ``N_b x N_c``.) K is not
symmetric but is similar to ``S^1/2 Theta S^1/2``, whose eigenvalues are real and >= 0.

Implementations (``method``), cross-tested against each other:

* ``"recipe"``: the torch.func recipe — per-sample ``jacrev`` of the residual over the parameters under
  ``vmap``, concatenated into J, then ``J J^T``. Any ``nn.Module``. Memory ``N x N_p`` floats; when that
  exceeds ``memory_budget`` bytes (8 GiB), J is formed one group of parameter tensors at a time
  (``Theta = sum_g J_g J_g^T``, each group recomputes the derivatives).
* ``"layerwise"``: the per-layer form of ``rankscope.matrices.ntk_layerwise`` (no J), for
  ``rankscope.nets.MLP`` and ``nn.Sequential`` of ``nn.Linear`` and elementwise activations.
* ``"auto"``: ``"layerwise"`` when the model is supported, else ``"recipe"``.

Everything is computed in float64 on a float64 copy of the model (the model is never mutated).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from rankscope._checks import check_choice, describe
from rankscope.nets.modes import MeasureMode, measurement_mode
from rankscope.operators.differential import (
    DifferentialOperator,
    as_operator,
    check_points,
    identity,
    point_derivatives,
)

__all__ = ["NTK_METHODS", "ResidualNTK", "output_ntk", "residual_ntk"]

NTK_METHODS = ("auto", "recipe", "layerwise")
DEFAULT_MEMORY_BUDGET = 8 * 1024**3  # bytes of J the recipe may hold at once
_VMAP_BUDGET = 1024**3  # bytes of vmap(jacrev(...)) temporaries per chunk of rows
_INTERMEDIATE_COPIES = 8  # rough count of (rows x P) temporaries inside vmap(jacrev(...))


@dataclass(frozen=True)
class ResidualNTK:
    """The NTK matrix K of paper 002 eq. (14), float64, with the paper's scalings (not symmetric).

    Attributes:
        K: ``(N_c + N_b, N_c + N_b)`` float64 array; rows/columns ``[:N_c]`` interior, ``[N_c:]`` boundary.
        n_interior: N_c. n_boundary: N_b (0 when no boundary points were given). lam: lambda of eq. (8).

    Example:
        >>> from rankscope.nets import MLP
        >>> from rankscope.operators.differential import negative_laplacian
        >>> x = torch.linspace(-1, 1, 8)[:, None]
        >>> ntk = residual_ntk(MLP(1, 8, 2), negative_laplacian(1), x, torch.tensor([[-1.0], [1.0]]))
        >>> ntk.K.shape, ntk.K_bu.shape, bool(ntk.eigenvalues().min() > -1e-12)
        ((10, 10), (2, 8), True)
    """

    K: np.ndarray
    n_interior: int
    n_boundary: int
    lam: float

    @property
    def K_uu(self) -> np.ndarray:
        return self.K[: self.n_interior, : self.n_interior]

    @property
    def K_ub(self) -> np.ndarray:
        return self.K[: self.n_interior, self.n_interior :]

    @property
    def K_bu(self) -> np.ndarray:
        return self.K[self.n_interior :, : self.n_interior]

    @property
    def K_bb(self) -> np.ndarray:
        return self.K[self.n_interior :, self.n_interior :]

    def scaling(self) -> np.ndarray:
        """The diagonal of S: ``1/N_c`` on interior rows, ``lam/N_b`` on boundary rows."""
        s = np.full(self.n_interior + self.n_boundary, 1.0 / self.n_interior)
        if self.n_boundary:
            s[self.n_interior :] = self.lam / self.n_boundary
        return s

    def symmetrised(self) -> np.ndarray:
        """``S^1/2 Theta S^1/2 = S^1/2 K S^-1/2`` (symmetric, similar to K), a new array."""
        r = np.sqrt(self.scaling())
        sym = (r[:, None] * self.K) / r[None, :]
        return 0.5 * (sym + sym.T)

    def eigenvalues(self) -> np.ndarray:
        """All eigenvalues of K (real, since K is similar to ``S^1/2 Theta S^1/2``), descending."""
        return np.linalg.eigvalsh(self.symmetrised())[::-1].copy()

    def top_eigenvalues(self, k: int, **kwargs: object) -> np.ndarray:
        """The k largest eigenvalues of K, matrix-free on the symmetrised form (no copy of K).

        Uses ``rankscope.linalg.top_eigenvalues`` with the matvec ``v -> S^1/2 K S^-1/2 v``;
        ``kwargs`` are passed on (method, tol, seed, maxiter).
        """
        from rankscope.linalg import top_eigenvalues

        r = np.sqrt(self.scaling())
        K = self.K

        def matvec(v: np.ndarray) -> np.ndarray:
            return r * (K @ (v / r))

        return top_eigenvalues(matvec, k, n=K.shape[0], **kwargs)  # type: ignore[arg-type]

    def frobenius(self, block: str = "K") -> float:
        """Frobenius norm of ``block``: one of ``"K"``, ``"uu"``, ``"ub"``, ``"bu"``, ``"bb"``."""
        check_choice("block", block, ("K", "uu", "ub", "bu", "bb"))
        mat = self.K if block == "K" else getattr(self, f"K_{block}")
        return float(np.linalg.norm(mat))


# ----------------------------------------------------------------------------------------------
# validation


def _float64_copy(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module mapping (N, d) to (N, 1); got {describe(model)}")
    return copy.deepcopy(model).to(torch.float64)


def _check_scalar_output(model64: nn.Module, dim: int) -> None:
    with torch.no_grad():
        out = model64(torch.zeros(1, dim, dtype=torch.float64))
    if out.numel() != 1:
        raise ValueError(
            f"model must have a scalar output per point (shape (N,) or (N, 1)); got output shape "
            f"{tuple(out.shape)} for one point of dimension {dim}"
        )


def _points(name: str, x: object, dim: int) -> torch.Tensor:
    return check_points(name, x, dim).detach().to(torch.float64)


def _check_lam(lam: object) -> float:
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)):
        raise TypeError(f"lam must be a positive real number; got {describe(lam)}")
    if not np.isfinite(lam) or lam <= 0:
        raise ValueError(f"lam must be a finite real number > 0 (boundary weight of eq. (8)); got {lam!r}")
    return float(lam)


# ----------------------------------------------------------------------------------------------
# the torch.func recipe


def _residual_fn(
    model64: nn.Module, op: DifferentialOperator
) -> Callable[[dict[str, torch.Tensor], dict[str, torch.Tensor], torch.Tensor, torch.Tensor], torch.Tensor]:
    """``(params, frozen, x (d,), c (n_terms,)) -> sum_k c_k D^alpha_k u(x; params)`` for one point."""
    buffers = dict(model64.named_buffers())
    alphas = [t.alpha for t in op.terms]

    def residual(
        params: dict[str, torch.Tensor], frozen: dict[str, torch.Tensor], x: torch.Tensor, c: torch.Tensor
    ) -> torch.Tensor:
        def u(p: torch.Tensor) -> torch.Tensor:
            return functional_call(model64, {**frozen, **params, **buffers}, (p[None, :],)).reshape(())

        return (c * point_derivatives(u, alphas)(x)).sum()

    return residual


def _param_groups(params: dict[str, torch.Tensor], n_rows: int, budget: int) -> list[list[str]]:
    """Parameter names in groups whose Jacobian (``n_rows x size`` float64) fits ``budget`` bytes."""
    groups: list[list[str]] = [[]]
    size = 0
    for name, p in params.items():
        need = n_rows * p.numel() * 8
        if groups[-1] and size + need > budget:
            groups.append([])
            size = 0
        groups[-1].append(name)
        size += need
    return groups


def _recipe_jacobian(
    model64: nn.Module,
    op: DifferentialOperator,
    x: torch.Tensor,
    names: list[str],
    params: dict[str, torch.Tensor],
    budget: int,
) -> torch.Tensor:
    """Rows ``d (L u)(x_i) / d theta_g`` for the parameters ``names``: shape ``(N, P_g)``."""
    residual = _residual_fn(model64, op)
    mine = {n: params[n] for n in names}
    frozen = {n: p for n, p in params.items() if n not in mine}
    coeffs = op.coefficients(x).T.contiguous()  # (N, n_terms)
    n_params = sum(p.numel() for p in mine.values())
    # vmap's intermediates hold a few (rows x P_g) tensors: map in chunks of rows that keep them bounded
    rows = max(1, min(budget, _VMAP_BUDGET) // (_INTERMEDIATE_COPIES * 8 * n_params))
    chunk = None if rows >= x.shape[0] else rows
    per_sample = vmap(jacrev(residual, argnums=0), in_dims=(None, None, 0, 0), chunk_size=chunk)
    jac = per_sample(mine, frozen, x, coeffs)
    return torch.cat([jac[n].reshape(x.shape[0], -1) for n in names], dim=1)


def recipe_theta(
    model64: nn.Module,
    blocks: list[tuple[DifferentialOperator, torch.Tensor]],
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> torch.Tensor:
    """``Theta = J J^T`` with ``J = [J_1; J_2; ...]``, ``J_k`` the residual Jacobian of ``blocks[k]``.

    ``blocks`` pairs an operator with its points. J is formed per group of parameter tensors so that a
    group's rows take at most ``memory_budget`` bytes (one group when it all fits).
    """
    params = {n: p.detach() for n, p in model64.named_parameters()}
    n_rows = sum(x.shape[0] for _, x in blocks)
    theta = torch.zeros(n_rows, n_rows, dtype=torch.float64)
    for names in _param_groups(params, n_rows, memory_budget):
        jac = torch.cat([_recipe_jacobian(model64, op, x, names, params, memory_budget) for op, x in blocks])
        theta.addmm_(jac, jac.T)
        del jac
    return theta


# ----------------------------------------------------------------------------------------------
# public entry points


def _resolve_method(method: object, model64: nn.Module) -> str:
    from rankscope.matrices.ntk_layerwise import layerwise_supported

    check_choice("method", method, NTK_METHODS)
    supported = layerwise_supported(model64)
    if method == "layerwise" and not supported:
        raise ValueError(
            "method='layerwise' needs a rankscope.nets.MLP (not residual) or an nn.Sequential of nn.Linear "
            f"and elementwise activations ending in nn.Linear(., 1); got {type(model64).__name__}. "
            "Use method='recipe' (any model)."
        )
    if method == "auto":
        return "layerwise" if supported else "recipe"
    return str(method)


def _theta(
    model64: nn.Module, blocks: list[tuple[DifferentialOperator, torch.Tensor]], method: str
) -> torch.Tensor:
    if method == "layerwise":
        from rankscope.matrices.ntk_layerwise import layerwise_theta

        return layerwise_theta(model64, blocks)
    return recipe_theta(model64, blocks)


def residual_ntk(
    model: nn.Module,
    operator: DifferentialOperator,
    interior: torch.Tensor,
    boundary: torch.Tensor | None = None,
    *,
    lam: float = 1.0,
    method: str = "auto",
    mode: MeasureMode | str = "eval",
) -> ResidualNTK:
    """The NTK matrix K of paper 002 Lemma 3.1, eq. (14), for the residual of ``operator``.

    Interior rows: ``r_pde(x_i) = L u(x_i)`` (eq. (9)); boundary rows: ``r_b(s_j) = u(s_j)`` (eq. (10));
    K = Theta S with the scalings of eq. (14) (see the module docstring). Float64 throughout.

    Args:
        model: ``nn.Module`` mapping ``(N, d)`` to ``(N, 1)`` or ``(N,)`` (scalar output).
        operator: a :class:`DifferentialOperator` of dimension d (e.g. ``negative_laplacian(d)``).
        interior: collocation points, shape ``(N_c, d)``, ``N_c >= 1``.
        boundary: boundary points, shape ``(N_b, d)``, or None (``N_b = 0``: K = K_uu).
        lam: boundary weight lambda > 0 of the loss (8).
        method: ``"auto"``, ``"recipe"`` or ``"layerwise"`` (module docstring).
        mode: train/eval mode of the measured copy (``rankscope.nets.measurement_mode``): ``"eval"``
            (default), ``"train"`` or ``"as_is"``; the model's flags and the global RNG are untouched.

    Returns:
        :class:`ResidualNTK`.
    """
    op = as_operator("operator", operator)
    x = _points("interior", interior, op.dim)
    s = None if boundary is None else _points("boundary", boundary, op.dim)
    lam = _check_lam(lam)
    model64 = _float64_copy(model)
    with measurement_mode(model64, mode):
        _check_scalar_output(model64, op.dim)
        meth = _resolve_method(method, model64)
        blocks = [(op, x)] + ([] if s is None else [(identity(op.dim), s)])
        theta = _theta(model64, blocks, meth).numpy()
    ntk = ResidualNTK(theta, x.shape[0], 0 if s is None else s.shape[0], lam)
    theta *= ntk.scaling()[None, :]  # K = Theta S (column scaling), in place
    return ntk


def output_ntk(
    model: nn.Module, x: torch.Tensor, *, method: str = "auto", mode: MeasureMode | str = "eval"
) -> np.ndarray:
    """The plain empirical NTK ``Theta_ij = sum_l du(x_i)/dtheta_l du(x_j)/dtheta_l``, float64 ``(N, N)``.

    Args:
        model: scalar-output ``nn.Module``. x: points ``(N, d)``. method, mode: as in
        :func:`residual_ntk`.

    Example:
        >>> from rankscope.nets import MLP
        >>> output_ntk(MLP(2, 8, 2), torch.rand(5, 2)).shape
        (5, 5)
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError(f"x must be a tensor of points of shape (N, d); got {describe(x)}")
    pts = _points("x", x, x.shape[1])
    model64 = _float64_copy(model)
    with measurement_mode(model64, mode):
        _check_scalar_output(model64, pts.shape[1])
        meth = _resolve_method(method, model64)
        return _theta(model64, [(identity(pts.shape[1]), pts)], meth).numpy()
