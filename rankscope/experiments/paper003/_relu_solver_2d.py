"""The 2D least-squares case of ``relu-solver`` (paper 003, analysis bullet 4; issue 17); a helper
module of that experiment, not an experiment itself.

Fit the kink target :func:`~rankscope.problems.relu_targets.kink_2d` on [0, 1]^2 with
``random_neurons(n, 2, seed)``: the exact mass matrix and load vector
(:mod:`rankscope.matrices.relu_2d`), solved by the dense pipeline (closed-form assembly + LAPACK
Cholesky) and by the structured one (:class:`~rankscope.matrices.relu_2d_solver.ReluLeastSquares2D`:
ordering, HODLR from entries, factor, solve -- A never formed). Recorded per n: both wall times, both
fitted-function errors (exact quadratic form), the structured backward error, the ranks per level.

Claims: the speed-up at the largest n with the crossover n extrapolated from the speed-up's log-log
trend (timing); the fitted-function error within 1% of dense's at every n; the backward error.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.linalg

from rankscope.analysis import loglog_slope
from rankscope.experiments.claims import Claim
from rankscope.matrices.relu_2d import ReluEntries2D
from rankscope.matrices.relu_2d_solver import ReluLeastSquares2D
from rankscope.nets.shallow_relu import random_neurons
from rankscope.problems.relu_targets import kink_2d
from rankscope.store import RunDir

__all__ = ["FIT_CASE", "crossover_n", "fit_2d_claims", "fit_2d_record"]

FIT_CASE = "2d-fit"
LABEL = "2D least squares (exact A, HODLR)"


def fit_2d_record(run_dir: RunDir, n: int, seed: int, tol: float, leaf_size: int) -> None:
    """Fit the kink target with n random neurons both ways and append the record."""
    net = random_neurons(n, 2, seed=seed)
    exact = ReluEntries2D(net)
    exact.entries([0], [0])  # numba warm-up, not timed
    u = kink_2d()
    f, u2 = exact.load_vector(u, lines=u.lines), exact.norm2(u, lines=u.lines)
    t0 = time.perf_counter()
    a = exact.matrix()
    cd = scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=True), f)
    t_dense = time.perf_counter() - t0
    t0 = time.perf_counter()
    solver = ReluLeastSquares2D(net, tol=tol, leaf_size=leaf_size)
    c = solver.solve(f, check=False)
    t_struct = time.perf_counter() - t0
    ac = a @ c

    def backward(x: np.ndarray, ax: np.ndarray) -> float:
        return float(np.linalg.norm(f - ax) / (solver.anorm * np.linalg.norm(x) + np.linalg.norm(f)))

    run_dir.append_metrics(
        {
            "case": FIT_CASE,
            "n": n,
            "dense_seconds": t_dense,
            "structured_seconds": t_struct,
            "dense_function_error": exact.function_error(cd, f, u2, ac=a @ cd),
            "structured_function_error": exact.function_error(c, f, u2, ac=ac),
            "structured_backward_error": backward(c, ac),
            "dense_backward_error": backward(cd, a @ cd),
            "ranks": solver.hodlr.level_ranks,
            "phase_seconds": solver.seconds,
            "structured_bytes": solver.hodlr.nbytes,
            "dense_bytes": 8 * n * n,
        }
    )


def crossover_n(ns: list[int], speedups: list[float]) -> float:
    """The n where the speed-up's log-log trend through the measured points reaches 1 (``inf`` if it
    does not rise; the largest n measured if it is already above 1 there)."""
    if speedups[-1] >= 1.0:
        return float(ns[-1])
    slope = loglog_slope(ns, speedups)
    if slope <= 0:
        return math.inf
    return float(ns[-1] * (1.0 / speedups[-1]) ** (1.0 / slope))


def _rows(m: Any) -> list[dict[str, Any]]:
    return list(m[FIT_CASE])


def _speed_text(m: Any, cfg: Any) -> str:
    rows = _rows(m)
    ns = [r["n"] for r in rows]
    sp = [r["dense_seconds"] / r["structured_seconds"] for r in rows]
    cross = crossover_n(ns, sp) if len(rows) > 1 else math.nan
    return (
        "speed-up "
        + ", ".join(f"{s:.2f}x (n={k})" for s, k in zip(sp, ns, strict=True))
        + f"; crossover n ~ {cross:.3g} by the log-log trend; ranks per level at the largest n "
        f"{rows[-1]['ranks']}; target >= {cfg.fit_target_speedup:g}x"
    )


def fit_2d_claims() -> tuple[Claim, Claim, Claim]:
    """Speed (timing), function accuracy against dense, backward error."""
    return (
        Claim(
            f"{LABEL} faster than dense at the largest n",
            paper="structure makes fast direct solvers feasible (bullet 4); issue 17 asks >= 5x over "
            "closed-form assembly + Cholesky at the largest n dense fits",
            reads=(FIT_CASE,),
            timing=True,
            criterion=lambda m, cfg: (
                _rows(m)[-1]["dense_seconds"] / _rows(m)[-1]["structured_seconds"] >= cfg.fit_target_speedup
            ),
            describe=_speed_text,
        ),
        Claim(
            f"{LABEL} fits within 1% of dense's function error",
            paper="a stable solve: the fitted function as accurate as dense Cholesky's (issue 17: within 1%)",
            reads=(FIT_CASE,),
            criterion=lambda m, cfg: (
                0.01 - max(r["structured_function_error"] / r["dense_function_error"] - 1 for r in _rows(m))
            ),
            describe=lambda m, cfg: (
                "function error excess over dense "
                + ", ".join(
                    f"{r['structured_function_error'] / r['dense_function_error'] - 1:+.1e} (n={r['n']})"
                    for r in _rows(m)
                )
                + " (criterion <= +1%)"
            ),
            band=0.002,
        ),
        Claim(
            f"{LABEL} reaches backward error 1e-10",
            paper="a reliable solver: small normwise backward error for every n",
            reads=(FIT_CASE,),
            criterion=lambda m, cfg: max(r["structured_backward_error"] for r in _rows(m)) <= 1e-10,
            describe=lambda m, cfg: (
                "backward errors "
                + ", ".join(f"{r['structured_backward_error']:.1e}" for r in _rows(m))
                + " (criterion <= 1e-10)"
            ),
        ),
    )
