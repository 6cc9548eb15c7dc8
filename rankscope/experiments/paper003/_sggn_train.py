"""The training runs of the ``sggn`` experiment: SgGN, and Adam or L-BFGS (torch, float64) on the
same quadrature loss from the same initialisation, each resumable from its checkpoint state.

Not an experiment module (the leading underscore keeps it out of the registry).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from rankscope.experiments.paper003._sggn_problems import SgGNConfig
from rankscope.problems.relu_targets import Target
from rankscope.sampling.adaptive import breakpoints_1d
from rankscope.train.sggn import SgGNOptions, sggn_iterations
from rankscope.train.sggn_step import linear_step, quadrature_loss_torch

__all__ = ["run_sggn", "run_torch"]


def _neurons(w: np.ndarray, b: np.ndarray, c: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {"weights": w.tolist(), "biases": b.tolist(), "coefficients": c.tolist()}
    if w.shape[1] == 1:
        out["breakpoints"] = breakpoints_1d(w, b).tolist()
    return out


def run_sggn(
    cfg: SgGNConfig,
    target: Target,
    rule: Any,
    w0: np.ndarray,
    b0: np.ndarray,
    resume: dict[str, Any] | None,
    sink: Any,
    save: Any,
    report: Any,
) -> None:
    """SgGN from ``(W0, b0)`` (or ``resume``), each iteration's record to ``sink``."""
    start_it, start_time = 0, 0.0
    if resume is not None:
        w0, b0 = resume["weights"].numpy(), resume["biases"].numpy()
        start_it, start_time = int(resume["iter"]), float(resume["time"])
    solver = cfg.mass_solver_1d if target.dim == 1 else "dense"
    opts = SgGNOptions(iterations=cfg.sggn_iterations - start_it, mass_solver=solver)
    every = max(1, cfg.checkpoint_every // 100)
    for rec in sggn_iterations(
        w0, b0, target, rule, opts, domain=target.domain, start_iteration=start_it, start_time=start_time
    ):
        sink(rec.as_dict())
        report(rec.iteration)
        if rec.iteration % every == 0 and rec.iteration > start_it:
            save(
                {
                    "weights": torch.from_numpy(rec.weights.copy()),
                    "biases": torch.from_numpy(rec.biases.copy()),
                    "iter": rec.iteration,
                    "time": rec.time,
                },
                rec.iteration,
            )


def run_torch(
    method: str,
    cfg: SgGNConfig,
    target: Target,
    rule: Any,
    w0: np.ndarray,
    b0: np.ndarray,
    steps: int,
    resume: dict[str, Any] | None,
    sink: Any,
    save: Any,
    report: Any,
) -> None:
    """Adam or L-BFGS on all of (W, b, c) of the quadrature loss, float64, from (W0, b0, c0 = L2 proj.)."""
    x, wq = rule(w0, b0)
    u_norm2 = float(wq @ target(x) ** 2)
    c0, _ = linear_step(x, wq, w0, b0, target(x), diagnostics=False)
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (w0, b0, c0)]
    if method == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(params, lr=cfg.adam_lr)
    else:
        # One L-BFGS iteration per step() call. torch's defaults would cripple it here: max_eval =
        # 5/4 max_iter = 1 leaves the strong-Wolfe search no trial step, and the absolute tolerances
        # (1e-7 on the gradient, 1e-9 on changes) stop iterations on losses J ~ 1e-3.
        opt = torch.optim.LBFGS(
            params,
            lr=1.0,
            max_iter=1,
            max_eval=25,
            history_size=cfg.lbfgs_history,
            line_search_fn="strong_wolfe",
            tolerance_grad=0.0,
            tolerance_change=0.0,
        )
    start, clock = 0, 0.0
    if resume is not None:
        with torch.no_grad():
            for p, key in zip(params, ("weights", "biases", "coefficients"), strict=True):
                p.copy_(resume[key])
        opt.load_state_dict(resume["optimizer"])
        start, clock = int(resume["iter"]), float(resume["time"])

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = quadrature_loss_torch(params[0], params[1], params[2], target, rule)
        loss.backward()
        return loss

    for k in range(start, steps + 1):
        tic = time.perf_counter()
        if k % cfg.checkpoint_every == 0 and k > start:
            save(
                {
                    "weights": params[0].detach().clone(),
                    "biases": params[1].detach().clone(),
                    "coefficients": params[2].detach().clone(),
                    "optimizer": opt.state_dict(),
                    "iter": k,
                    "time": clock,
                },
                k,
            )
            tic = time.perf_counter()
        if k % cfg.record_every == 0 or k == steps:
            with torch.no_grad():
                loss = float(quadrature_loss_torch(params[0], params[1], params[2], target, rule))
            if not np.isfinite(loss):
                raise FloatingPointError(f"loss J is not finite ({loss}) for {method} at step {k}")
            w, b, c = (p.detach().numpy().copy() for p in params)
            sink(
                {
                    "iter": k,
                    "loss": loss,
                    "rel_error": float(np.sqrt(2 * loss / u_norm2)),
                    "time": clock,
                    **_neurons(w, b, c),
                }
            )
            report(k)
            tic = time.perf_counter()
        if k == steps:
            break
        opt.step(closure)  # type: ignore[arg-type]
        clock += time.perf_counter() - tic
