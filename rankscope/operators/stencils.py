"""Finite-difference stencils of linear differential operators, as sparse matrices and as slicing kernels.

Paper 001 compares derivatives by automatic differentiation (AD)
with finite differences (FD) on a uniform grid. This module holds

* :class:`Stencil` -- the FD stencils the paper uses: the 1D second difference ``C_2`` (eq. 8, 12),
  the 2D five-point Laplacian (appendix B.3) and the 1D fourth difference (appendix B.4), matched to
  a :class:`~rankscope.operators.constant_coefficient.DiffOperator` by :func:`stencil_for`;
* :func:`stencil_matrix` -- the stencil as a ``scipy.sparse`` matrix with one of two boundary rules,
  on the grids of :mod:`rankscope.operators.fd_grids` and their ghost layers:

  - ``"ghost"`` (default): every row is the stencil of eq. (8) / (B.2.3) / (B.3.3) / (B.4.3) as
    written, using the function's values at the neighbours *outside* the collocation set (the
    ``r`` ghost layers); the matrix is ``N x N_ext`` and acts on values on the extended grid.
    This is what the losses evaluate for a network or a random feature, which is defined
    everywhere, and is the consistent approximation behind Proposition 1 (``A_AD = A_FD + h^2 E``).
  - ``"truncate"``: the square ``N x N`` matrices printed in eq. (12) and appendix B.3/B.4, where
    neighbours outside the grid are dropped (zero Dirichlet ghost values). These are the matrices of
    Proposition 2 (``lambda_min(C_2)``); their boundary rows are O(1/h^2) inconsistent for
    functions that do not vanish outside the grid.

The printed B.4 matrix is garbled in the converted text (first row ``-4 6 -4``, sign flips in the
last rows); we follow the mathematics: rows of ``[1, -4, 6, -4, 1] / h^4`` truncated at the ends.
The printed B.3 matrix is ``-Delta_h`` (``D = tridiag(-1, 4, -1)``); we use the sign of the operator
itself (``+Delta_h``), which changes no singular value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Literal

import numpy as np
import scipy.sparse as sp

from rankscope._checks import check_choice, check_positive_int, describe
from rankscope.linalg.types import ArrayT
from rankscope.operators.constant_coefficient import _NAMED, DiffOperator, diff_operator

__all__ = [
    "FD_OPERATORS",
    "Stencil",
    "apply_stencil",
    "second_difference_eigenvalues",
    "stencil_for",
    "stencil_matrix",
]

Boundary = Literal["ghost", "truncate"]
_BOUNDARIES = ("ghost", "truncate")


@dataclass(frozen=True)
class Stencil:
    """An FD stencil ``(L_h u)_i = h^{-order} sum_k weights[k] u_{i + offsets[k]}``.

    Args:
        name: the operator it approximates (``"uxx"``, ``"laplacian2d"``, ``"uxxxx"``).
        offsets: integer grid offsets, one tuple of length d per weight.
        weights: the stencil weights (before the factor ``h^{-order}``).
        order: the power of ``1/h``.
    """

    name: str
    offsets: tuple[tuple[int, ...], ...]
    weights: tuple[float, ...]
    order: int

    @property
    def dim(self) -> int:
        return len(self.offsets[0])

    @property
    def radius(self) -> int:
        """Largest ``|offset|`` along any axis: the number of ghost layers it needs."""
        return max(abs(o) for off in self.offsets for o in off)


_STENCILS: dict[str, Stencil] = {
    # eq. (8) / (12): (u_{i-1} - 2 u_i + u_{i+1}) / h^2, exact for cubics
    "uxx": Stencil("uxx", ((-1,), (0,), (1,)), (1.0, -2.0, 1.0), 2),
    # appendix B.3: (u_{i+1,j} + u_{i-1,j} + u_{i,j-1} + u_{i,j+1} - 4 u_{i,j}) / h^2
    "laplacian2d": Stencil(
        "laplacian2d", ((-1, 0), (1, 0), (0, -1), (0, 1), (0, 0)), (1.0, 1.0, 1.0, 1.0, -4.0), 2
    ),
    # appendix B.4: (u_{i-2} - 4 u_{i-1} + 6 u_i - 4 u_{i+1} + u_{i+2}) / h^4, exact for quintics
    "uxxxx": Stencil("uxxxx", ((-2,), (-1,), (0,), (1,), (2,)), (1.0, -4.0, 6.0, -4.0, 1.0), 4),
}

#: Operators with an FD stencil, by name.
FD_OPERATORS: tuple[str, ...] = tuple(_STENCILS)


def stencil_for(operator: DiffOperator | str) -> Stencil:
    """The paper's FD stencil for ``operator`` (matched by its terms, not its label).

    Raises:
        ValueError: the operator has no stencil here; the message lists the supported ones.

    Example:
        >>> from rankscope.operators.constant_coefficient import second_derivative
        >>> stencil_for(second_derivative()).weights
        (1.0, -2.0, 1.0)
    """
    if isinstance(operator, str):
        if operator not in _NAMED:
            raise ValueError(
                f"operator {operator!r} has no finite-difference stencil; supported operators are "
                f"{list(FD_OPERATORS)} (u_xx in 1D, the 2D Laplacian, u_xxxx in 1D)"
            )
        operator = diff_operator(operator)
    if not isinstance(operator, DiffOperator):
        raise TypeError(f"operator must be a DiffOperator or a name; got {describe(operator)}")
    key = operator.canonical()
    for name, make in _NAMED.items():
        if make().canonical() == key:
            return _STENCILS[name]
    raise ValueError(
        f"operator {operator.name!r} with terms {operator.terms} has no finite-difference stencil; "
        f"supported operators are {list(FD_OPERATORS)} (u_xx in 1D, the 2D Laplacian u_xx + u_yy, "
        "u_xxxx in 1D); use the AD builder for other operators"
    )


def _check_grid(stencil: Stencil, shape: tuple[int, ...]) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != stencil.dim:
        raise ValueError(
            f"grid shape {shape} has {len(shape)} axes but the {stencil.name!r} stencil is {stencil.dim}-D"
        )
    need = 2 * stencil.radius + 1
    small = [s for s in shape if s < need]
    if small:
        raise ValueError(
            f"grid shape {shape} is too small for the {stencil.name!r} stencil of radius "
            f"{stencil.radius}: it needs at least {need} points per axis"
        )
    return shape


def stencil_matrix(
    stencil: Stencil | DiffOperator | str,
    shape: int | Sequence[int],
    h: float,
    *,
    boundary: Boundary = "ghost",
) -> sp.csr_matrix:
    """The stencil as a sparse matrix on a grid of ``shape`` points with spacing ``h``.

    ``boundary="ghost"``: shape ``(N, N_ext)`` with ``N = prod(shape)``, ``N_ext = prod(shape + 2r)``,
    acting on values at ``FDGrid.points(ghost=r)`` (eq. 8 as written). ``boundary="truncate"``:
    shape ``(N, N)``, the printed matrices of eq. (12) and B.3/B.4 (outside neighbours dropped).

    Example:
        >>> (stencil_matrix("uxx", (4,), 1.0, boundary="truncate").toarray()[0]).tolist()
        [-2.0, 1.0, 0.0, 0.0]
    """
    st = stencil if isinstance(stencil, Stencil) else stencil_for(stencil)
    shape = _check_grid(st, tuple(np.atleast_1d(shape)))
    check_choice("boundary", boundary, _BOUNDARIES)
    if not (isinstance(h, (int, float)) and math.isfinite(h) and h > 0):
        raise ValueError(f"h must be a finite number > 0; got {h!r}")
    r = st.radius if boundary == "ghost" else 0
    cols_shape = tuple(s + 2 * r for s in shape)
    idx = np.indices(shape).reshape(len(shape), -1)  # (d, N)
    rows, cols, vals = [], [], []
    scale = h ** (-st.order)
    for off, wgt in zip(st.offsets, st.weights, strict=True):
        nb = idx + np.asarray(off)[:, None] + r
        ok = np.all((nb >= 0) & (nb < np.asarray(cols_shape)[:, None]), axis=0)
        rows.append(np.flatnonzero(ok))
        cols.append(np.ravel_multi_index(tuple(nb[:, ok]), cols_shape))
        vals.append(np.full(int(ok.sum()), wgt * scale))
    n = int(np.prod(shape))
    mat = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, int(np.prod(cols_shape))),
    )
    return mat.tocsr()


def apply_stencil(stencil: Stencil | DiffOperator | str, values: ArrayT, h: float) -> ArrayT:
    """Apply the stencil to values on an extended grid by slicing (numpy arrays or torch tensors).

    ``values`` has shape ``(..., n_1 + 2r, ..., n_d + 2r)`` (the last d axes are the grid with ``r``
    ghost layers); the result has shape ``(..., n_1, ..., n_d)``. Equals ``stencil_matrix(...,
    boundary="ghost") @ values.reshape(-1)`` and is differentiable for tensors.

    Example:
        >>> apply_stencil("uxx", np.array([0.0, 1.0, 4.0, 9.0, 16.0]), 1.0).tolist()
        [2.0, 2.0, 2.0]
    """
    st = stencil if isinstance(stencil, Stencil) else stencil_for(stencil)
    d, r = st.dim, st.radius
    if values.ndim < d:
        raise ValueError(f"values must have at least {d} grid axes; got {describe(values)}")
    ext = tuple(values.shape[-d:])
    shape = _check_grid(st, tuple(s - 2 * r for s in ext))
    terms = []
    for off, wgt in zip(st.offsets, st.weights, strict=True):
        sl: tuple[slice, ...] = tuple(slice(r + o, r + o + n) for o, n in zip(off, shape, strict=True))
        key: tuple[EllipsisType | slice, ...] = (Ellipsis, *sl)
        terms.append(values[key] * wgt)
    return sum(terms[1:], terms[0]) * (h ** (-st.order))


def second_difference_eigenvalues(n: int, h: float) -> np.ndarray:
    """Closed-form eigenvalues of the Dirichlet second-difference matrix ``C_2`` of eq. (12).

    ``lambda_k = -(4/h^2) sin^2(k pi / (2(n + 1)))``, ``k = 1..n`` (ascending in ``|lambda|``), the
    eigenvalues of ``tridiag(1, -2, 1)/h^2`` of size n. With ``h = 1/(n+1)`` this is
    ``-(4/h^2) sin^2(k pi h/2)``. The smallest in modulus, ``(4/h^2) sin^2(pi/(2(n+1)))``, is
    paper 001's ``lambda_min(C_2)`` in Proposition 2 (the text's ``4N^2 cos^2(N pi/(2N+1))`` is a
    garbled citation of Yueh [32]; for ``h = 2/N`` both are close to ``pi^2/4``).

    Example:
        >>> np.round(second_difference_eigenvalues(2, 1.0), 12).tolist()
        [-1.0, -3.0]
    """
    n = check_positive_int("n", n)
    k = np.arange(1, n + 1, dtype=np.float64)
    return -(4.0 / h**2) * np.sin(k * np.pi / (2.0 * (n + 1))) ** 2
