"""``adfd-rfm-poisson2d``: 2D Poisson on [0, 1]^2 with random features, A_AD vs A_FD (five-point
Laplacian), 64 x 64 grid, M = 100 (Fig. 5) and 200 (Fig. 2(c)) (paper 001, appendix B.3; the shared
pipeline is in ``_rfm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rankscope.experiments.base import Experiment, Progress, no_progress
from rankscope.experiments.claims import Result
from rankscope.experiments.paper001._rfm import (
    PROPOSITION_CLAIMS,
    RfmCaseConfig,
    case_measures,
    columns,
    draw_pair,
    entropy_claim,
    run_cases,
    training_error_claim,
)
from rankscope.store import RunDir

__all__ = ["RfmPoisson2dConfig", "RfmPoisson2dExperiment"]


@dataclass(frozen=True)
class RfmPoisson2dConfig(RfmCaseConfig):
    """Configuration of ``adfd-rfm-poisson2d``: M = 100 (Fig. 5) and 200 (Fig. 2(c)), 64 x 64 grid."""

    ms: tuple[int, ...] = (100, 200)
    grid: int = 64


def _first_m_cases(cases: list[dict[str, Any]], cfg: Any) -> list[dict[str, Any]]:
    return [r for r in cases if r["m"] == cfg.ms[0]]


class RfmPoisson2dExperiment(Experiment[RfmPoisson2dConfig]):
    name = "adfd-rfm-poisson2d"
    paper_h = (0.0200, 0.0152)
    Config = RfmPoisson2dConfig
    claims = (
        *PROPOSITION_CLAIMS,
        entropy_claim(paper_h, lambda cfg: f"at M = {cfg.ms[0]} (Fig. 5a)", _first_m_cases),
        training_error_claim(_first_m_cases, name="AD training error below FD past K (Fig. 5b)"),
    )

    def run(self, cfg: RfmPoisson2dConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cases = [("sin", m, cfg.grid, s) for m in cfg.ms for s in cfg.seeds]
        records = run_cases(cases, "poisson2d", cfg, run_dir, progress)
        by_m = {f"M{m}": columns([r for r in records if r["m"] == m]) for m in cfg.ms}
        paper = {"paper_H_AD": self.paper_h[0], "paper_H_FD": self.paper_h[1]}
        return Result({**paper, **by_m, "cases": case_measures(records)})

    def figures(self, run_dir: RunDir) -> None:
        records = run_dir.read_metrics()
        for m in sorted({r["m"] for r in records}):
            rs = [r for r in records if r["m"] == m]
            draw_pair(run_dir, rs, f"fig5_M{m}", f"2D Poisson M = {m}")
