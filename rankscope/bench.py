"""Benchmark harness: ratios against a baseline measured in the same run.

Benchmarks live in the repository's ``benchmarks/`` folder; each ``bench_*.py`` module there defines
``run(quick: bool) -> list[BenchResult]``. Timings are never asserted in unit tests: this machine is
shared and noisy, so every figure is a ratio of two timings taken side by side.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["BenchResult", "best_of", "discover", "run_all"]


@dataclass(frozen=True)
class BenchResult:
    """One benchmark figure.

    ``kind="overhead"``: the target is ``candidate_s / baseline_s <= target``.
    ``kind="speedup"``: the target is ``baseline_s / candidate_s >= target``.
    """

    name: str
    baseline: str
    baseline_s: float
    candidate: str
    candidate_s: float
    kind: Literal["overhead", "speedup"]
    target: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        if self.kind == "overhead":
            return self.candidate_s / self.baseline_s
        return self.baseline_s / self.candidate_s

    @property
    def passed(self) -> bool:
        return self.ratio <= self.target if self.kind == "overhead" else self.ratio >= self.target

    def describe(self) -> str:
        sym = "<=" if self.kind == "overhead" else ">="
        word = "time ratio" if self.kind == "overhead" else "speed-up"
        return (
            f"{self.name}: {word} {self.ratio:.2f}x (target {sym} {self.target:g}x); "
            f"{self.baseline} {self.baseline_s:.3f}s, {self.candidate} {self.candidate_s:.3f}s"
        )


def best_of(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Return the smallest wall time of ``repeats`` calls of ``fn`` and the last result."""
    best = float("inf")
    out: Any = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def benchmarks_dir() -> Path:
    """The repository's ``benchmarks/`` folder (benchmarks run from a source checkout)."""
    here = Path(__file__).resolve().parents[1] / "benchmarks"
    if not here.is_dir():
        raise FileNotFoundError(
            f"benchmarks folder not found at {here}; run `rankscope bench` from a source checkout "
            "installed with `pip install -e .`"
        )
    return here


def discover(directory: Path | None = None) -> dict[str, Path]:
    """Map benchmark names (file stem without ``bench_``) to their files."""
    directory = directory or benchmarks_dir()
    return {p.stem.removeprefix("bench_"): p for p in sorted(directory.glob("bench_*.py"))}


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"rankscope_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_all(names: list[str] | None = None, *, quick: bool = False) -> list[BenchResult]:
    """Run the named benchmarks (all if ``names`` is empty) and return their results."""
    found = discover()
    names = names or list(found)
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValueError(f"benchmark names {unknown} are unknown; expected some of {list(found)}")
    results: list[BenchResult] = []
    for name in names:
        results.extend(_load(found[name]).run(quick=quick))
    return results
