"""``loss-bound`` (paper 000 Thm 3.2/3.3): a tiny run, a killed run resumed, and the claims."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper000.loss_bound import LossBoundExperiment, loss_bound_checks
from rankscope.store import RunDir

TINY_BOUND = {
    "width": 10,
    "stages": [["adam", 60, 1e-2]],
    "every": 5,
    "checkpoint_every": 20,
    "train_points": 100,
    "quadrature_points": 200,
}


class Kill(Exception):
    pass


def _killer(at):
    def progress(label, done, total):
        if done == at:
            raise Kill

    return progress


def test_tiny_loss_bound_run_writes_the_run_directory(tmp_path):
    run_experiment("loss-bound", "quick", tmp_path / "r", TINY_BOUND)
    run = tmp_path / "r"
    for f in ["config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "figures/loss_bound.png"]:
        assert (run / f).is_file(), f
    summary = json.loads((run / "summary.json").read_text())
    assert [c["name"] for c in summary["checks"]] == [
        "Theorem 3.2 inequality holds",
        "Lemma 3.1 bound met by the pivoted-QR permutation",
        "the bound of Theorem 3.2 is loose",
        "lower bound (3.4) is below the measured sqrt(loss)",
        "dist(u*, F_p) falls as the eps-rank grows",
    ]
    records = RunDir(run).read_metrics()
    assert [r["step"] for r in records] == list(range(0, 61, 5))
    assert [b["eps"] for b in records[0]["bounds"]] == [1e-4, 1e-6, 1e-8]
    arrays = np.load(run / "arrays.npz")
    assert arrays["1e-06/p"].shape == (13,)
    # the paper's L = ||u_n - u*||^2 is about 2 x the MSE on the equispaced training points of [-1, 1]
    np.testing.assert_allclose(arrays["l2_loss"], 2 * arrays["loss"], rtol=0.1)


def test_killed_loss_bound_run_resumes_identically(tmp_path):
    run_experiment("loss-bound", "quick", tmp_path / "ref", TINY_BOUND)
    with pytest.raises(Kill):
        run_experiment("loss-bound", "quick", tmp_path / "k", TINY_BOUND, progress=_killer(33))
    run_experiment("loss-bound", "quick", tmp_path / "k", TINY_BOUND, resume=True)
    a, b = RunDir(tmp_path / "ref").read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert a == b


def _bound_series(n_rec=50, **override):
    it = np.arange(n_rec) * 10
    p = np.linspace(2, 30, n_rec).round()
    d = {
        "iter": it,
        "loss": np.linspace(1.0, 0.01, n_rec),
        "sqrt_l2_loss": np.linspace(1.4, 0.14, n_rec),
        "C": np.full(n_rec, 4.0),
        "1e-06/p": p,
        "1e-06/error": np.full(n_rec, 1e-7),
        "1e-06/bound": np.full(n_rec, 1e-2),
        "1e-06/v22_inv_norm_sq": np.full(n_rec, 5.0),
        "1e-06/lemma_bound": (p + 1) * (50 - p),
        "1e-06/dist": np.linspace(1.3, 0.13, n_rec),
        "1e-06/lower_bound": np.linspace(1.2, -0.1, n_rec),
        "1e-06/lower_bound_achieved": np.linspace(1.29, 0.12, n_rec),
    }
    for key, value in override.items():
        d[f"1e-06/{key}"] = value
    return d


def test_loss_bound_checks_hold_and_fail_on_synthetic_series():
    cfg = resolve_config(LossBoundExperiment(), "quick")
    checks, measures = loss_bound_checks(cfg, _bound_series())
    assert [c.holds for c in checks] == [True] * 5
    assert measures["eps=1e-06"]["bound_over_error_median"] == pytest.approx(1e5)
    assert measures["eps=1e-06"]["lower_bound_nonvacuous_steps"] == 46  # 1.2 - 1.3 i / 49 > 0 iff i <= 45
    err = np.full(50, 1e-7)
    err[7] = 0.02  # above the bound once
    v22 = np.full(50, 5.0)
    v22[3] = 1e4  # Lemma 3.1 missed once
    lb = np.linspace(1.2, -0.1, 50)
    lb[0] = 2.0  # the "lower" bound above the measured sqrt(loss)
    bad = _bound_series(error=err, v22_inv_norm_sq=v22, lower_bound=lb, dist=np.linspace(0.1, 1.3, 50))
    checks, _ = loss_bound_checks(cfg, bad)
    assert [c.holds for c in checks] == [False, False, True, False, False]
    checks, _ = loss_bound_checks(cfg, _bound_series(error=np.full(50, 5e-3)))  # bound only 2x the error
    assert checks[2].holds is False


def test_remark_3_5_check_uses_the_rank_growth_phase():
    cfg = resolve_config(LossBoundExperiment(), "quick")
    # p grows for 20 records, then saturates and flickers 29/30 while dist keeps falling
    p = np.concatenate([np.linspace(2, 30, 20).round(), np.tile([29.0, 30.0], 40)])
    d = _bound_series(100, p=p, dist=np.geomspace(1.3, 0.01, 100), lemma_bound=(p + 1) * (50 - p))
    checks, measures = loss_bound_checks(cfg, d)
    m = measures["eps=1e-06"]
    assert m["growth_phase_records"] == 20
    assert m["spearman_p_dist_growth_phase"] == pytest.approx(-1.0)
    assert m["spearman_p_dist_whole_run"] > -0.5
    assert checks[4].holds
    d["1e-06/dist"] = np.concatenate([np.linspace(0.1, 1.3, 20), np.full(80, 1.3)])  # dist grows with p
    assert not loss_bound_checks(cfg, d)[0][4].holds
