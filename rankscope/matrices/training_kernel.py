"""The gradient-descent training kernel ``G`` of a PINN residual, by AD or by finite differences.

Paper 001 (Sec. 3.2, eq. 16-19): for the residual vector
``r(theta) = L_kappa phi(x; theta) - f(x)`` (``kappa`` = AD or FD) of a two-layer network
``phi(x; theta) = sum_j a_j sigma(w_j . x + b_j)``, gradient flow on ``L_F = ||r||^2`` gives
``dL_F/dt = -2 r^T G_kappa r`` with

    G_kappa = J J^T,    J = d r / d theta   (N x P, P = M (d + 2) parameters a, w, b),

which is eq. (19) written with the bias kept separate (the paper merges it into ``w`` by
``x -> (x, 1)``): ``G_AD = A_AD A_AD^T + (X A_3 D_3 Abar + 2 A_2 D_1 Abar)(...)^T + ...``.
``J`` is computed by ``torch.func.jacrev`` of the residual at the current parameters -- at any
point of training -- for the AD residual (exact derivatives, :func:`ad_matrix`) or the FD residual
(the stencil applied to the network's values on the grid with its ghost layers, eq. B.2.3, B.3.3,
B.4.3). Networks train in float32 as the paper's do (appendix B.1); spectra are taken in float64.

Parameters of a two-layer network are a dict ``{"a": (..., M), "w": (..., M, d), "b": (..., M)}``;
leading dimensions are independent runs (seeds) trained side by side. :func:`model_residual` and
:func:`model_jacobian` do the same for any ``nn.Module`` through ``rankscope.operators``. The
residual's data, :class:`PinnSpec`, is a problem description and lives in ``rankscope.problems.pinn``
(re-exported here).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, jacrev

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.linalg.spectrum import Spectrum
from rankscope.linalg.types import MatrixLike
from rankscope.matrices.activation_derivatives import activation_derivative
from rankscope.matrices.random_features import ad_matrix
from rankscope.nets.modes import MeasureMode, measurement_mode
from rankscope.operators.autodiff import derivative
from rankscope.operators.constant_coefficient import DiffOperator
from rankscope.operators.stencils import apply_stencil, stencil_for
from rankscope.problems.pinn import PinnSpec

__all__ = [
    "PinnSpec",
    "init_two_layer",
    "kernel_spectrum",
    "model_jacobian",
    "model_residual",
    "pinn_loss",
    "residual_jacobian",
    "training_kernel",
    "two_layer_boundary",
    "two_layer_residual",
]

Params = dict[str, torch.Tensor]


def init_two_layer(
    m: int, dim: int = 1, *, seed: int = 0, runs: int | None = None, dtype: torch.dtype = torch.float32
) -> Params:
    """Initial parameters: ``w_j ~ U([-1, 1]^d)``, ``b_j ~ U([-1, 1])`` (as the RFM, appendix B.1)
    and ``a_j ~ U(-1/sqrt(M), 1/sqrt(M))`` (PyTorch's default for an output layer of fan-in M).

    Args:
        m: neurons M; dim: input dimension d; seed: seed of a private generator;
        runs: if given, a leading dimension of ``runs`` independent draws.

    Example:
        >>> p = init_two_layer(4, 2, seed=0, runs=3)
        >>> p["a"].shape, p["w"].shape, p["b"].shape
        (torch.Size([3, 4]), torch.Size([3, 4, 2]), torch.Size([3, 4]))
    """
    m = check_positive_int("m", m)
    dim = check_positive_int("dim", dim)
    lead = () if runs is None else (check_positive_int("runs", runs),)
    gen = torch.Generator().manual_seed(int(seed))

    def u(*shape: int, bound: float = 1.0) -> torch.Tensor:
        return ((torch.rand(*lead, *shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound).to(dtype)

    w, b = u(m, dim), u(m)
    a = u(m, bound=1.0 / math.sqrt(m))
    return {"a": a, "w": w, "b": b}


def _values(x: torch.Tensor, params: Params, activation: str, op: DiffOperator | None = None) -> torch.Tensor:
    """``(L phi)(x)`` (or ``phi(x)`` with ``op=None``) for (batched) two-layer parameters: (..., n)."""
    if op is None:
        z = torch.matmul(params["w"], x.T).transpose(-1, -2) + params["b"].unsqueeze(-2)
        feats = activation_derivative(activation, z, 0)
    else:
        feats = ad_matrix(x, params["w"], params["b"], op, activation)
    return torch.matmul(feats, params["a"].unsqueeze(-1)).squeeze(-1)


def two_layer_residual(params: Params, spec: PinnSpec) -> torch.Tensor:
    """Residual ``r_i = (L_kappa phi)(x_i) - f(x_i)``, shape (..., N) (eq. 7-8, B.2.2-B.4.3).

    AD: ``A_AD(w, b) a - f`` with exact derivatives. FD: the stencil applied to
    ``phi`` on the grid with ghost layers, e.g. ``(phi_{i-1} - 2 phi_i + phi_{i+1}) / h^2 - f_i``.
    """
    if spec.method == "ad":
        return _values(spec.points, params, spec.activation, spec.operator) - spec.forcing
    st = stencil_for(spec.operator)
    u = _values(spec.ext_points, params, spec.activation)
    ext = tuple(n + 2 * st.radius for n in spec.grid_shape)
    lu = apply_stencil(st, u.reshape(*u.shape[:-1], *ext), spec.h)
    out: torch.Tensor = lu.reshape(*u.shape[:-1], -1) - spec.forcing
    return out


def two_layer_boundary(params: Params, spec: PinnSpec) -> list[torch.Tensor]:
    """``B phi(y_i)`` for each boundary operator, each of shape (..., Nb)."""
    return [_values(spec.boundary_points, params, spec.activation, op) for op in spec.boundary_operators]


def pinn_loss(params: Params, spec: PinnSpec) -> torch.Tensor:
    """The PINN loss of (B.2.2)-(B.4.3): ``mean_i r_i^2 + lambda sum_B mean_i (B phi(y_i))^2``, (...,)."""
    r = two_layer_residual(params, spec)
    loss = (r**2).mean(-1)
    for bv in two_layer_boundary(params, spec):
        loss = loss + spec.bc_weight * (bv**2).mean(-1)
    return loss


def _flat(params: Params) -> tuple[torch.Tensor, list[tuple[str, torch.Size]]]:
    layout = [(k, params[k].shape) for k in ("a", "w", "b")]
    return torch.cat([params[k].reshape(-1) for k in ("a", "w", "b")]), layout


def residual_jacobian(params: Params, spec: PinnSpec) -> torch.Tensor:
    """``J = d r / d theta`` of one network (no batch dimension), shape (N, P), columns ``a, w, b``.

    Computed by ``torch.func.jacrev`` in the parameters' dtype (float32 for the paper's networks).
    """
    if params["a"].ndim != 1:
        raise ValueError(
            f"params must be one network (a of shape (M,)); got a of shape {tuple(params['a'].shape)}"
        )
    flat, layout = _flat(params)

    def r_of(theta: torch.Tensor) -> torch.Tensor:
        out, i = {}, 0
        for k, shape in layout:
            n = int(np.prod(shape))
            out[k] = theta[i : i + n].reshape(shape)
            i += n
        return two_layer_residual(out, spec)

    result: torch.Tensor = jacrev(r_of)(flat.detach())
    return result


def model_residual(model: nn.Module, spec: PinnSpec) -> torch.Tensor:
    """Residual of any network ``model: (n, d) -> (n, 1)``: AD by ``rankscope.operators.derivative``
    (torch.func), FD by the stencil on the model's values on the extended grid. Shape (N,)."""
    if spec.method == "ad":
        lu = sum(c * derivative(model, spec.points, alpha) for c, alpha in spec.operator.terms)
        return lu - spec.forcing
    st = stencil_for(spec.operator)
    u = model(spec.ext_points).reshape(-1)
    ext = tuple(n + 2 * st.radius for n in spec.grid_shape)
    out: torch.Tensor = apply_stencil(st, u.reshape(ext), spec.h).reshape(-1) - spec.forcing
    return out


def model_jacobian(model: nn.Module, spec: PinnSpec, *, mode: MeasureMode | str = "eval") -> torch.Tensor:
    """``d r / d theta`` of an ``nn.Module``'s residual, (N, P) over ``model.named_parameters()``.

    Measured in ``mode`` (``rankscope.nets.measurement_mode``, eval by default); the model's flags
    and the global RNG are restored afterwards.
    """
    names = [n for n, _ in model.named_parameters()]
    params = {n: p.detach() for n, p in model.named_parameters()}

    def r_of(p: dict[str, torch.Tensor]) -> torch.Tensor:
        class _Bound(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                out: torch.Tensor = functional_call(model, p, (x,))
                return out

        return model_residual(_Bound(), spec)

    with measurement_mode(model, mode):
        jac = jacrev(r_of)(params)
    n = spec.points.shape[0]
    return torch.cat([jac[k].reshape(n, -1) for k in names], dim=1)


def training_kernel(jacobian: MatrixLike) -> torch.Tensor:
    """``G = J J^T`` (eq. 19) in float64: symmetric positive semi-definite, (N, N)."""
    j = torch.as_tensor(jacobian).detach().to(torch.float64)
    if j.ndim != 2:
        raise ValueError(f"jacobian must be an (N, P) matrix; got {describe(j)}")
    return j @ j.T


def kernel_spectrum(jacobian: MatrixLike, *, method: Literal["svd", "eigh"] = "svd") -> Spectrum:
    """Eigenvalues of ``G = J J^T`` (eq. 19), descending, as an ``eig`` :class:`Spectrum` of N values.

    ``method="svd"`` (default): squared singular values of ``J`` in float64, padded with zeros to N
    (accurate far below ``eps * lambda_max``, and cheap when P << N as for 2D grids);
    ``"eigh"``: ``eigvalsh`` of the formed ``G``. Feed it to ``cutoff_number``/``truncated_entropy``.

    Example:
        >>> kernel_spectrum(torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])).values.tolist()
        [4.0, 1.0, 0.0]
    """
    check_choice("method", method, ("svd", "eigh"))
    j = torch.as_tensor(jacobian).detach().to(torch.float64)
    if j.ndim != 2:
        raise ValueError(f"jacobian must be an (N, P) matrix; got {describe(j)}")
    n = j.shape[0]
    if method == "eigh":
        vals = np.linalg.eigvalsh((j @ j.T).numpy())
    else:
        s = np.linalg.svd(j.numpy(), compute_uv=False)
        vals = np.concatenate([s**2, np.zeros(max(0, n - s.size))])[:n]
    dtype = str(torch.as_tensor(jacobian).dtype).removeprefix("torch.")
    return Spectrum(vals, kind="eig", dtype=dtype, shape=(n, n))
