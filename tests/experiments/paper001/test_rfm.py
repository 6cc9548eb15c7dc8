"""The shared pipeline, claims and resume of the ``adfd-rfm-*`` experiments (paper 001 Figs. 2, 3,
5(a, b), 6(a, b)): tiny runs of each, a killed run resumed, and the claims on synthetic records."""

import json

import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper001._rfm import entropy_check, proposition_checks, training_error_check
from rankscope.store import RunDir

RFM_TINY = {
    "adfd-rfm-poisson1d": {"sizes": [10, 20], "fig3_size": 20, "tanh_size": 12, "seeds": [0]},
    "adfd-rfm-poisson2d": {"ms": [10], "grid": 8, "seeds": [0]},
    "adfd-rfm-biharmonic": {"size": 24, "seeds": [0, 1]},
}


def _summary(path):
    return json.loads((path / "summary.json").read_text())


@pytest.mark.parametrize("name", sorted(RFM_TINY))
def test_tiny_rfm_runs_write_the_run_directory(tmp_path, name):
    run_experiment(name, "quick", tmp_path / "r", RFM_TINY[name])
    for f in ("config.toml", "metrics.jsonl", "arrays.npz", "summary.json", "report.html"):
        assert (tmp_path / "r" / f).is_file(), f
    assert list((tmp_path / "r" / "figures").glob("*.png"))
    names = [c["name"] for c in _summary(tmp_path / "r")["checks"]]
    assert names[:2] == [
        "large singular values of A_AD and A_FD agree (Prop. 1)",
        "small singular values larger for FD (Prop. 2)",
    ]
    assert any(n.startswith("H_A_AD(") for n in names)


def test_killed_rfm_run_resumes_the_missing_cases(tmp_path):
    cfg = RFM_TINY["adfd-rfm-biharmonic"]

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if done == 1:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("adfd-rfm-biharmonic", "quick", tmp_path / "k", cfg, progress=killer)
    assert len(RunDir(tmp_path / "k").read_metrics()) == 1
    run_experiment("adfd-rfm-biharmonic", "quick", tmp_path / "k", cfg, resume=True)
    run_experiment("adfd-rfm-biharmonic", "quick", tmp_path / "ref", cfg)
    a, b = RunDir(tmp_path / "k").read_metrics(), RunDir(tmp_path / "ref").read_metrics()
    assert [r["h_ad"] for r in a] == [r["h_ad"] for r in b]


def _rec(**kw):
    base = {
        "h": 0.02,
        "top_rel_gap": 1e-5,
        "shared": 10,
        "n_large": 5,
        "tail_log10_ratio": 3.0,
        "seed": 0,
        "h_ad": 0.08,
        "h_fd": 0.01,
        "e_ad": 10,
        "e_fd": 90,
        "frac_ad_below_fd_past_k": 1.0,
        "median_log10_err_ratio_past_k": 2.0,
        "err_ad_at_cutoff": 1e-6,
        "err_fd_at_cutoff": 1e-5,
        "activation": "sin",
        "m": 100,
    }
    return {**base, **kw}


def test_proposition_checks_hold_and_fail():
    assert [c.holds for c in proposition_checks([_rec(), _rec(seed=1)])] == [True, True]
    bad = proposition_checks([_rec(top_rel_gap=1e-3), _rec(tail_log10_ratio=-0.5)])
    assert [c.holds for c in bad] == [False, False]
    assert not proposition_checks([_rec(shared=3)])[0].holds


def test_entropy_and_training_error_checks_hold_and_fail():
    assert entropy_check([_rec(), _rec(seed=1)], 1e-12, (0.0866, 0.0056), "x").holds
    assert not entropy_check([_rec(), _rec(seed=1, h_fd=0.09)], 1e-12, (0.0866, 0.0056), "x").holds
    assert training_error_check([_rec()]).holds
    assert not training_error_check([_rec(frac_ad_below_fd_past_k=0.5)]).holds
    assert not training_error_check([_rec(median_log10_err_ratio_past_k=0.5)], min_decades=1.0).holds
