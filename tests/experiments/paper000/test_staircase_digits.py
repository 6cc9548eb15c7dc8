"""``staircase-digits`` (paper 000 Ex. 2.7, Fig. 5): a tiny run, a killed run resumed, and the claims."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper000.staircase_digits import StaircaseDigitsExperiment, digits_checks
from rankscope.store import RunDir

pytest.importorskip("sklearn")

TINY_DIGITS = {
    "width": 12,
    "depth": 2,
    "stages": [["adam", 60, 1e-3]],
    "every": 5,
    "checkpoint_every": 20,
}


class Kill(Exception):
    pass


def _killer(at):
    def progress(label, done, total):
        if done == at:
            raise Kill

    return progress


def test_tiny_digits_run_writes_the_run_directory(tmp_path):
    run_experiment("staircase-digits", "quick", tmp_path / "r", TINY_DIGITS)
    run = tmp_path / "r"
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/staircase_digits.png"]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert [c["name"] for c in summary["checks"]] == [
        "eps-rank starts near the dimension of affine functions of z",
        "eps-rank rises in steps",
        "loss falls fastest where the eps-rank grows",
        "the classifier works",
    ]
    records = RunDir(run).read_metrics()
    assert [r["step"] for r in records] == list(range(0, 61, 5))
    assert all(0.0 <= r["test_accuracy"] <= 1.0 for r in records)
    arrays = np.load(run / "arrays.npz")
    assert arrays["spectrum"].shape == (13, 12)
    assert arrays["eps_rank"].max() <= 12


def test_killed_digits_run_resumes_identically(tmp_path):
    run_experiment("staircase-digits", "quick", tmp_path / "ref", TINY_DIGITS)
    with pytest.raises(Kill):
        run_experiment("staircase-digits", "quick", tmp_path / "k", TINY_DIGITS, progress=_killer(47))
    assert RunDir(tmp_path / "k").read_metrics()[-1]["step"] == 45
    run_experiment("staircase-digits", "quick", tmp_path / "k", TINY_DIGITS, resume=True)
    a, b = RunDir(tmp_path / "ref").read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [r["step"] for r in a] == [r["step"] for r in b]
    assert [(r["loss"], r["test_accuracy"], r["spectrum"]) for r in a] == [
        (r["loss"], r["test_accuracy"], r["spectrum"]) for r in b
    ]
    # resuming a finished run does not train again
    run_experiment("staircase-digits", "quick", tmp_path / "k", TINY_DIGITS, resume=True)
    assert len(RunDir(tmp_path / "k").read_metrics()) == len(a)


def _digits_series(ranks, loss, acc):
    it = np.arange(len(ranks)) * 10
    return {
        "iter": it,
        "loss": np.asarray(loss, dtype=float),
        "eps_rank": np.asarray(ranks),
        "test_accuracy": np.full(len(it), acc),
        "train_accuracy": np.full(len(it), acc),
    }


def test_digits_checks_hold_on_a_staircase_and_fail_on_a_flat_series():
    cfg = resolve_config(StaircaseDigitsExperiment(), "quick")
    ranks = np.concatenate([np.full(30, 11), np.full(30, 25), np.full(40, 50)])
    loss = np.concatenate([np.full(30, 2.0), np.full(30, 0.5), np.full(40, 0.05)])
    loss[28] = loss[29] = 1.0
    loss[58] = loss[59] = 0.2
    checks, measures = digits_checks(cfg, _digits_series(ranks, loss, 0.95))
    assert [c.holds for c in checks] == [True, True, True, True]
    assert measures["plateau_levels"] == [11, 25, 50]
    checks, _ = digits_checks(cfg, _digits_series(np.full(100, 40), np.linspace(2.0, 1.0, 100), 0.5))
    assert [c.holds for c in checks] == [False, False, False, False]
