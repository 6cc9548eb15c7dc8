"""``adfd-rfm-poisson2d`` (paper 001 Figs. 2(c), 5(a, b)): a tiny run, and its claim table on synthetic
cases (the shared pipeline and claims: ``test_rfm.py``)."""

from rankscope.experiments.claims import evaluate_claims
from rankscope.experiments.paper001.adfd_rfm_poisson2d import RfmPoisson2dConfig, RfmPoisson2dExperiment


def test_tiny_run_writes_the_run_directory(tmp_path, tiny_rfm_run):
    tiny_rfm_run(tmp_path, "adfd-rfm-poisson2d")


def test_entropy_and_training_error_claims_read_the_first_m_only(rfm_record):
    cfg = RfmPoisson2dConfig(ms=(100, 200), seeds=(0,))
    good, bad = rfm_record(m=100), rfm_record(m=200, h_fd=0.09, frac_ad_below_fd_past_k=0.5)
    checks = evaluate_claims(RfmPoisson2dExperiment.claims, {"cases": [good, bad]}, cfg)
    assert [c.name for c in checks] == [
        "large singular values of A_AD and A_FD agree (Prop. 1)",
        "small singular values larger for FD (Prop. 2)",
        "H_A_AD(1e-13) > H_A_FD(1e-13) at M = 100 (Fig. 5a)",
        "AD training error below FD past K (Fig. 5b)",
    ]
    assert [c.holds for c in checks] == [True, True, True, True]  # M = 200 fails only the M = 100 claims
    flipped = [rfm_record(m=100, h_fd=0.09, frac_ad_below_fd_past_k=0.5), rfm_record(m=200)]
    checks = evaluate_claims(RfmPoisson2dExperiment.claims, {"cases": flipped}, cfg)
    assert [c.holds for c in checks] == [True, True, False, False]
    # Props. 1 and 2 read every case, the second M's too
    tail = [good, rfm_record(m=200, tail_log10_ratio=-0.5)]
    assert [c.holds for c in evaluate_claims(RfmPoisson2dExperiment.claims, {"cases": tail}, cfg)] == [
        True,
        False,
        True,
        True,
    ]
