import json

import numpy as np
import pytest
import torch

from rankscope.experiments import get_experiment, resolve_config, run_experiment
from rankscope.experiments.claims import Claim, Result
from rankscope.experiments.runner import _conclude, thread_limits
from rankscope.store import RunDir

TINY = {"nets": [[1, 6]], "stages": [["adam", 10, 0.01]], "every": 5, "train_points": 50}


def test_thread_limits_rejects_bad_counts_and_restores_the_count():
    before = torch.get_num_threads()
    with thread_limits(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    for bad in (0, -1, True, 1.0):
        with pytest.raises(ValueError, match="threads must be an integer >= 1"):
            with thread_limits(bad):  # type: ignore[arg-type]
                pass


class _Probe:
    """An experiment-like object with a two-row claim table (not registered)."""

    claims = (
        Claim(
            "x large",
            paper="x > 1",
            reads=("x",),
            criterion=lambda m, c: m["x"] - 1.0,
            describe=lambda m, c: "x",
        ),
        Claim(
            "only in 2D",
            paper="p",
            reads=("x",),
            criterion=lambda m, c: True,
            describe=lambda m, c: "",
            when=lambda c: False,
        ),
    )

    def __init__(self):
        self.drawn = 0

    def figures(self, run_dir):
        self.drawn += 1


def test_the_runner_writes_arrays_decides_the_claim_table_and_draws_figures(tmp_path):
    run = RunDir.create(tmp_path / "r", experiment="probe", preset="quick", config={})
    probe = _Probe()
    body = _conclude(probe, None, run, Result({"x": 0.5}, {"a/b": np.arange(3.0)}))
    assert [c["name"] for c in body["checks"]] == ["x large"]  # the 2D row does not apply
    assert body["checks"][0]["status"] == "fails" and body["checks"][0]["margin"] == -0.5
    assert body["measures"] == {"x": 0.5} and probe.drawn == 1
    np.testing.assert_array_equal(run.read_arrays()["a/b"], np.arange(3.0))
    skipped = _conclude(probe, None, run, Result(skipped="no MiniLM here"))
    assert skipped["skipped"] == "no MiniLM here" and skipped["checks"] == [] and probe.drawn == 1


def test_a_run_is_seeded_by_its_config_and_leaves_the_callers_rng_alone(tmp_path):
    torch.manual_seed(123)
    state = torch.get_rng_state()
    torch.rand(5)  # the caller's generator is somewhere else now ...
    run_experiment("staircase", "quick", tmp_path / "a", TINY)
    after_a = torch.get_rng_state()
    torch.manual_seed(999)  # ... and elsewhere again: the run must not depend on it
    run_experiment("staircase", "quick", tmp_path / "b", TINY)
    a, b = (RunDir(tmp_path / n).read_metrics() for n in "ab")
    assert [r["loss"] for r in a] == [r["loss"] for r in b]
    torch.set_rng_state(state)
    torch.rand(5)
    assert torch.equal(after_a, torch.get_rng_state())  # restored to where the caller left it
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    exp = get_experiment("staircase")
    assert len(summary["checks"]) == sum(
        row.applies(resolve_config(exp, "quick", TINY)) for row in exp.claims
    )
