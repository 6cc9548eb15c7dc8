"""Linear differential operators with variable coefficients, ``L u = sum_k c_k(x) D^alpha_k u``.

The residual ``r_pde(x) = L u(x; theta) - f(x)`` of a PINN (paper 002, paper 002,
eq. (9)) is built from such an operator; its empirical NTK (Lemma 3.1, eq. (14)) is in
``rankscope.matrices.ntk``. Coefficients are functions of ``x`` only (never of the network parameters),
so they multiply rows of the residual Jacobian. Derivatives have total order <= 2 (enough for the
second-order elliptic operators of paper 002 eq. (7), (15)-(16)).

Example:
    >>> from rankscope.operators.standard_operators import negative_laplacian
    >>> op = negative_laplacian(1)
    >>> x = torch.linspace(0, 1, 3, dtype=torch.float64)[:, None]
    >>> op.apply(lambda p: (p**2).sum(1), x).tolist()
    [-2.0, -2.0, -2.0]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.func import vmap

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.operators.pointwise_derivatives import acts_row_by_row, point_derivatives

__all__ = [
    "APPLY_METHODS",
    "DifferentialOperator",
    "Term",
    "as_operator",
]

Coefficient = float | Callable[[torch.Tensor], torch.Tensor]
MAX_ORDER = 2
APPLY_METHODS = ("auto", "func", "autograd")


@dataclass(frozen=True)
class Term:
    """One term ``coefficient(x) * D^alpha u`` of a linear operator.

    Args:
        coefficient: a number (constant coefficient) or a function ``x (N, d) -> (N,)`` of the points.
        alpha: derivative multi-index, one order per input axis, total order <= 2 (``(0,)*d`` is ``u``).
    """

    coefficient: Coefficient
    alpha: tuple[int, ...]

    def __post_init__(self) -> None:
        alpha = self.alpha
        if not isinstance(alpha, tuple) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in alpha
        ):
            raise TypeError(
                f"alpha must be a tuple of non-negative ints (one per axis); got {describe(alpha)}"
            )
        if len(alpha) == 0 or any(a < 0 for a in alpha) or sum(alpha) > MAX_ORDER:
            raise ValueError(
                f"alpha must hold >= 1 non-negative orders with total order <= {MAX_ORDER}; got {alpha}"
            )
        c = self.coefficient
        if isinstance(c, bool) or not (isinstance(c, (int, float)) or callable(c)):
            raise TypeError(f"coefficient must be a number or a callable x (N, d) -> (N,); got {describe(c)}")

    @property
    def order(self) -> int:
        return sum(self.alpha)

    def evaluate(self, x: torch.Tensor) -> torch.Tensor:
        """The coefficient at the points: shape ``(N,)``, dtype of ``x``."""
        c = self.coefficient
        if not callable(c):
            return torch.full((x.shape[0],), float(c), dtype=x.dtype, device=x.device)
        values = torch.as_tensor(c(x), dtype=x.dtype, device=x.device)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.shape != (x.shape[0],):
            raise ValueError(
                f"coefficient of the term with alpha={self.alpha} must map x of shape {tuple(x.shape)} to "
                f"shape ({x.shape[0]},); got {tuple(values.shape)}"
            )
        return values


@dataclass(frozen=True)
class DifferentialOperator:
    """A linear differential operator ``L u = sum_k coefficient_k(x) * D^alpha_k u`` on ``R^dim``.

    Paper 002 eq. (9): ``r_pde = L u - f``; eq. (16) is ``divergence_form(lambda x: a(x / eps))``.

    Args:
        dim: input dimension d.
        terms: the terms; every ``alpha`` has length ``dim``.

    Example:
        >>> from rankscope.operators.standard_operators import negative_laplacian
        >>> DifferentialOperator(1, (Term(-1.0, (2,)),)) == negative_laplacian(1)
        True
    """

    dim: int
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        check_positive_int("dim", self.dim)
        if not isinstance(self.terms, tuple) or not self.terms:
            raise ValueError(f"terms must be a non-empty tuple of Term; got {describe(self.terms)}")
        for k, t in enumerate(self.terms):
            if not isinstance(t, Term):
                raise TypeError(f"terms[{k}] must be a Term(coefficient, alpha); got {describe(t)}")
            if len(t.alpha) != self.dim:
                raise ValueError(
                    f"terms[{k}].alpha = {t.alpha} must have length dim = {self.dim} (one order per axis)"
                )

    @property
    def order(self) -> int:
        """The highest total derivative order of the terms."""
        return max(t.order for t in self.terms)

    def coefficients(self, x: torch.Tensor) -> torch.Tensor:
        """All coefficients at the points, shape ``(n_terms, N)``."""
        return torch.stack([t.evaluate(x) for t in self.terms])

    def apply(
        self, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *, method: str = "auto"
    ) -> torch.Tensor:
        """``L fn`` at the points ``x (N, dim)``; ``fn`` maps ``(N, dim)`` to ``(N,)`` or ``(N, 1)``.

        Derivatives are exact and differentiable w.r.t. parameters captured by ``fn``.

        Args:
            fn: the function (typically a network).
            x: points, shape ``(N, dim)``.
            method: ``"func"`` (per-point ``torch.func`` derivatives under ``vmap``: right for any
                ``fn``), ``"autograd"`` (nested ``torch.autograd.grad`` on the whole batch: 3-4x
                faster for small networks, but right only when output row ``i`` depends on input row
                ``i`` alone), or ``"auto"`` (``"autograd"`` for modules built only of layers known to
                act row by row -- Linear, elementwise activations, rankscope's MLPs -- else ``"func"``).

        Returns:
            shape ``(N,)``.
        """
        check_choice("method", method, APPLY_METHODS)
        x = check_points("x", x, self.dim)
        if method == "autograd" or (method == "auto" and acts_row_by_row(fn)):
            return self._apply_autograd(fn, x)

        def point(p: torch.Tensor) -> torch.Tensor:
            out = fn(p[None, :])
            if out.numel() != 1:
                raise ValueError(
                    f"fn must have a scalar output per point; got output shape {tuple(out.shape)} "
                    "for one point"
                )
            return out.reshape(())

        derivs = vmap(point_derivatives(point, [t.alpha for t in self.terms]))(x)  # (N, n_terms)
        return (self.coefficients(x).T * derivs).sum(1)

    def _apply_autograd(self, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            u = fn(xg)
            if u.numel() != n:
                raise ValueError(
                    f"fn must have a scalar output per point; got output shape {tuple(u.shape)} "
                    f"for {n} points"
                )
            u = u.reshape(n)
            need_grad = any(t.order >= 1 for t in self.terms)
            grad = torch.autograd.grad(u.sum(), xg, create_graph=True)[0] if need_grad else None
            hess_rows: dict[int, torch.Tensor] = {}
            out = torch.zeros(n, dtype=u.dtype, device=u.device)
            coeffs = self.coefficients(x)
            for c, term in zip(coeffs, self.terms, strict=True):
                axes = [i for i, k in enumerate(term.alpha) for _ in range(k)]
                if not axes:
                    d = u
                elif len(axes) == 1:
                    d = grad[:, axes[0]]  # type: ignore[index]
                else:
                    i, j = axes
                    if i not in hess_rows:
                        hess_rows[i] = torch.autograd.grad(grad[:, i].sum(), xg, create_graph=True)[0]  # type: ignore[index]
                    d = hess_rows[i][:, j]
                out = out + c.to(d.dtype) * d
        return out


def check_points(name: str, x: object, dim: int) -> torch.Tensor:
    """Return ``x`` as a tensor of shape ``(N, dim)`` with ``N >= 1``, or raise naming ``name``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of points of shape (N, {dim}); got {describe(x)}")
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"{name} must have shape (N, {dim}) (dim of the operator); got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one point; got shape {tuple(x.shape)}")
    if not torch.is_floating_point(x) or not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must be finite floating-point points; got {describe(x)}")
    return x


def as_operator(name: str, op: object) -> DifferentialOperator:
    """Return ``op`` if it is a :class:`DifferentialOperator`, else a TypeError saying how to build one."""
    if not isinstance(op, DifferentialOperator):
        raise TypeError(
            f"{name} must be a DifferentialOperator; got {describe(op)}. Build one with "
            "rankscope.operators: negative_laplacian(dim), identity(dim), "
            "divergence_form(a, dim) or DifferentialOperator(dim, (Term(coefficient, alpha), ...))"
        )
    return op
