"""The claims of the ``adfd-nn-*`` experiments (paper 001 Figs. 4, 5(c, d), 6(c, d)) on synthetic records."""

import numpy as np

from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper001._nn_claims import kernel_checks, loss_checks
from rankscope.experiments.paper001.adfd_nn_poisson1d import NnPoisson1dExperiment


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
