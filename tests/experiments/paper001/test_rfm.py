"""The shared pipeline, claims and resume of the ``adfd-rfm-*`` experiments (paper 001 Figs. 2, 3,
5(a, b), 6(a, b)): a killed run resumed and the claims on synthetic records (the tiny run of each
experiment is in its own test file, ``test_adfd_rfm_<problem>.py``; the tiny configs in ``conftest.py``)."""

import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments.paper001._rfm import entropy_check, proposition_checks, training_error_check
from rankscope.store import RunDir


def test_killed_rfm_run_resumes_the_missing_cases(tmp_path, rfm_tiny):
    cfg = rfm_tiny["adfd-rfm-biharmonic"]

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


def test_proposition_checks_hold_and_fail(rfm_record):
    assert [c.holds for c in proposition_checks([rfm_record(), rfm_record(seed=1)])] == [True, True]
    bad = proposition_checks([rfm_record(top_rel_gap=1e-3), rfm_record(tail_log10_ratio=-0.5)])
    assert [c.holds for c in bad] == [False, False]
    assert not proposition_checks([rfm_record(shared=3)])[0].holds


def test_entropy_and_training_error_checks_hold_and_fail(rfm_record):
    assert entropy_check([rfm_record(), rfm_record(seed=1)], 1e-12, (0.0866, 0.0056), "x").holds
    assert not entropy_check(
        [rfm_record(), rfm_record(seed=1, h_fd=0.09)], 1e-12, (0.0866, 0.0056), "x"
    ).holds
    assert training_error_check([rfm_record()]).holds
    assert not training_error_check([rfm_record(frac_ad_below_fd_past_k=0.5)]).holds
    assert not training_error_check([rfm_record(median_log10_err_ratio_past_k=0.5)], min_decades=1.0).holds
