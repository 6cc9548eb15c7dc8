import json
import math

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.checks import unexpected_failures
from rankscope.experiments.paper001_nn import NnPoisson1dExperiment, kernel_checks, loss_checks
from rankscope.experiments.paper001_rfm import (
    entropy_check,
    proposition_checks,
    sweep_checks,
    training_error_check,
)
from rankscope.problems.adfd import adfd_problem, biharmonic_coefficients
from rankscope.store import RunDir

RFM_TINY = {
    "adfd-rfm-poisson1d": {"sizes": [10, 20], "fig3_size": 20, "tanh_size": 12, "seeds": [0]},
    "adfd-rfm-poisson2d": {"ms": [10], "grid": 8, "seeds": [0]},
    "adfd-rfm-biharmonic": {"size": 24, "seeds": [0, 1]},
}
NN_TINY = {
    "width": 8,
    "points": 10,
    "steps": 30,
    "record_every": 10,
    "checkpoint_every": 10,
    "kernel_at": [0.0, 1.0],
    "seeds": [0, 1],
}
NN_TINY_BY = {
    "adfd-nn-poisson1d": {**NN_TINY, "lr": 1e-3},
    "adfd-nn-poisson2d": {**NN_TINY, "points": 6, "boundary_points": 4, "lr": 1e-3},
    "adfd-nn-biharmonic": {**NN_TINY, "lr": 1e-4},
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


@pytest.mark.parametrize("name", sorted(NN_TINY_BY))
def test_tiny_nn_runs_write_the_run_directory(tmp_path, name):
    run_experiment(name, "quick", tmp_path / "r", NN_TINY_BY[name])
    records = RunDir(tmp_path / "r").read_metrics()
    assert [r["step"] for r in records] == [0, 10, 20, 30]
    arrays = np.load(tmp_path / "r" / "arrays.npz")
    n = 36 if name.endswith("2d") else 10
    assert arrays["eig_ad/step30"].shape == (2, n)
    names = {c["name"] for c in _summary(tmp_path / "r")["checks"]}
    assert "AD loss falls faster than FD after the first phase" in names
    assert "large eigenvalues of G_AD and G_FD agree" in names


def test_killed_nn_run_resumes_without_losing_or_duplicating_records(tmp_path):
    cfg = NN_TINY_BY["adfd-nn-poisson1d"]

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if done == 25:
            raise Kill

    run_experiment("adfd-nn-poisson1d", "quick", tmp_path / "ref", cfg)
    with pytest.raises(Kill):
        run_experiment("adfd-nn-poisson1d", "quick", tmp_path / "k", cfg, progress=killer)
    run_experiment("adfd-nn-poisson1d", "quick", tmp_path / "k", cfg, resume=True)
    a, b = RunDir(tmp_path / "ref").read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [r["step"] for r in a] == [r["step"] for r in b]
    assert [r["loss_fd"] for r in a] == [r["loss_fd"] for r in b]


def test_divergence_is_reported(tmp_path):
    with pytest.raises(RuntimeError, match=r"training diverged at step \d+ .* lower the learning rate"):
        run_experiment("adfd-nn-biharmonic", "quick", tmp_path / "d", {**NN_TINY, "lr": 10.0})


# -- the check computations, on synthetic records -------------------------------------------------


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


def test_sweep_checks_read_the_trend_with_m():
    sizes = [50, 100, 200, 400]
    falling = [
        _rec(m=m, h_fd=0.08 * 50 / m, err_fd_at_cutoff=1e-6 * m, h_ad=0.08, err_ad_at_cutoff=1e-6)
        for m in sizes
    ]
    checks, meas = sweep_checks(falling)
    assert [c.holds for c in checks] == [True, False, True]  # FD trend, AD flat, AD >= FD
    assert meas["sizes"] == sizes
    flipped = [_rec(m=m, h_fd=0.09, err_fd_at_cutoff=1e-7, h_ad=0.08, err_ad_at_cutoff=1e-6) for m in sizes]
    assert [c.holds for c in sweep_checks(flipped)[0]] == [False, False, False]


def _nn_records(ratio_late, steps=100):
    recs = []
    for s in range(0, steps + 1, 10):
        lf_ad = 10.0 ** (-s / 20)
        grow = 1.0 if s <= 10 else ratio_late ** ((s - 10) / (steps - 10))
        recs.append(
            {
                "step": s,
                "lf_ad": [lf_ad, lf_ad],
                "lf_fd": [lf_ad * grow, lf_ad * grow],
                "loss_ad": [lf_ad**2] * 2,
                "loss_fd": [(lf_ad * grow) ** 2] * 2,
                "pde_fd": [0.1, 0.1],
            }
        )
    return recs


def test_loss_check_holds_and_fails():
    cfg = resolve_config(NnPoisson1dExperiment(), "quick", {"steps": 100, "phase1_steps": 10})
    assert loss_checks(_nn_records(3.0), cfg)[0][0].holds
    assert not loss_checks(_nn_records(1.0), cfg)[0][0].holds
    assert not loss_checks(_nn_records(0.5), cfg)[0][0].holds


def test_kernel_checks_hold_and_fail():
    cfg = resolve_config(NnPoisson1dExperiment(), "quick", {"steps": 100})
    ad = np.array([np.logspace(0, -12, 20)] * 2)
    fd_good = ad.copy()
    fd_good[:, 8:] = np.logspace(-6, -7, 12)
    recs = [
        {"step": 0, "kernel_ad": {"H": [0.1, 0.1], "e": [5, 5]}, "kernel_fd": {"H": [0.1, 0.1], "e": [5, 5]}},
        {
            "step": 100,
            "kernel_ad": {"H": [0.1, 0.1], "e": [5, 5]},
            "kernel_fd": {"H": [0.02, 0.03], "e": [9, 9]},
        },
    ]
    arrays = {"eig_ad/step0": ad, "eig_fd/step0": ad, "eig_ad/step100": ad, "eig_fd/step100": fd_good}
    checks, _ = kernel_checks(recs, arrays, cfg, (0.025, 0.0021))
    assert [c.holds for c in checks] == [True, True, True]
    fd_bad = ad * 0.5
    recs[1]["kernel_fd"] = {"H": [0.2, 0.2], "e": [3, 3]}
    arrays = {**arrays, "eig_fd/step100": fd_bad}
    checks, _ = kernel_checks(recs, arrays, cfg, (0.025, 0.0021))
    assert [c.holds for c in checks] == [False, False, False]


# -- the problems as data --------------------------------------------------------------------------


def test_biharmonic_solution_meets_the_clamped_conditions():
    c0, c1, c2, c3 = biharmonic_coefficients()
    e = math.e
    assert (c0, c1, c2, c3) == pytest.approx(
        (-e / 4 - 3 / (4 * e), 1 / e - e / 2, (1 / e - e) / 4, -1 / (2 * e))
    )
    u = adfd_problem("biharmonic").solution
    x = np.array([[-1.0], [1.0]])
    np.testing.assert_allclose(u(x), 0.0, atol=1e-14)
    du = (u(x + 1e-6) - u(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(du, 0.0, atol=1e-8)
    # the coefficients printed in Sec. 4 meet u(1) = u'(+-1) = 0 but not u(-1) = 0
    p0, p1, p2, p3 = -5 / (12 * e) - e / 4, 1 / (2 * e) - e / 2, 1 / (4 * e) - e / 4, -1 / (3 * e)
    assert abs(p0 + p1 + p2 + p3 + e) < 1e-12
    assert p0 - p1 + p2 - p3 + 1 / e == pytest.approx(0.2452529608)


def test_poisson2d_forcing_is_the_laplacian_of_the_solution():
    prob = adfd_problem("poisson2d")
    x = np.random.default_rng(0).random((20, 2))
    h = 1e-4
    lap = sum(
        (prob.solution(x + h * ev) - 2 * prob.solution(x) + prob.solution(x - h * ev)) / h**2
        for ev in np.eye(2)
    )
    np.testing.assert_allclose(lap, prob.forcing(x), rtol=1e-5)


# -- the quick presets: the CI-sized reproductions ---------------------------------------------------

# Claims that the quick presets measure honestly as not reproduced (see the experiments' docstrings).
NOT_REPRODUCED = {
    "adfd-rfm-poisson1d": {"Fig. 1 (AD): entropy falls, training error rises as M grows"},
    "adfd-nn-poisson1d": {"H_G_AD(1e-05) > H_G_FD(1e-05) at the end of training"},
    "adfd-nn-poisson2d": {
        "H_G_AD(0.0001) > H_G_FD(0.0001) at the end of training",
        "AD loss falls faster than FD after the first phase",
    },
}
QUICK = [
    f"adfd-{kind}-{problem}" for kind in ("rfm", "nn") for problem in ("poisson1d", "poisson2d", "biharmonic")
]


@pytest.mark.slow
@pytest.mark.parametrize("name", QUICK)
def test_quick_presets_reproduce(tmp_path, name):
    run_experiment(name, "quick", tmp_path / "q")
    checks = _summary(tmp_path / "q")["checks"]
    failing = unexpected_failures(checks, NOT_REPRODUCED.get(name, set()))
    assert not failing, failing
