"""2D ReLU least squares: the structured pipeline vs the dense one, at the same fitted-function error.

Problem (issue 17): fit ``u`` on [0, 1]^2 by ``v = sum_i c_i relu(w_i . x + b_i)`` with
``random_neurons(n, 2, seed=0)`` (random hyperplanes crossing the square), for a smooth target
(:func:`~rankscope.problems.relu_targets.smooth_2d`) and one with a kink along a line
(:func:`~rankscope.problems.relu_targets.kink_2d`). The load vector and ``||u||^2`` are shared (not
timed); the fitted function's relative L2 error is measured by the exact quadratic form.

* baseline (dense pipeline): closed-form assembly of A (:meth:`ReluEntries2D.matrix`) + LAPACK
  Cholesky (``eigh`` where Cholesky fails) + solve.
* candidate (structured pipeline): :class:`~rankscope.matrices.relu_2d_solver.ReluLeastSquares2D`
  -- ordering, compression from entries, factorisation -- + solve (``tol = 1e-12``, leaves 256).

Target: speed-up >= 5x with the function error within 1% of dense's. ``extra`` reports both
errors, the phases' times, the ranks per level, the factor's bytes against dense A's, and the
solve-only comparison (HODLR factor + solve vs Cholesky of the formed A).

Sizes: quick n = 1024; full n = 2048, 4096, 8192. The issue asked for n = 32768 (dense fits in
memory) and a scale run at n = 65536; they are not run here, because the structured pipeline is
slower than dense at every n measured and its cost ratio improves only ~1.25x per doubling (the
ranks at the needed tolerance grow like n^0.5): docs/relu-2d.md has the measured floor.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.linalg

from rankscope.bench import BenchResult
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.matrices.relu_2d_solver import ReluLeastSquares2D
from rankscope.nets.shallow_relu import random_neurons
from rankscope.problems.relu_targets import kink_2d, smooth_2d

TOL = 1e-12


def _dense_solve(a: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, str]:
    try:
        return scipy.linalg.cho_solve(
            scipy.linalg.cho_factor(a, lower=True, check_finite=False), f
        ), "cholesky"
    except np.linalg.LinAlgError:
        lam, q = np.linalg.eigh(a)
        keep = lam > lam[-1] * a.shape[0] * np.finfo(float).eps
        return q[:, keep] @ ((q[:, keep].T @ f) / lam[keep]), "eigh"


def _one(n: int) -> list[BenchResult]:
    net = random_neurons(n, 2, seed=0)
    exact = ReluEntries2D(net)
    exact.entries([0], [0])  # numba warm-up
    targets = [smooth_2d(), kink_2d()]
    loads = [(exact.load_vector(u, lines=u.lines), exact.norm2(u, lines=u.lines)) for u in targets]

    t0 = time.perf_counter()
    a = exact.matrix()
    t_asm = time.perf_counter() - t0
    dense_c, dense_s, how = [], [], ""
    for f, _ in loads:
        t0 = time.perf_counter()
        c, how = _dense_solve(a, f)
        dense_s.append(time.perf_counter() - t0)
        dense_c.append(c)
    dense_err = [exact.function_error(c, f, u2, ac=a @ c) for c, (f, u2) in zip(dense_c, loads, strict=True)]

    t0 = time.perf_counter()
    solver = ReluLeastSquares2D(net, tol=TOL, leaf_size=256)
    t_build = time.perf_counter() - t0
    out = []
    for u, (f, u2), c_d, e_d, s_d in zip(targets, loads, dense_c, dense_err, dense_s, strict=True):
        t0 = time.perf_counter()
        c = solver.solve(f, check=False)
        t_solve = time.perf_counter() - t0
        ac = a @ c
        err = exact.function_error(c, f, u2, ac=ac)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            scipy.linalg.cho_factor(a, lower=True, check_finite=False) if how == "cholesky" else None
            t_chol = time.perf_counter() - t0
        out.append(
            BenchResult(
                name=f"relu_2d.structured_vs_dense[n={n}, {u.name}]",
                baseline=f"closed-form assembly + {how} + solve",
                baseline_s=t_asm + s_d,
                candidate=f"ReluLeastSquares2D(tol={TOL:g}) build + solve",
                candidate_s=t_build + t_solve,
                kind="speedup",
                target=5.0,
                extra={
                    "function_error_dense": e_d,
                    "function_error_structured": err,
                    "function_error_excess": err / e_d - 1,
                    "within_1_percent": bool(err <= 1.01 * e_d),
                    "backward_error_structured": float(
                        np.linalg.norm(f - ac) / (solver.anorm * np.linalg.norm(c) + np.linalg.norm(f))
                    ),
                    "seconds": {"assembly": t_asm, "dense_solve": s_d, **solver.seconds, "solve": t_solve},
                    "ranks_per_level": solver.hodlr.level_ranks,
                    "factor_bytes": solver.hodlr.nbytes,
                    "dense_bytes": 8 * n * n,
                    "solve_only": {
                        "cholesky_s": t_chol,
                        "hodlr_factor_plus_solve_s": solver.seconds["factor"] + t_solve,
                    },
                    "coefficient_gap": float(np.linalg.norm(c - c_d) / np.linalg.norm(c_d)),
                },
            )
        )
    return out


def run(quick: bool = False) -> list[BenchResult]:
    """The structured vs dense 2D pipeline at each size, smooth and kink targets."""
    results: list[BenchResult] = []
    for n in (1024,) if quick else (2048, 4096, 8192):
        results.extend(_one(n))
    return results
