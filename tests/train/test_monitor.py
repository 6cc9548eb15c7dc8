import math

import numpy as np
import pytest
import torch

import rankscope
from rankscope.linalg import effective_rank, eigenspectrum, eps_rank
from rankscope.matrices import gram_matrix
from rankscope.nets import MLP
from rankscope.sampling import gauss_legendre
from rankscope.train import Monitor, Stage, Trainer


def _problem():
    x = torch.linspace(-1, 1, 200)[:, None]
    y = torch.sin(3 * x)
    return x, y, (lambda m: ((m(x) - y) ** 2).mean())


def test_monitor_in_a_users_own_loop_matches_direct_computation():
    _x, _y, loss_fn = _problem()
    net = MLP(1, 12, 2, seed=0)
    q = rankscope.sampling.gauss_legendre((-1.0, 1.0), 200)
    monitor = rankscope.Monitor(net, layers="last", quadrature=q, every=10)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(31):
        loss = loss_fn(net)
        rec = monitor.record(step, loss=loss.item())
        if step % 10 == 0:
            assert rec is not None
            assert rec["measures"]["eps_rank"]["layers.1"] == eps_rank(gram_matrix(net, "last", q))
        else:
            assert rec is None
        opt.zero_grad()
        loss.backward()
        opt.step()
    h = monitor.history
    assert h.steps == [0, 10, 20, 30]
    assert len(h.loss) == 4 and all(math.isfinite(v) for v in h.loss)
    assert list(h.eps_rank) == ["layers.1"] and len(h.eps_rank["layers.1"]) == 4
    assert len(h.spectra["layers.1"]) == 4 and h.spectra["layers.1"][0].shape == (12,)


def test_monitor_extra_measures_and_all_layers_and_sink():
    _, _, loss_fn = _problem()
    net = MLP(1, 8, 3, seed=1)
    q = gauss_legendre((-1.0, 1.0), 100)
    seen = []
    mon = Monitor(net, "all", q, every=5, measures={"effective_rank": effective_rank}, sink=seen.append)
    Trainer(net, loss_fn, [Stage("adam", 10, 1e-2)], [mon]).run()
    assert [r["step"] for r in seen] == [0, 5, 10]
    assert set(mon.history.measures) == {"eps_rank", "effective_rank"}
    assert set(mon.history.measures["effective_rank"]) == {"layers.0", "layers.1", "layers.2"}
    er = effective_rank(eigenspectrum(gram_matrix(net, 2, q)))
    assert mon.history.measures["effective_rank"]["layers.2"][-1] == pytest.approx(er, rel=1e-12)


def test_monitor_rejects_bad_arguments_up_front():
    net = MLP(1, 4, 2)
    q = gauss_legendre((-1.0, 1.0), 10)
    with pytest.raises(ValueError, match=r"unknown layer 'nope'"):
        Monitor(net, "nope", q)
    with pytest.raises(ValueError, match="every must be a positive integer"):
        Monitor(net, "last", q, every=0)
    with pytest.raises(ValueError, match="eps must be a finite real number >= 0"):
        Monitor(net, "last", q, eps=-1.0)
    with pytest.raises(TypeError, match="quadrature is required"):
        Monitor(net, "last")


def test_trainer_sees_steps_in_order_and_reduces_the_loss():
    _, _, loss_fn = _problem()
    net = MLP(1, 16, 2, seed=0)
    seen = []

    class Spy:
        def on_step(self, step, loss):
            seen.append((step, loss))

    stages = [Stage("adam", 40, 1e-2), Stage("sgd", 5, 1e-3), Stage("lbfgs", 10, 1.0)]
    t = Trainer(net, loss_fn, stages, [Spy()]).run()
    assert [s for s, _ in seen] == list(range(56))
    assert seen[-1][1] < 0.5 * seen[0][1]
    assert t.step == 55


def test_checkpoint_round_trip_continues_bit_for_bit():
    _, _, loss_fn = _problem()
    stages = [Stage("adam", 20, 1e-2)]
    full = Trainer(MLP(1, 8, 2, seed=0), loss_fn, stages).run()
    part = Trainer(MLP(1, 8, 2, seed=0), loss_fn, stages).run(until=9)
    state = part.state_dict()
    resumed = Trainer(MLP(1, 8, 2, seed=5), loss_fn, stages)
    resumed.load_state_dict(state)
    resumed.run()
    for a, b in zip(full.model.parameters(), resumed.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_stage_validation():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        Stage("adagrad", 10, 1e-3)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        Stage("adam", 10, -1.0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        Stage("adam", 0, 1e-3)


def test_history_eps_rank_is_int():
    net = MLP(1, 4, 1)
    mon = Monitor(net, "last", gauss_legendre((-1.0, 1.0), 20), every=1)
    mon.record(0)
    assert isinstance(mon.history.eps_rank["layers.0"][0], int)
    assert np.isnan(mon.history.loss[0])
