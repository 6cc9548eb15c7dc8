"""The analysis of an ``sggn`` run: the records grouped into series, the measures the claims read
(final and equal-time errors, SgGN's matrix diagnostics, the breakpoint distances on the step) and
the report on the loss quadratures. Everything here reads the records only.

Not an experiment module (the leading underscore keeps it out of the registry).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rankscope.experiments.paper003._sggn_problems import SgGNConfig
from rankscope.problems.relu_targets import line_discontinuity_2d
from rankscope.sampling import gauss_legendre
from rankscope.sampling.adaptive import breakpoints_1d

__all__ = ["error_at_time", "quadrature_report", "series", "sggn_measures"]

Series = dict[str, dict[str, dict[str, np.ndarray]]]


def error_at_time(times: np.ndarray, errors: np.ndarray, t: float) -> float:
    """Error of the last record with ``time <= t`` (the first record if none).

    Example:
        >>> error_at_time(np.array([0.0, 1.0, 2.0]), np.array([1.0, 0.5, 0.1]), 1.5)
        0.5
    """
    idx = np.flatnonzero(np.asarray(times) <= t)
    return float(errors[idx[-1]] if idx.size else errors[0])


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def series(records: list[dict[str, Any]]) -> Series:
    """Group records by problem and method: arrays of iter, loss, rel_error, time (+ SgGN's matrix
    diagnostics) and the final neurons."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in records:
        d = out.setdefault(rec["problem"], {}).setdefault(rec["method"], {"rows": []})
        d["rows"].append(rec)
    result: Series = {}
    for p, by_m in out.items():
        for m, d in by_m.items():
            rows = d["rows"]
            s: dict[str, np.ndarray] = {
                k: np.asarray([r[k] for r in rows], dtype=np.float64) for k in ("loss", "rel_error", "time")
            }
            s["iter"] = np.asarray([r["iter"] for r in rows], dtype=np.int64)
            key = "rel_error_check" if "rel_error_check" in rows[0] else "rel_error"
            s["error"] = np.asarray([r[key] for r in rows], dtype=np.float64)
            if m == "sggn":
                s["mass_cholesky"] = np.asarray([bool(r["mass_cholesky"]) for r in rows])
                s["gn_cholesky"] = np.asarray([r["gn_cholesky"] is not False for r in rows])
                s["mass_min_eig"] = np.asarray([_num(r["mass_min_eig"]) for r in rows])
                s["gn_min_eig"] = np.asarray([_num(r["gn_min_eig"]) for r in rows])
            for when, row in (("initial", rows[0]), ("final", rows[-1])):
                s[f"{when}_weights"] = np.asarray(row["weights"], dtype=np.float64)
                s[f"{when}_biases"] = np.asarray(row["biases"], dtype=np.float64)
            s["final_coefficients"] = np.asarray(rows[-1]["coefficients"], dtype=np.float64)
            result.setdefault(p, {})[m] = s
    return result


def quadrature_report(cfg: SgGNConfig, data: Series | None = None) -> dict[str, Any]:
    """What the loss quadratures are, and their error in 2D.

    The 2D rule's error is measured on the exact moments ``int u x1 = 5/24`` and
    ``int u x2 = 35/96`` of the default line jump (``int u^2 = 1/2`` is useless: the rule is symmetric
    about the centre, which the line passes through), and as the change of each method's final relative
    error when recomputed with a rule 4 times finer per axis.
    """
    out: dict[str, Any] = {
        "1d": f"composite Gauss-Legendre, {cfg.order_1d} nodes on each of {cfg.panels_1d} cells split at the "
        "current breakpoints and the target's break: exact for all network integrals",
    }
    if "line2d" in cfg.problems:
        tgt = line_discontinuity_2d()
        q = gauss_legendre(tgt.domain, cfg.order_2d, panels=cfg.panels_2d)
        pts = np.asarray(q.points)
        uq = tgt(pts)
        moments = q.weights @ (uq[:, None] * pts)
        out["2d"] = (
            f"tensor composite Gauss-Legendre, {cfg.order_2d} nodes x {cfg.panels_2d} panels per axis "
            f"({len(q)} points)"
        )
        out["2d_moment_errors"] = np.abs(moments - np.array([5 / 24, 35 / 96])).tolist()
        if data is not None and "line2d" in data:
            fine = gauss_legendre(tgt.domain, cfg.order_2d, panels=4 * cfg.panels_2d)
            fp = np.asarray(fine.points)
            fu = tgt(fp)
            norm = float(fine.weights @ fu**2)
            for m, d in data["line2d"].items():
                v = np.maximum(fp @ d["final_weights"].T + d["final_biases"], 0) @ d["final_coefficients"]
                err = float(np.sqrt(fine.weights @ (v - fu) ** 2 / norm))
                out[f"2d_final_rel_error_fine_rule/{m}"] = err
                out[f"2d_final_rel_error_change/{m}"] = err - float(d["rel_error"][-1])
    return out


def _nearest(t: np.ndarray, x0: float) -> float:
    return float(np.nanmin(np.abs(t - x0)))


def sggn_measures(cfg: SgGNConfig, data: Series) -> dict[str, Any]:
    """Per problem and method: iterations, final errors and loss, wall time; SgGN's matrix diagnostics;
    the errors of SgGN and of Adam / L-BFGS at equal wall time; on the step, the breakpoint distances."""
    measures: dict[str, Any] = {}
    for p, by_m in data.items():
        s = by_m["sggn"]
        mp: dict[str, Any] = {
            m: {
                "iterations": int(d["iter"][-1]),
                "final_rel_error": float(d["error"][-1]),
                "final_rel_error_training_rule": float(d["rel_error"][-1]),
                "final_loss": float(d["loss"][-1]),
                "wall_time_s": float(d["time"][-1]),
            }
            for m, d in by_m.items()
        }
        mp["sggn"]["min_eig_A"] = float(np.nanmin(s["mass_min_eig"]))
        mp["sggn"]["min_eig_Hhat"] = float(np.nanmin(s["gn_min_eig"])) if len(s["gn_min_eig"]) > 1 else None
        mp["sggn"]["cholesky_failures_A"] = int(np.sum(~s["mass_cholesky"]))
        mp["sggn"]["cholesky_failures_Hhat"] = int(np.sum(~s["gn_cholesky"]))
        for other in ("adam", "lbfgs"):
            if other not in by_m:
                continue
            o = by_m[other]
            t_eq = min(float(s["time"][-1]), float(o["time"][-1]))
            e_s = error_at_time(s["time"], s["error"], t_eq)
            e_o = error_at_time(o["time"], o["error"], t_eq)
            factor = e_o / e_s if e_s > 0 else float("inf")
            mp[f"equal_time_vs_{other}"] = {"time_s": t_eq, "sggn": e_s, other: e_o, "factor": factor}
        measures[p] = mp
    if "step" in data:
        sg = data["step"]["sggn"]
        n = sg["final_weights"].shape[0]
        x0 = cfg.step_x0
        d_end = _nearest(breakpoints_1d(sg["final_weights"], sg["final_biases"]), x0)
        d_ini = _nearest(breakpoints_1d(sg["initial_weights"], sg["initial_biases"]), x0)
        bd = {"initial": d_ini, "final": d_end, "tolerance": cfg.breakpoint_tol / n, "neurons": n}
        if "adam" in data["step"]:
            adam = data["step"]["adam"]
            bd["adam_final"] = _nearest(breakpoints_1d(adam["final_weights"], adam["final_biases"]), x0)
        measures["step"]["breakpoint_distance"] = bd
    return measures
