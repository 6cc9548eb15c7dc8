"""Experiment ``sggn`` (paper 003 ref. [1], sggn-notes.md): SgGN vs Adam and L-BFGS."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper003._sggn_measures import error_at_time
from rankscope.experiments.paper003.sggn import SgGNConfig, sggn_checks
from rankscope.store import RunDir

TINY = {
    "problems": ["step", "line2d"],
    "neurons_1d": 6,
    "neurons_2d": 4,
    "sggn_iterations": 5,
    "adam_steps": 40,
    "lbfgs_iterations": 20,
    "panels_1d": 16,
    "panels_2d": 6,
    "order_2d": 3,
    "record_every": 10,
    "checkpoint_every": 10,
}
CHECKS = {
    "A and Hhat positive definite along the SgGN run",
    "SgGN moves a breakpoint onto the step discontinuity",
    "5 SgGN iterations beat 40 Adam steps",
    "SgGN beats Adam at equal wall time",
    "SgGN beats L-BFGS at equal wall time",
}


def _keys(records):
    return [(r["problem"], r["method"], r["iter"]) for r in records]


@pytest.fixture(scope="module")
def ref_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("sggn") / "ref"
    run_experiment("sggn", "quick", run, TINY)
    return run


def test_tiny_run_writes_the_run_directory(ref_run):
    run = ref_run
    for f in [
        "config.toml",
        "metrics.jsonl",
        "arrays.npz",
        "summary.json",
        "figures/sggn_step.png",
        "figures/sggn_line2d.png",
    ]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert {c["name"] for c in summary["checks"]} == CHECKS
    records = RunDir(run).read_metrics()
    keys = _keys(records)
    assert len(keys) == len(set(keys))
    assert [k[2] for k in keys if k[:2] == ("step", "adam")] == [0, 10, 20, 30, 40]
    sg = [r for r in records if r["method"] == "sggn" and r["problem"] == "step"]
    assert sg[0]["iter"] == 0 and len(sg[0]["breakpoints"]) == 6
    assert all(k in sg[-1] for k in ("mass_min_eig", "gn_min_eig", "mass_cholesky", "gn_cholesky", "time"))
    # every method starts from the same neurons and the same L2-projection coefficients
    first = {r["method"]: r for r in records if r["problem"] == "step" and r["iter"] == 0}
    assert first["adam"]["loss"] == pytest.approx(first["sggn"]["loss"], rel=1e-10)
    assert first["lbfgs"]["weights"] == first["sggn"]["weights"]
    # the loss and the relative error are one quantity: J = ||u||^2 e^2 / 2 with ||u||^2 = 0.6 (step at 0.4)
    for r in records:
        if r["problem"] == "step":
            assert r["loss"] == pytest.approx(0.5 * 0.6 * r["rel_error"] ** 2, rel=1e-9)
    assert "2d_moment_errors" in summary["measures"]["quadrature"]
    # 2D records carry the error on the independent (finer) check rule, 1D records do not need it
    assert all(("rel_error_check" in r) == (r["problem"] == "line2d") for r in records)
    assert all(0 < r["rel_error_check"] <= 1.5 for r in records if r["problem"] == "line2d")


@pytest.mark.parametrize("kill_at", [("step/adam", 30), ("line2d/sggn", 3)])
def test_killed_run_resumes_without_duplicating_records(tmp_path, ref_run, kill_at):
    ref = ref_run

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if (label, done) == kill_at:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("sggn", "quick", tmp_path / "k", TINY, progress=killer)
    partial = RunDir(tmp_path / "k").read_metrics()
    assert (f"{partial[-1]['problem']}/{partial[-1]['method']}", partial[-1]["iter"]) == kill_at
    run_experiment("sggn", "quick", tmp_path / "k", TINY, resume=True)
    a, b = RunDir(ref).read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert _keys(a) == _keys(b)
    np.testing.assert_allclose([r["loss"] for r in b], [r["loss"] for r in a], rtol=1e-8)


def test_error_at_time():
    t, e = np.array([0.0, 1.0, 2.0]), np.array([1.0, 0.5, 0.1])
    assert error_at_time(t, e, 2.0) == 0.1
    assert error_at_time(t, e, 0.99) == 1.0
    assert error_at_time(t + 1, e, 0.5) == 1.0


def _series(err, time, n=4, bp=0.4, chol=True):
    it = np.arange(len(err))
    w = np.ones((n, 1))
    return {
        "iter": it,
        "loss": 0.3 * np.asarray(err) ** 2,
        "rel_error": np.asarray(err, dtype=float),
        "error": np.asarray(err, dtype=float),
        "time": np.asarray(time, dtype=float),
        "mass_cholesky": np.full(len(err), chol),
        "gn_cholesky": np.full(len(err), True),
        "mass_min_eig": np.full(len(err), 1e-6),
        "gn_min_eig": np.r_[np.nan, np.full(len(err) - 1, 1e-7)],
        "initial_weights": w,
        "initial_biases": -np.linspace(0.1, 0.9, n),
        "final_weights": w,
        "final_biases": -np.r_[bp, np.linspace(0.6, 0.9, n - 1)],
        "final_coefficients": np.ones(n),
    }


def test_checks_hold_and_fail_on_synthetic_series():
    cfg = SgGNConfig(problems=("step", "multifreq"), sggn_iterations=3, adam_steps=5)
    good = {
        p: {
            "sggn": _series([0.5, 0.1, 0.01, 0.001], [0.0, 0.1, 0.2, 0.3]),
            "adam": _series([0.5, 0.3, 0.2, 0.1, 0.05, 0.04], [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]),
            "lbfgs": _series([0.5, 0.2, 0.1], [0.0, 0.2, 0.4]),
        }
        for p in cfg.problems
    }
    checks, measures = sggn_checks(cfg, good)
    assert all(c.holds for c in checks), [c for c in checks if not c.holds]
    assert measures["step"]["equal_time_vs_adam"]["factor"] == pytest.approx(0.1 / 0.001)
    assert measures["step"]["breakpoint_distance"]["final"] == pytest.approx(0.0, abs=1e-15)

    bad = {p: dict(v) for p, v in good.items()}
    bad["multifreq"] = dict(good["multifreq"])
    bad["multifreq"]["sggn"] = _series([0.5, 0.4, 0.3, 0.2], [0.0, 0.1, 0.2, 0.3], chol=False)
    bad["step"] = dict(good["step"])
    bad["step"]["sggn"] = _series([0.5, 0.1, 0.01, 0.001], [0.0, 0.1, 0.2, 0.3], bp=0.41)
    held = {c.name: c.holds for c in sggn_checks(cfg, bad)[0]}
    assert held == {
        "A and Hhat positive definite along the SgGN run": False,
        "SgGN moves a breakpoint onto the step discontinuity": False,
        "3 SgGN iterations beat 5 Adam steps": False,
        "SgGN beats Adam at equal wall time": False,
        "SgGN beats L-BFGS at equal wall time": False,
    }


def test_bad_config_errors(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"problems\[0\] must be one of \[.step., .layer., .multifreq., .line2d.\]; got .square.",
    ):
        run_experiment("sggn", "quick", tmp_path / "never", {**TINY, "problems": ["square"]})
    assert not (tmp_path / "never").exists()  # refused before anything was written
