"""Finite-difference stencils of linear differential operators, as sparse matrices and as slicing kernels.

Paper 001 compares derivatives by automatic differentiation (AD)
with finite differences (FD) on a uniform grid. This module holds

* :class:`DiffOperator` -- a constant-coefficient linear operator ``L u = sum_t c_t D^{alpha_t} u``
  (the AD builders of :mod:`rankscope.matrices.random_features` accept any of them);
* :class:`FDGrid` -- a uniform cell-centred grid ``x_i = low + (i + 1/2) h`` with ``h = (high - low)/n``
  per axis (so ``h = 2/N`` on ``[-1, 1]`` as in eq. (6) and ``h = 1/64`` on ``[0, 1]^2`` as in B.3),
  and its ghost layers;
* :class:`Stencil` -- the FD stencils the paper uses: the 1D second difference ``C_2`` (eq. 8, 12),
  the 2D five-point Laplacian (appendix B.3) and the 1D fourth difference (appendix B.4);
* :func:`stencil_matrix` -- the stencil as a ``scipy.sparse`` matrix with one of two boundary rules:

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
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from rankscope._checks import check_choice, check_positive_int, describe

__all__ = [
    "FD_OPERATORS",
    "DiffOperator",
    "FDGrid",
    "Stencil",
    "apply_stencil",
    "diff_operator",
    "fd_grid",
    "fourth_derivative",
    "laplacian_operator",
    "second_derivative",
    "second_difference_eigenvalues",
    "stencil_for",
    "stencil_matrix",
]

Boundary = Literal["ghost", "truncate"]
_BOUNDARIES = ("ghost", "truncate")


@dataclass(frozen=True)
class DiffOperator:
    """A linear constant-coefficient differential operator ``L u = sum_t c_t D^{alpha_t} u``.

    Args:
        name: a label (``"uxx"``, ``"laplacian2d"``, ``"uxxxx"`` for the paper's operators).
        terms: ``((c_1, alpha_1), ...)``, each ``alpha`` a tuple of non-negative orders, one per axis.

    Example:
        >>> op = DiffOperator("u_xx + 3 u_y", ((1.0, (2, 0)), (3.0, (0, 1))))
        >>> op.dim, op.order
        (2, 2)
    """

    name: str
    terms: tuple[tuple[float, tuple[int, ...]], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.terms, (tuple, list)) or not self.terms:
            raise ValueError(f"terms must be a non-empty tuple of (coefficient, alpha); got {self.terms!r}")
        clean = []
        dims = set()
        for t in self.terms:
            if not (isinstance(t, (tuple, list)) and len(t) == 2):
                raise ValueError(f"each term must be (coefficient, alpha); got {t!r}")
            c, alpha = t
            alpha_t = tuple(int(a) for a in alpha)
            if not alpha_t or any(a < 0 for a in alpha_t):
                raise ValueError(f"alpha must be a non-empty tuple of orders >= 0; got {alpha!r}")
            dims.add(len(alpha_t))
            clean.append((float(c), alpha_t))
        if len(dims) != 1:
            raise ValueError(
                f"all terms must have one order per axis of the same dimension; got {self.terms!r}"
            )
        object.__setattr__(self, "terms", tuple(clean))

    @property
    def dim(self) -> int:
        """Spatial dimension d (length of every multi-index)."""
        return len(self.terms[0][1])

    @property
    def order(self) -> int:
        """Highest total order ``max |alpha|``."""
        return max(sum(alpha) for _, alpha in self.terms)

    def canonical(self) -> tuple[tuple[tuple[int, ...], float], ...]:
        """Terms merged by multi-index, zero coefficients dropped, sorted: for comparing operators."""
        acc: dict[tuple[int, ...], float] = {}
        for c, alpha in self.terms:
            acc[alpha] = acc.get(alpha, 0.0) + c
        return tuple(sorted((a, c) for a, c in acc.items() if c != 0.0))


def second_derivative() -> DiffOperator:
    """``u_xx`` in 1D: the operator of eq. (6)-(8) and (B.2.1)."""
    return DiffOperator("uxx", ((1.0, (2,)),))


def laplacian_operator(dim: int = 2) -> DiffOperator:
    """``Delta u = sum_i u_{x_i x_i}`` in ``dim`` dimensions (eq. 4, B.3.1)."""
    dim = check_positive_int("dim", dim)
    terms = tuple((1.0, tuple(2 if j == i else 0 for j in range(dim))) for i in range(dim))
    return DiffOperator(f"laplacian{dim}d" if dim > 1 else "uxx", terms)


def fourth_derivative() -> DiffOperator:
    """``u_xxxx`` in 1D: the biharmonic operator of (B.4.1)."""
    return DiffOperator("uxxxx", ((1.0, (4,)),))


_NAMED = {
    "uxx": second_derivative,
    "laplacian2d": lambda: laplacian_operator(2),
    "uxxxx": fourth_derivative,
}


def diff_operator(name: str) -> DiffOperator:
    """One of the paper's operators by name: ``"uxx"``, ``"laplacian2d"`` or ``"uxxxx"``."""
    check_choice("operator", name, tuple(_NAMED))
    return _NAMED[name]()


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


@dataclass(frozen=True)
class FDGrid:
    """A uniform cell-centred grid on a box: ``x_i = low + (i + 1/2) h``, ``i = 0..n-1`` per axis.

    The spacing is ``h = (high - low) / n`` on every axis (the paper's ``h = 2/N`` on ``[-1, 1]`` and
    ``h = 1/64`` for a 64 x 64 grid on ``[0, 1]^2``), so all axes must have the same ``h``.
    Points are ordered C-style (last axis fastest).

    Args:
        lows: tuple of d lower bounds.
        shape: tuple of d point counts.
        h: the spacing.
    """

    lows: tuple[float, ...]
    shape: tuple[int, ...]
    h: float

    @property
    def dim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def axis_nodes(self, ghost: int = 0) -> list[np.ndarray]:
        """Per-axis node coordinates, with ``ghost`` extra layers on each side."""
        return [
            lo + (np.arange(-ghost, n + ghost, dtype=np.float64) + 0.5) * self.h
            for lo, n in zip(self.lows, self.shape, strict=True)
        ]

    def points(self, ghost: int = 0) -> np.ndarray:
        """All nodes (interior plus ``ghost`` layers) as an ``(prod(shape + 2 ghost), d)`` array."""
        axes = self.axis_nodes(ghost)
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)


def fd_grid(lows: Any, highs: Any, n: int) -> FDGrid:
    """The cell-centred grid with ``n`` points per axis on the box ``[lows, highs]`` (equal sides).

    Example:
        >>> g = fd_grid((-1.0,), (1.0,), 4)
        >>> g.h, g.points().ravel().tolist()
        (0.5, [-0.75, -0.25, 0.25, 0.75])
    """
    n = check_positive_int("n", n)
    lo = tuple(float(v) for v in np.atleast_1d(lows))
    hi = tuple(float(v) for v in np.atleast_1d(highs))
    if len(lo) != len(hi):
        raise ValueError(f"lows and highs must have the same length; got {lo} and {hi}")
    widths = [b - a for a, b in zip(lo, hi, strict=True)]
    if any(w <= 0 for w in widths):
        raise ValueError(f"highs must exceed lows on every axis; got lows={lo}, highs={hi}")
    if not np.allclose(widths, widths[0], rtol=1e-12):
        raise ValueError(f"an FD grid needs equal side lengths (one h); got side lengths {widths}")
    return FDGrid(lo, (n,) * len(lo), widths[0] / n)


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
    stencil: Stencil | DiffOperator | str, shape: Any, h: float, *, boundary: Boundary = "ghost"
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


def apply_stencil(stencil: Stencil | DiffOperator | str, values: Any, h: float) -> Any:
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
        sl = tuple(slice(r + o, r + o + n) for o, n in zip(off, shape, strict=True))
        terms.append(values[(Ellipsis, *sl)] * wgt)
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
