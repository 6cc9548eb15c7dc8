"""``adfd-rfm-poisson1d``: a tiny run, and the claims of Fig. 1 (the sweep over M = N) on synthetic records
(the shared pipeline and claims: ``test_rfm.py``)."""

from rankscope.experiments.paper001.adfd_rfm_poisson1d import sweep_checks


def test_tiny_run_writes_the_run_directory(tmp_path, tiny_rfm_run):
    tiny_rfm_run(tmp_path, "adfd-rfm-poisson1d")


def _rec(**kw):
    return {"activation": "sin", "e_ad": 10, "e_fd": kw["m"] // 5, **kw}


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
