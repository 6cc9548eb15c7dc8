"""The claim table of the ``sggn`` experiment (sggn-notes.md, "What to show"), on the measures of
:func:`~rankscope.experiments.paper003._sggn_measures.sggn_measures`.

Not an experiment module (the leading underscore keeps it out of the registry).
"""

from __future__ import annotations

from typing import Any

from rankscope.experiments.claims import Claim
from rankscope.experiments.paper003._sggn_problems import PROBLEMS, SgGNConfig

__all__ = ["SGGN_CLAIMS"]


def _problems(m: Any) -> list[str]:
    """The problems among the measures (the rest, e.g. ``quadrature``, are not per problem)."""
    return [p for p in m if p in PROBLEMS]


def _positive_definite(m: Any) -> bool:
    ok = [
        m[p]["sggn"]["cholesky_failures_A"] == 0 and m[p]["sggn"]["cholesky_failures_Hhat"] == 0
        for p in _problems(m)
    ]
    return bool(ok) and all(ok)


def _final_lower(m: Any) -> dict[str, bool]:
    """Per problem with an Adam run: whether SgGN's final error is below Adam's."""
    return {
        p: m[p]["sggn"]["final_rel_error"] < m[p]["adam"]["final_rel_error"]
        for p in _problems(m)
        if "adam" in m[p]
    }


def _factors(m: Any, other: str) -> dict[str, float]:
    """Per problem: ``other``'s error over SgGN's at equal wall time."""
    key = f"equal_time_vs_{other}"
    return {p: m[p][key]["factor"] for p in _problems(m) if key in m[p]}


def _breakpoint_text(bd: dict[str, Any], cfg: SgGNConfig) -> str:
    return (
        f"nearest breakpoint to x0 = {cfg.step_x0}: {bd['initial']:.2e} initially, {bd['final']:.2e} after "
        f"SgGN (n = {bd['neurons']}; criterion: < {cfg.breakpoint_tol} / n = {bd['tolerance']:.2e}, i.e. "
        f"{cfg.breakpoint_tol:g} of the initial breakpoint spacing)"
    )


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1e}"


def _equal_time_claim(other: str, label: str, paper: str, rule: str) -> Claim:
    """SgGN's error is below ``other``'s at equal wall time on every problem."""
    return Claim(
        f"SgGN beats {label} at equal wall time",
        paper=paper,
        reads=(f"equal_time_vs_{other}",),
        timing=True,
        criterion=lambda m, cfg: bool(_factors(m, other)) and all(f > 1 for f in _factors(m, other).values()),
        describe=lambda m, cfg: (
            "; ".join(f"{p}: {label}/SgGN error ratio {f:.3g}" for p, f in _factors(m, other).items()) + rule
        ),
    )


SGGN_CLAIMS = (
    Claim(
        "A and Hhat positive definite along the SgGN run",
        paper="A and the layer Gauss-Newton matrix Hhat are SPD (distinct hyperplanes, each active in "
        "Omega), so the SgGN step needs no Levenberg-Marquardt shift (sggn-notes, 'Nonlinear step'; "
        "paper 003)",
        reads=("cholesky_failures_A", "cholesky_failures_Hhat", "min_eig_A", "min_eig_Hhat"),
        criterion=lambda m, cfg: _positive_definite(m),
        describe=lambda m, cfg: (
            "; ".join(
                f"{p}: min eig A {m[p]['sggn']['min_eig_A']:.1e}, min eig Hhat "
                f"{_fmt(m[p]['sggn']['min_eig_Hhat'])}, Cholesky failures A/Hhat "
                f"{m[p]['sggn']['cholesky_failures_A']}/{m[p]['sggn']['cholesky_failures_Hhat']}"
                for p in _problems(m)
            )
            + " (criterion: dense Cholesky of both succeeds at every iteration on every problem)"
        ),
    ),
    Claim(
        "SgGN moves a breakpoint onto the step discontinuity",
        paper="SgGN moves the breakpoints to where the target needs them, onto discontinuities (sggn-notes)",
        reads=("breakpoint_distance",),
        criterion=lambda m, cfg: (
            m["step"]["breakpoint_distance"]["final"] < m["step"]["breakpoint_distance"]["tolerance"]
        ),
        describe=lambda m, cfg: _breakpoint_text(m["step"]["breakpoint_distance"], cfg),
        when=lambda cfg: "step" in cfg.problems,
    ),
    Claim(
        "SgGN iterations beat Adam steps",
        paper="about 100 SgGN iterations reach a lower error than 10^4 Adam steps (our reading of the "
        "notes' claim 'converges much more accurately'; the paper gives no table)",
        reads=("final_rel_error",),
        criterion=lambda m, cfg: bool(_final_lower(m)) and all(_final_lower(m).values()),
        describe=lambda m, cfg: (
            "; ".join(
                f"{p}: SgGN {m[p]['sggn']['final_rel_error']:.2e} vs Adam "
                f"{m[p]['adam']['final_rel_error']:.2e}"
                for p in _final_lower(m)
            )
            + f" (relative L2 errors; this run: {cfg.sggn_iterations} SgGN iterations vs "
            f"{cfg.adam_steps} Adam steps, lr {cfg.adam_lr:g}; holds if SgGN is lower on every problem; "
            "2D errors on the finer check rule, see check_error)"
        ),
        title=lambda cfg: f"{cfg.sggn_iterations} SgGN iterations beat {cfg.adam_steps} Adam steps",
    ),
    _equal_time_claim(
        "adam",
        "Adam",
        "SgGN converges faster than Adam in wall time on discontinuous / layer / smooth targets",
        " (errors compared at T = the shorter of the two runs' total times, each method's last "
        "record with time <= T; 2D errors on the finer check rule; holds if the ratio > 1 on every "
        "problem)",
    ),
    _equal_time_claim(
        "lbfgs",
        "L-BFGS",
        "quasi-Newton methods stall on these problems where SgGN does not (sggn-notes)",
        " (same equal-time rule as for Adam; holds if > 1 on every problem)",
    ),
)
