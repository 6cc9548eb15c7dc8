"""rankscope.experiments.paper003._relu_solver_2d: the crossover estimate and the 2D-fit record."""

import math

import pytest

from rankscope.experiments.paper003._relu_solver_2d import FIT_CASE, crossover_n, fit_2d_claims, fit_2d_record
from rankscope.store import RunDir


def test_crossover_by_hand():
    # speed-up s = n / 4096: slope 1, reaches 1 at n = 4096
    assert crossover_n([1024, 2048], [0.25, 0.5]) == pytest.approx(4096)
    assert crossover_n([1024, 2048], [0.5, 0.4]) == math.inf  # falling: never
    assert crossover_n([1024, 2048], [0.9, 1.2]) == 2048  # already faster


def test_record_and_claims_on_a_small_fit(tmp_path):
    run = RunDir.create(tmp_path / "r", experiment="relu-solver", preset="quick", config={})
    for n in (96, 160):
        fit_2d_record(run, n, seed=0, tol=1e-12, leaf_size=32)
    recs = run.read_metrics()
    assert [r["n"] for r in recs] == [96, 160] and all(r["case"] == FIT_CASE for r in recs)
    _, accuracy, backward = fit_2d_claims()
    m = {FIT_CASE: recs}
    assert accuracy.evaluate(m, None).holds
    assert backward.evaluate(m, None).holds
    assert recs[-1]["structured_function_error"] <= 1.01 * recs[-1]["dense_function_error"]
