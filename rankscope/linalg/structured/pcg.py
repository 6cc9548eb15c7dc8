"""Preconditioned conjugate gradients with history, Jacobi and basis-change preconditioners.

Paper 003 (analysis bullets 2-3): the low and high
frequency modes of the ReLU mass matrix ``A`` and of ``H`` make iterative solvers slow, and
"preconditioning strategies ... based on basis function modifications" help only to a limited extent.
This module provides the iterative side of that comparison:

* :func:`pcg` — preconditioned CG (Hestenes–Stiefel) that stops on the normwise backward error
  ``eta(x) = ||b - A x|| / (||A|| ||x|| + ||b||)`` and records the residual and backward error of
  every iteration. ``||A||`` (2-norm) may be given; otherwise the running maximum of ``||A p|| / ||p||``
  over the search directions is used — a *lower* bound of ``||A||_2``, so the stopping test never
  claims a smaller backward error than the true one. Convergence is confirmed with the true residual.
  (:func:`rankscope.linalg.structured.residuals.backward_error` with ``ord=2`` measures it afterwards.)
* :func:`jacobi` — ``M^{-1} = diag(A)^{-1}``.
* :func:`hat_basis_1d` and :func:`basis_change_preconditioner` — the basis modification: a 1D hat
  function is a second difference of three neighbouring ReLUs with sorted breakpoints, so
  ``phi = relu B`` with a sparse banded ``B``; CG on ``B^T A B`` (optionally Jacobi-scaled) is
  PCG on ``A`` with ``M^{-1} = B D^{-1} B^T`` (same iterates in exact arithmetic), which lets the
  residual and backward error be measured on the original system.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from rankscope._checks import as_vector, check_nonnegative, check_positive_int, describe
from rankscope.linalg.types import MatrixLike, OperatorLike, SparseMatrix, VectorLike

__all__ = [
    "CGResult",
    "basis_change_preconditioner",
    "hat_basis_1d",
    "jacobi",
    "pcg",
]


@dataclass(frozen=True)
class CGResult:
    """Result of :func:`pcg`.

    Attributes:
        x: (n,) the last iterate.
        iterations: number of CG iterations (operator applications in the loop).
        converged: whether the true backward error reached ``tol``.
        residual_norms: (iterations + 1,) ``||r_k||_2`` (recursive residual; the last is the true one).
        backward_errors: (iterations + 1,) ``||r_k|| / (nu_k ||x_k|| + ||b||)`` with ``nu_k`` the norm
            estimate used at step k.
        anorm: the ``||A||`` used at the end.
    """

    x: np.ndarray
    iterations: int
    converged: bool
    residual_norms: np.ndarray
    backward_errors: np.ndarray
    anorm: float

    @property
    def backward_error(self) -> float:
        return float(self.backward_errors[-1])


def _operator(name: str, a: OperatorLike, n: int | None = None) -> LinearOperator:
    if isinstance(a, np.ndarray):
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"{name} must be a square matrix or LinearOperator; got {describe(a)}")
        return aslinearoperator(a)
    try:
        op = aslinearoperator(a)
    except TypeError as exc:
        raise TypeError(
            f"{name} must be an array, sparse matrix or LinearOperator; got {describe(a)}"
        ) from exc
    if op.shape[0] != op.shape[1] or (n is not None and op.shape[0] != n):
        raise ValueError(f"{name} must have shape ({n}, {n}); got {op.shape}")
    return op


def pcg(
    a: OperatorLike,
    b: VectorLike,
    m: OperatorLike | None = None,
    tol: float = 1e-10,
    maxiter: int | None = None,
    *,
    x0: VectorLike | None = None,
    anorm: float | None = None,
) -> CGResult:
    """Preconditioned conjugate gradients for SPD ``A x = b``, stopping on the backward error.

    Iteration (Hestenes–Stiefel with ``z = M^{-1} r``): ``alpha = r.z / p.Ap``, ``x += alpha p``,
    ``r -= alpha A p``, ``beta = r'.z' / r.z``, ``p = z' + beta p``. Stops when
    ``||r|| <= tol (nu ||x|| + ||b||)``, after checking it with the true residual ``b - A x``
    (if the true residual fails, it replaces the recursive one and iteration continues).

    Args:
        a: SPD (n, n) array, sparse matrix or ``LinearOperator``.
        b: (n,) right-hand side.
        m: preconditioner ``M^{-1}`` (array/operator applied to the residual) or None.
        tol: target normwise backward error.
        maxiter: iteration cap (default ``10 n``).
        x0: starting guess (default 0).
        anorm: ``||A||_2`` if known; default the running lower bound ``max ||A p|| / ||p||``.

    Returns:
        :class:`CGResult` with the iterate and the per-iteration history.

    Example:
        >>> a = np.diag([1.0, 2.0, 3.0]); res = pcg(a, np.ones(3), tol=1e-12)
        >>> bool(np.allclose(res.x, [1, 0.5, 1 / 3])), res.iterations
        (True, 3)
    """
    bv = as_vector("b", b)
    n = bv.shape[0]
    op = _operator("a", a, n)
    if op.shape[0] != n:
        raise ValueError(f"b must have length {op.shape[0]} to match a; got {n}")
    pre = None if m is None else _operator("m", m, n)
    tol = check_nonnegative("tol", tol)
    maxiter = 10 * n if maxiter is None else check_positive_int("maxiter", maxiter)
    if anorm is not None:
        anorm = check_nonnegative("anorm", anorm)
    x = np.zeros(n) if x0 is None else as_vector("x0", x0).copy()
    r = bv - op.matvec(x) if x0 is not None else bv.copy()
    nb = float(np.linalg.norm(bv))
    nu = anorm if anorm is not None else 0.0
    if isinstance(a, np.ndarray) and anorm is None:
        nu = float(np.max(np.abs(np.diag(a))))  # ||A||_2 >= max |a_ii| for SPD A
    z = r if pre is None else pre.matvec(r)
    p = z.copy()
    rz = float(r @ z)
    res_hist = [float(np.linalg.norm(r))]
    be_hist = [res_hist[0] / (nu * np.linalg.norm(x) + nb) if nb or nu else 0.0]
    converged = be_hist[0] <= tol
    it = 0
    while not converged and it < maxiter:
        ap = op.matvec(p)
        np_ = float(np.linalg.norm(p))
        if anorm is None and np_ > 0:
            nu = max(nu, float(np.linalg.norm(ap)) / np_)
        pap = float(p @ ap)
        if pap <= 0 or not np.isfinite(pap):
            break  # breakdown: A (or M) not positive definite in floating point
        alpha = rz / pap
        x += alpha * p
        r -= alpha * ap
        it += 1
        rn = float(np.linalg.norm(r))
        be = rn / (nu * float(np.linalg.norm(x)) + nb)
        if be <= tol:
            r = bv - op.matvec(x)  # confirm with the true residual
            rn = float(np.linalg.norm(r))
            be = rn / (nu * float(np.linalg.norm(x)) + nb)
            converged = be <= tol
        res_hist.append(rn)
        be_hist.append(be)
        if converged:
            break
        z = r if pre is None else pre.matvec(r)
        rz_new = float(r @ z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    return CGResult(
        x=x,
        iterations=it,
        converged=bool(converged),
        residual_norms=np.asarray(res_hist),
        backward_errors=np.asarray(be_hist),
        anorm=float(nu),
    )


def jacobi(a: np.ndarray | SparseMatrix) -> LinearOperator:
    """Jacobi preconditioner ``M^{-1} = diag(A)^{-1}`` of an array with positive diagonal.

    Example:
        >>> jacobi(np.diag([2.0, 4.0])) @ np.ones(2)
        array([0.5 , 0.25])
    """
    d = np.asarray(a.diagonal() if scipy.sparse.issparse(a) else np.diag(np.asarray(a)), dtype=np.float64)
    if d.size == 0 or np.any(~(d > 0)):
        raise ValueError(
            f"a must have a positive diagonal for Jacobi; got min diag {d.min() if d.size else None}"
        )
    inv = 1.0 / d
    return LinearOperator(
        (d.size, d.size),
        matvec=lambda v: inv * np.asarray(v).reshape(-1),
        matmat=lambda v: inv[:, None] * v,
        dtype=np.float64,
    )


def hat_basis_1d(breakpoints: VectorLike) -> scipy.sparse.csc_matrix:
    """Sparse banded basis change ``B`` from ReLUs ``relu(x - t_j)`` (sorted ``t``) to hat functions.

    Column ``j < n - 2`` is the hat centred at ``t_{j+1}`` on ``[t_j, t_{j+2}]``, the second divided
    difference ``relu_j / h_j - relu_{j+1} (1/h_j + 1/h_{j+1}) + relu_{j+2} / h_{j+1}`` with
    ``h_j = t_{j+1} - t_j``; column ``n - 2`` is the ramp ``(relu_{n-2} - relu_{n-1}) / h_{n-2}`` and
    column ``n - 1`` is ``relu_{n-1}``. ``B`` is lower triangular with nonzero diagonal, hence
    invertible. (Paper 003's "basis function modifications"; the exact modification of the talk is
    not given, this is the standard one.)

    Args:
        breakpoints: (n,) strictly increasing breakpoints, n >= 3.

    Example:
        >>> hat_basis_1d([0.0, 1.0, 2.0]).toarray()
        array([[ 1.,  0.,  0.],
               [-2.,  1.,  0.],
               [ 1., -1.,  1.]])
    """
    t = as_vector("breakpoints", breakpoints)
    n = t.shape[0]
    if n < 3:
        raise ValueError(f"breakpoints must have at least 3 entries; got {n}")
    h = np.diff(t)
    if np.any(h <= 0):
        raise ValueError("breakpoints must be strictly increasing (sort the neurons first)")
    rows, cols, vals = [], [], []
    j = np.arange(n - 2)
    for off, v in ((0, 1 / h[j]), (1, -(1 / h[j] + 1 / h[j + 1])), (2, 1 / h[j + 1])):
        rows.append(j + off)
        cols.append(j)
        vals.append(v)
    rows += [np.array([n - 2, n - 1]), np.array([n - 1])]
    cols += [np.array([n - 2, n - 2]), np.array([n - 1])]
    vals += [np.array([1 / h[-1], -1 / h[-1]]), np.array([1.0])]
    return scipy.sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def basis_change_preconditioner(b: SparseMatrix | np.ndarray, a: MatrixLike | None = None) -> LinearOperator:
    """``M^{-1} = B D^{-1} B^T``: CG in the basis ``relu B``, Jacobi-scaled if ``a`` is given.

    PCG on ``A`` with this ``M^{-1}`` produces the iterates ``x = B y`` of CG on
    ``D^{-1/2} B^T A B D^{-1/2}`` (``D = diag(B^T A B)``, or ``I`` when ``a`` is None).

    Example:
        >>> bmat = hat_basis_1d([0.1, 0.4, 0.7]); m = basis_change_preconditioner(bmat)
        >>> m.shape
        (3, 3)
    """
    bs = scipy.sparse.csc_matrix(b)
    n = bs.shape[0]
    if bs.shape != (n, n):
        raise ValueError(f"b must be a square basis-change matrix; got shape {bs.shape}")
    if a is None:
        dinv = np.ones(n)
    else:
        ab = np.asarray(a) @ bs
        d = np.asarray((bs.multiply(ab)).sum(axis=0)).reshape(-1)  # diag(B^T A B)
        if np.any(~(d > 0)):
            raise ValueError("diag(B^T A B) must be positive; is a SPD and b invertible?")
        dinv = 1.0 / d
    bt = bs.T.tocsr()

    def matvec(v: np.ndarray) -> np.ndarray:
        out: np.ndarray = bs @ (dinv * (bt @ np.asarray(v).reshape(-1)))
        return out

    return LinearOperator((n, n), matvec=matvec, dtype=np.float64)
