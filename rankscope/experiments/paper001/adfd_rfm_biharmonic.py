"""``adfd-rfm-biharmonic``: ``u'''' = exp(x)`` on [-1, 1] with random features, A_AD vs A_FD (fourth
difference), M = N = 500 (paper 001 Fig. 6(a, b), appendix B.4; the shared pipeline is in ``_rfm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rankscope.experiments.base import Experiment, Progress, no_progress
from rankscope.experiments.claims import Result
from rankscope.experiments.paper001._rfm import (
    COLUMNS,
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

__all__ = ["RfmBiharmonicConfig", "RfmBiharmonicExperiment"]


@dataclass(frozen=True)
class RfmBiharmonicConfig(RfmCaseConfig):
    """Configuration of ``adfd-rfm-biharmonic``: M = N = 500 (Fig. 6(a, b))."""

    size: int = 500


class RfmBiharmonicExperiment(Experiment[RfmBiharmonicConfig]):
    name = "adfd-rfm-biharmonic"
    paper_h = (0.0841, 0.0023)
    Config = RfmBiharmonicConfig
    claims = (
        *PROPOSITION_CLAIMS,
        entropy_claim(paper_h, lambda cfg: f"at M = N = {cfg.size} (Fig. 6a)"),
        training_error_claim(min_decades=1.0, name="AD training error well below FD past K (Fig. 6b)"),
    )

    def run(self, cfg: RfmBiharmonicConfig, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cases = [("sin", cfg.size, cfg.size, s) for s in cfg.seeds]
        records = run_cases(cases, "biharmonic", cfg, run_dir, progress)
        per_seed = columns(records, (*COLUMNS, "median_log10_err_ratio_past_k"))
        paper = {"paper_H_AD": self.paper_h[0], "paper_H_FD": self.paper_h[1]}
        return Result({**paper, **per_seed, "cases": case_measures(records)})

    def figures(self, run_dir: RunDir) -> None:
        draw_pair(run_dir, run_dir.read_metrics(), "fig6", "biharmonic")
