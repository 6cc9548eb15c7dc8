"""The shared training of the ``adfd-nn-*`` experiments (paper 001 Figs. 4, 5(c, d), 6(c, d)): resume,
divergence, seeding, kernel steps and the spectrum option (the claims on synthetic records are in
``test_nn_claims.py``, the tiny run of each experiment in ``test_adfd_nn_<problem>.py``, the tiny
configs in ``conftest.py``)."""

import pytest
import torch

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper001._nn import AdFdPair, kernel_steps
from rankscope.experiments.paper001.adfd_nn_poisson1d import NnPoisson1dExperiment
from rankscope.store import RunDir


def test_killed_nn_run_resumes_without_losing_or_duplicating_records(tmp_path, nn_tiny_by):
    cfg = nn_tiny_by["adfd-nn-poisson1d"]

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


def test_divergence_is_reported(tmp_path, nn_tiny):
    with pytest.raises(RuntimeError, match=r"training diverged at step \d+ .* lower the learning rate"):
        run_experiment("adfd-nn-biharmonic", "quick", tmp_path / "d", {**nn_tiny, "lr": 10.0})


def test_seed_offsets_every_network_and_ad_fd_start_alike():
    a, b = AdFdPair(4, 1, (0, 1), seed=0), AdFdPair(4, 1, (0, 1), seed=1)
    assert torch.equal(a.params("ad")["w"], a.params("fd")["w"])
    assert not torch.equal(a.params("ad")["w"], b.params("ad")["w"])
    assert not torch.equal(a.params("ad")["w"][0], a.params("ad")["w"][1])


def test_kernel_steps_are_recorded_steps():
    cfg = resolve_config(NnPoisson1dExperiment(), "quick", {"steps": 1000, "record_every": 30})
    assert kernel_steps(cfg) == [0, 240, 510, 1000]


def test_entropy_of_the_jacobian_sees_the_fd_floor():
    """Def. 1-2 of J's singular values keep FD's float32 floor at 1e-5; of G's eigenvalues they do not."""
    from rankscope.experiments.paper001._nn import kernel_record
    from rankscope.problems.adfd import adfd_problem

    problem = adfd_problem("poisson1d")
    pair = AdFdPair(100, 1, (0,))
    out = {}
    for spectrum in ("jacobian", "kernel"):
        for m in ("ad", "fd"):
            spec = problem.pinn_spec(100, m)
            out[spectrum, m] = kernel_record(pair.params(m), spec, 1e-5, spectrum)[0]
    assert out["kernel", "ad"]["e"] == out["kernel", "fd"]["e"]
    assert out["jacobian", "fd"]["e"][0] > 5 * out["jacobian", "ad"]["e"][0]
    assert out["jacobian", "ad"]["H"][0] > 5 * out["jacobian", "fd"]["H"][0]
