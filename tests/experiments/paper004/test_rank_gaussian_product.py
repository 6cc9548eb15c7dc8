"""Experiment ``rank-gaussian-product`` (paper 004 Thm 5, Cor. 1, Fig. 1(d-f)): products of Gaussians."""

import json

import numpy as np

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper004.rank_gaussian_product import (
    GaussianProductExperiment,
    gaussian_product_checks,
)
from rankscope.linalg import lyapunov_exponents


def _summary(path):
    return json.loads((path / "summary.json").read_text())


def test_tiny_gaussian_product_run(tmp_path):
    run_experiment("rank-gaussian-product", "quick", tmp_path / "g", {"n": 20, "depth": 8, "trials": 2})
    s = _summary(tmp_path / "g")
    assert [c["name"] for c in s["checks"]] == [
        "Thm 5: Lyapunov spectrum of the product",
        "Thm 5: the product's singular values converge to eq. 10",
        "Cor. 1: gradient explosion rate",
        "numerical rank falls exponentially with depth",
    ]
    assert (tmp_path / "g" / "figures" / "gaussian_product.png").is_file()
    arrays = np.load(tmp_path / "g" / "arrays.npz")
    assert arrays["sv64"].shape == (2, 8, 20) and arrays["rank32"].shape == (2, 8)


def _fake_arrays(n=50, depth=20, trials=2, law=True, seed=0):
    rng = np.random.default_rng(seed)
    mu = lyapunov_exponents(n)
    var = 0.25 * np.ones(n) / n
    steps = (
        mu
        + (0 if law else 0.3 * np.linspace(0, 1, n))
        + np.sqrt(var) * rng.standard_normal((trials, depth, n))
    )
    qr = np.cumsum(steps, axis=1)
    sv = np.exp(qr + (np.log(2.0) / np.arange(1, depth + 1))[None, :, None] * 0)
    rank = np.tile(np.linspace(n, n // 4, depth).astype(int), (trials, 1))
    return qr, sv, rank


def test_gaussian_checks_can_hold_and_fail():
    cfg = resolve_config(GaussianProductExperiment(), "quick", {"n": 50, "depth": 20})
    qr, sv, rank = _fake_arrays()
    c = gaussian_product_checks(cfg, qr, sv, rank)[0]
    assert c[0].holds and c[3].holds
    qr_bad, _, _ = _fake_arrays(law=False)
    rank_up = rank.copy()
    rank_up[0, 5] = rank_up[0, 4] + 3
    c = gaussian_product_checks(cfg, qr_bad, sv, rank_up)[0]
    assert not c[0].holds and not c[3].holds
