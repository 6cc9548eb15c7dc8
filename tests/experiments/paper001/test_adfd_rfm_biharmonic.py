"""``adfd-rfm-biharmonic`` (paper 001 Fig. 6(a, b)): a tiny run, and its claim table on synthetic cases
(the shared pipeline and claims: ``test_rfm.py``)."""

from rankscope.experiments.claims import evaluate_claims
from rankscope.experiments.paper001.adfd_rfm_biharmonic import RfmBiharmonicConfig, RfmBiharmonicExperiment


def test_tiny_run_writes_the_run_directory(tmp_path, tiny_rfm_run):
    tiny_rfm_run(tmp_path, "adfd-rfm-biharmonic")


def test_training_error_claim_asks_for_a_decade_between_ad_and_fd(rfm_record):
    cfg = RfmBiharmonicConfig(size=50, seeds=(0, 1))
    claims = RfmBiharmonicExperiment.claims
    cases = [rfm_record(m=50, seed=0), rfm_record(m=50, seed=1)]
    checks = evaluate_claims(claims, {"cases": cases}, cfg)
    assert [c.name for c in checks] == [
        "large singular values of A_AD and A_FD agree (Prop. 1)",
        "small singular values larger for FD (Prop. 2)",
        "H_A_AD(1e-13) > H_A_FD(1e-13) at M = N = 50 (Fig. 6a)",
        "AD training error well below FD past K (Fig. 6b)",
    ]
    assert [c.holds for c in checks] == [True, True, True, True]
    # AD below FD at every position past K, but by half a decade (median): not "well below"
    half = [rfm_record(m=50, seed=s, median_log10_err_ratio_past_k=0.5) for s in (0, 1)]
    assert [c.holds for c in evaluate_claims(claims, {"cases": half}, cfg)] == [True, True, True, False]
    # one seed with FD's entropy above AD's fails the entropy claim
    mixed = [rfm_record(m=50, seed=0), rfm_record(m=50, seed=1, h_fd=0.09)]
    assert [c.holds for c in evaluate_claims(claims, {"cases": mixed}, cfg)] == [True, True, False, True]
