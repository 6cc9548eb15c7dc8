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
  (``Theta = sum_g J_g J_g^T``, each group recomputes the derivatives): :mod:`rankscope.matrices.ntk_recipe`.
* ``"layerwise"``: the per-layer form of ``rankscope.matrices.ntk_layerwise`` (no J), for
  ``rankscope.nets.MLP`` and ``nn.Sequential`` of ``nn.Linear`` and elementwise activations.
* ``"auto"``: ``"layerwise"`` when the model is supported, else ``"recipe"``.

The result is a :class:`~rankscope.matrices.ntk_matrix.ResidualNTK`. Everything is computed in float64
on a float64 copy of the model (the model is never mutated).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from rankscope._checks import check_choice, describe
from rankscope.matrices.ntk_matrix import ResidualNTK
from rankscope.matrices.ntk_recipe import recipe_theta
from rankscope.nets.modes import MeasureMode, measurement_mode
from rankscope.operators.differential import DifferentialOperator, as_operator, check_points
from rankscope.operators.standard_operators import identity

__all__ = ["NTK_METHODS", "output_ntk", "residual_ntk"]

NTK_METHODS = ("auto", "recipe", "layerwise")


# ----------------------------------------------------------------------------------------------
# validation


def _float64_copy(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module mapping (N, d) to (N, 1); got {describe(model)}")
    return copy.deepcopy(model).to(torch.float64)


def _check_scalar_output(model64: nn.Module, dim: int) -> None:
    with torch.no_grad():
        device = next((p.device for p in model64.parameters()), torch.device("cpu"))
        out = model64(torch.zeros(1, dim, dtype=torch.float64, device=device))
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
