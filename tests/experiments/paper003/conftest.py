"""What the ``sggn`` tests share: the tiny config and one tiny reference run of it (a session fixture,
read by the tiny-run test in ``test_sggn.py`` and the resume test in ``test_sggn_train.py``)."""

import pytest

from rankscope.experiments import run_experiment

SGGN_TINY = {
    "problems": ["step", "line2d"],
    "neurons_1d": 6,
    "neurons_2d": 4,
    "sggn_iterations": 5,
    "adam_steps": 40,
    "lbfgs_iterations": 20,
    "panels_1d": 16,
    "panels_2d": 6,
    "order_2d": 3,
    "record_every": 10,
    "checkpoint_every": 10,
}


@pytest.fixture
def sggn_tiny():
    """The tiny overrides of ``sggn`` (a fresh copy)."""
    return dict(SGGN_TINY)


@pytest.fixture(scope="session")
def sggn_ref_run(tmp_path_factory):
    """The run directory of ``sggn`` on :data:`SGGN_TINY`, run once (read it, do not write to it)."""
    run = tmp_path_factory.mktemp("sggn") / "ref"
    run_experiment("sggn", "quick", run, SGGN_TINY)
    return run
