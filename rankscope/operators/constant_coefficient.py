"""Constant-coefficient linear differential operators ``L u = sum_t c_t D^{alpha_t} u`` (paper 001).

:class:`DiffOperator` holds the terms; the AD builders of :mod:`rankscope.matrices.random_features`
accept any of them, the FD stencils of :mod:`rankscope.operators.stencils` the paper's three:
``u_xx`` in 1D (eq. 6-8, B.2.1), the 2D Laplacian (eq. 4, B.3.1) and ``u_xxxx`` in 1D (B.4.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from rankscope._checks import check_choice, check_positive_int

__all__ = [
    "DiffOperator",
    "diff_operator",
    "fourth_derivative",
    "laplacian_operator",
    "second_derivative",
]


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
