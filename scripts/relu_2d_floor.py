"""The floor of the structured 2D ReLU least-squares solve (issue 17): accuracy vs compression tolerance.

For ``random_neurons(n, 2, seed=0)`` on the unit square and the smooth and kink targets, prints one
row per (n, tol): the HODLR ranks per level, the compression / factor times, and the fitted
function's relative L2 error of the HODLR direct solve relative to dense Cholesky's
(``err_hodlr / err_dense - 1``), and for the loosest tolerance the PCG iterations on the exact
operator (matrix-free) needed to come within 1% of dense. Single-threaded so the ratios do not
depend on the machine's other load:

    OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python scripts/relu_2d_floor.py 1024 2048 4096

With ``--tikhonov N`` it prints instead the fitted-function errors of the Tikhonov fits
``c_mu = (A + mu lambda_max I)^{-1} f`` at n = N (by ``eigh``), beside dense Cholesky's: how far
down the spectrum the best fit reaches.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import scipy.linalg

from rankscope.linalg.structured import hyperplane_ordering, pcg
from rankscope.linalg.structured.hodlr import hodlr_from_entries
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.nets.shallow_relu import random_neurons
from rankscope.problems.relu_targets import kink_2d, smooth_2d

TOLS = (1e-8, 1e-10, 1e-11, 1e-12, 1e-13)


def main(sizes: list[int]) -> None:
    targets = (smooth_2d(), kink_2d())
    for n in sizes:
        net = random_neurons(n, 2, seed=0)
        ex = ReluEntries2D(net)
        t0 = time.perf_counter()
        a = ex.matrix()
        t_asm = time.perf_counter() - t0
        t0 = time.perf_counter()
        chol = scipy.linalg.cho_factor(a, lower=True)
        t_chol = time.perf_counter() - t0
        loads = [(ex.load_vector(u, lines=u.lines), ex.norm2(u, lines=u.lines)) for u in targets]
        dense = []
        for f, u2 in loads:
            c = scipy.linalg.cho_solve(chol, f)
            dense.append(ex.function_error(c, f, u2, ac=a @ c))
        print(
            f"n={n}: dense assembly {t_asm:.2f} s, Cholesky {t_chol:.2f} s, errors "
            + ", ".join(f"{u.name} {e:.3e}" for u, e in zip(targets, dense, strict=True)),
            flush=True,
        )
        perm = hyperplane_ordering(net.weights, net.biases, leaf_size=256)
        for tol in TOLS:
            t0 = time.perf_counter()
            h = hodlr_from_entries(ex.entries, n, perm=perm, tol=tol, leaf_size=256)
            t_c = time.perf_counter() - t0
            t0 = time.perf_counter()
            h.factor(shift=h.tol)
            t_f = time.perf_counter() - t0
            excess = []
            for (f, u2), ed in zip(loads, dense, strict=True):
                c = h.solve(f)
                excess.append(ex.function_error(c, f, u2, ac=a @ c) / ed - 1)
            row = (
                f"  tol={tol:.0e} ranks={h.level_ranks} compress {t_c:.2f} s factor {t_f:.2f} s "
                f"excess smooth {excess[0]:+.2e} kink {excess[1]:+.2e}"
            )
            if tol == TOLS[0]:
                its = []
                for (f, u2), ed in zip(loads, dense, strict=True):
                    k = 0
                    for k in (5, 10, 20, 40, 80, 160, 320):
                        res = pcg(a, f, h.as_preconditioner(), tol=0.0, maxiter=k)
                        if ex.function_error(res.x, f, u2, ac=a @ res.x) <= 1.01 * ed:
                            break
                    its.append(k)
                row += f" | PCG iterations to 1%: smooth {its[0]}, kink {its[1]}"
            print(row, flush=True)


def tikhonov(n: int) -> None:
    """Function errors of Tikhonov fits at ``mu / lambda_max`` = 1e-6 ... 1e-14, and of Cholesky."""
    net = random_neurons(n, 2, seed=0)
    ex = ReluEntries2D(net)
    a = ex.matrix()
    lam, q = np.linalg.eigh(a)
    chol = scipy.linalg.cho_factor(a, lower=True)
    for u in (smooth_2d(), kink_2d()):
        f, u2 = ex.load_vector(u, lines=u.lines), ex.norm2(u, lines=u.lines)
        beta = q.T @ f
        row = []
        for mu in (1e-6, 1e-8, 1e-10, 1e-12, 1e-14):
            c = q @ (beta / (lam + mu * lam[-1]))
            row.append(f"{mu:.0e}: {ex.function_error(c, f, u2, ac=a @ c):.4e}")
        c = scipy.linalg.cho_solve(chol, f)
        print(
            f"n={n} {u.name}: " + ", ".join(row) + f", Cholesky: {ex.function_error(c, f, u2, ac=a @ c):.4e}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--tikhonov"]:
        tikhonov(int(sys.argv[2]))
    else:
        main([int(s) for s in sys.argv[1:]] or [1024, 2048])
