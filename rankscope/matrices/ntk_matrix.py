"""The NTK matrix ``K = Theta S`` of a PINN residual with the scalings of paper 002 eq. (14).

:class:`ResidualNTK` holds K (float64, not symmetric) with its interior/boundary blocks, the diagonal
scaling ``S`` and the spectrum of the similar symmetric matrix ``S^1/2 Theta S^1/2`` (real
eigenvalues >= 0); :func:`rankscope.matrices.ntk.residual_ntk` builds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rankscope._checks import check_choice

__all__ = ["ResidualNTK"]


@dataclass(frozen=True)
class ResidualNTK:
    """The NTK matrix K of paper 002 eq. (14), float64, with the paper's scalings (not symmetric).

    Attributes:
        K: ``(N_c + N_b, N_c + N_b)`` float64 array; rows/columns ``[:N_c]`` interior, ``[N_c:]`` boundary.
        n_interior: N_c. n_boundary: N_b (0 when no boundary points were given). lam: lambda of eq. (8).

    Example:
        >>> import torch
        >>> from rankscope.matrices.ntk import residual_ntk
        >>> from rankscope.nets import MLP
        >>> from rankscope.operators.standard_operators import negative_laplacian
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
        out: np.ndarray = 0.5 * (sym + sym.T)
        return out

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
            out: np.ndarray = r * (K @ (v / r))
            return out

        return top_eigenvalues(matvec, k, n=K.shape[0], **kwargs)  # type: ignore[arg-type]

    def frobenius(self, block: str = "K") -> float:
        """Frobenius norm of ``block``: one of ``"K"``, ``"uu"``, ``"ub"``, ``"bu"``, ``"bb"``."""
        check_choice("block", block, ("K", "uu", "ub", "bu", "bb"))
        mat = self.K if block == "K" else getattr(self, f"K_{block}")
        return float(np.linalg.norm(mat))
