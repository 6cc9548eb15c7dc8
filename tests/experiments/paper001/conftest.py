"""What the paper 001 tests share: the tiny configs of the ``adfd-*`` experiments, the check of the run
directory a tiny run of each writes (each experiment's test file runs its own) and a synthetic record of
one random-feature case."""

import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.store import RunDir

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
RFM_TINY = {
    "adfd-rfm-poisson1d": {"sizes": [10, 20], "fig3_size": 20, "tanh_size": 12, "seeds": [0]},
    "adfd-rfm-poisson2d": {"ms": [10], "grid": 8, "seeds": [0]},
    "adfd-rfm-biharmonic": {"size": 24, "seeds": [0, 1]},
}

#: one ``adfd-rfm-*`` case (a record of ``_rfm.rfm_case``) on which every claim of the RFM tables holds
RFM_RECORD = {
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


def _summary(path):
    return json.loads((path / "summary.json").read_text())


def _tiny_nn_run(tmp_path, name):
    """Run the ``adfd-nn-*`` experiment ``name`` on its tiny config and check its run directory."""
    run_experiment(name, "quick", tmp_path / "r", NN_TINY_BY[name])
    records = RunDir(tmp_path / "r").read_metrics()
    assert [r["step"] for r in records] == [0, 10, 20, 30]
    arrays = np.load(tmp_path / "r" / "arrays.npz")
    n = 36 if name.endswith("2d") else 10
    assert arrays["eig_ad/step30"].shape == (2, n)
    names = {c["name"] for c in _summary(tmp_path / "r")["checks"]}
    assert "AD loss falls faster than FD after the first phase" in names
    assert "large eigenvalues of G_AD and G_FD agree" in names


def _tiny_rfm_run(tmp_path, name):
    """Run the ``adfd-rfm-*`` experiment ``name`` on its tiny config and check its run directory."""
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


@pytest.fixture
def nn_tiny():
    """The tiny overrides the ``adfd-nn-*`` experiments share (a fresh copy)."""
    return dict(NN_TINY)


@pytest.fixture
def nn_tiny_by():
    """The tiny overrides of each ``adfd-nn-*`` experiment, by name (a fresh copy)."""
    return {name: dict(cfg) for name, cfg in NN_TINY_BY.items()}


@pytest.fixture
def rfm_tiny():
    """The tiny overrides of each ``adfd-rfm-*`` experiment, by name (a fresh copy)."""
    return {name: dict(cfg) for name, cfg in RFM_TINY.items()}


@pytest.fixture
def tiny_nn_run():
    """``(tmp_path, name) ->``: a tiny run of the ``adfd-nn-*`` experiment ``name``, directory checked."""
    return _tiny_nn_run


@pytest.fixture
def tiny_rfm_run():
    """``(tmp_path, name) ->``: a tiny run of the ``adfd-rfm-*`` experiment ``name``, directory checked."""
    return _tiny_rfm_run


@pytest.fixture
def rfm_record():
    """``(**changes) -> record``: :data:`RFM_RECORD` with ``changes``."""
    return lambda **kw: {**RFM_RECORD, **kw}
