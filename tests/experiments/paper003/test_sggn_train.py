"""``paper003/_sggn_train.py``: the SgGN and the torch (Adam, L-BFGS) training runs of ``sggn`` resume
from their checkpoint states (the shared ``train_in_turn`` protocol), killed inside an Adam run and
inside an SgGN run of the tiny config."""

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.store import RunDir


def _keys(records):
    return [(r["problem"], r["method"], r["iter"]) for r in records]


# (label, steps done when killed, the last record written): a Trainer reports a step done before it
# records the next one; SgGN records an iteration, then reports it
@pytest.mark.parametrize("kill_at, last", [(("step/adam", 30), 20), (("line2d/sggn", 3), 3)])
def test_killed_run_resumes_without_duplicating_records(tmp_path, sggn_ref_run, sggn_tiny, kill_at, last):
    ref = sggn_ref_run

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if (label, done) == kill_at:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("sggn", "quick", tmp_path / "k", sggn_tiny, progress=killer)
    partial = RunDir(tmp_path / "k").read_metrics()
    assert (f"{partial[-1]['problem']}/{partial[-1]['method']}", partial[-1]["iter"]) == (kill_at[0], last)
    run_experiment("sggn", "quick", tmp_path / "k", sggn_tiny, resume=True)
    a, b = RunDir(ref).read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert _keys(a) == _keys(b)
    np.testing.assert_allclose([r["loss"] for r in b], [r["loss"] for r in a], rtol=1e-8)
    # the wall-time clock travels in the checkpoint: it never runs backwards across the resume
    for key in {(r["problem"], r["method"]) for r in b}:
        times = [r["time"] for r in b if (r["problem"], r["method"]) == key]
        assert times == sorted(times), key
