import math
import warnings

import numpy as np
import pytest
import torch

import rankscope
from rankscope.linalg import effective_rank, eigenspectrum, eps_rank
from rankscope.matrices import gram_matrix
from rankscope.nets import MLP
from rankscope.sampling import gauss_legendre
from rankscope.train import Monitor, NonFiniteFeaturesWarning, RankCappedWarning, Stage, Trainer
from rankscope.train.monitor import _spectrum


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


def test_recorded_spectra_are_eigenspectrum_of_the_gram_matrix_bit_for_bit():
    _, _, loss_fn = _problem()
    net = MLP(1, 10, 3, seed=2)
    q = gauss_legendre((-1.0, 1.0), 150)
    mon = Monitor(net, "all", q, every=1, measures={"effective_rank": effective_rank})
    Trainer(net, loss_fn, [Stage("adam", 3, 1e-2)], [mon]).run()
    rec = mon.measure()
    for layer, mat in rankscope.matrices.gram_matrices(net, "all", q).items():
        spec = eigenspectrum(mat)
        assert np.array_equal(rec["spectrum"][layer], spec.values)  # the fast path of _spectrum
        assert rec["measures"]["eps_rank"][layer] == eps_rank(spec)
        assert rec["measures"]["effective_rank"][layer] == effective_rank(spec)


def test_spectrum_of_a_matrix_not_exactly_symmetric_is_eigenspectrums():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 6))
    sym = a @ a.T
    assert np.array_equal(sym, sym.T)  # exactly symmetric: the fast path
    spec = _spectrum(sym)
    assert spec.kind == "eig" and spec.dtype == "float64" and spec.shape == (6, 6)
    assert np.array_equal(spec.values, eigenspectrum(sym).values)
    nearly = sym.copy()
    nearly[0, 1] += 1e-13  # symmetric to round-off only: eigenspectrum symmetrises it
    assert np.array_equal(_spectrum(nearly).values, eigenspectrum(nearly).values)
    assert not np.array_equal(_spectrum(nearly).values, np.linalg.eigvalsh(nearly)[::-1])
    with pytest.raises(ValueError, match="must be symmetric"):
        _spectrum(a)
    assert len(_spectrum(np.zeros((0, 0)))) == 0


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


def _dropout_net(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Dropout(0.3), torch.nn.Linear(32, 1)
    )


def _train(net, monitor=None, steps=8):
    x, y = torch.linspace(-1, 1, 64)[:, None], torch.sin(3 * torch.linspace(-1, 1, 64))[:, None]
    torch.manual_seed(123)  # the dropout masks of training come from the global RNG
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(steps):
        loss = ((net(x) - y) ** 2).mean()
        if monitor is not None:
            monitor.record(step, loss=loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p.detach().clone() for p in net.parameters()]


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_monitoring_every_step_leaves_training_bitwise_unchanged(mode):
    plain = _train(_dropout_net().train())
    net = _dropout_net().train()
    mon = Monitor(net, "all", gauss_legendre((-1.0, 1.0), 40), every=1, mode=mode)
    monitored = _train(net, mon)
    assert len(mon.history) == 8
    assert all(torch.equal(a, b) for a, b in zip(plain, monitored, strict=True))


def test_dropout_model_is_measured_in_eval_mode_by_default():
    net = _dropout_net().train()
    net[0].eval()  # a submodule deliberately left in eval
    q = gauss_legendre((-1.0, 1.0), 100)
    rec = Monitor(net, "last", q, every=1).record(0)
    x = torch.as_tensor(np.array(q.points))
    feats = torch.tanh(x @ net[0].weight.double().T + net[0].bias.double())  # dropout off
    by_hand = eps_rank(eigenspectrum(rankscope.matrices.gram_from_features(feats, q.weights)))
    assert rec["measures"]["eps_rank"]["3:input"] == by_hand
    assert [m.training for m in net.modules()] == [True, False, True, True, True]
    train = Monitor(net, "last", q, every=1, mode="train").record(0)["measures"]["eps_rank"]["3:input"]
    assert train > by_hand + 5  # random masks make the features look far richer


def test_functional_activations_and_reused_modules_are_monitored():
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.relu = torch.nn.Linear(1, 6), torch.nn.Linear(6, 6), torch.nn.ReLU()
            self.head = torch.nn.Linear(6, 1)

        def forward(self, x):
            return self.head(torch.tanh(self.b(self.relu(self.a(x)))).relu() + self.relu(x))

    mon = Monitor(Net(), "all", gauss_legendre((-1.0, 1.0), 50), every=1)
    assert [r.name for r in mon.refs] == ["relu", "tanh()", "relu()", "relu@1"]
    assert set(mon.record(0)["measures"]["eps_rank"]) == {"relu", "tanh()", "relu()", "relu@1"}


def _diverged():
    net = MLP(1, 6, 2, seed=0)
    with torch.no_grad():
        net.layers[1].linear.weight[0, 0] = float("nan")
    return net


def test_a_diverged_model_records_nan_and_warns_once_naming_layer_and_step():
    net = MLP(1, 6, 2, seed=0)
    seen = []
    mon = Monitor(net, "all", gauss_legendre((-1.0, 1.0), 20), every=1, sink=seen.append)
    mon.record(0, loss=1.0)
    with torch.no_grad():
        net.layers[1].linear.weight[0, 0] = float("nan")
    with pytest.warns(NonFiniteFeaturesWarning) as caught:
        rec = mon.record(5, loss=float("nan"))
        mon.record(6)
    assert len(caught) == 1
    assert "['layers.1'] have NaN or Inf neuron functions at step 5" in str(caught[0].message)
    assert issubclass(NonFiniteFeaturesWarning, RuntimeWarning)
    assert math.isnan(rec["measures"]["eps_rank"]["layers.1"])
    assert isinstance(rec["measures"]["eps_rank"]["layers.0"], int)  # the layer before the NaN is fine
    assert np.isnan(rec["spectrum"]["layers.1"]).all() and len(rec["spectrum"]["layers.1"]) == 6
    ranks = mon.history.eps_rank["layers.1"]
    assert isinstance(ranks[0], int) and math.isnan(ranks[1]) and math.isnan(ranks[2])
    assert len(seen) == 3


def test_on_nonfinite_raise_names_layer_and_step_and_records_nothing():
    mon = Monitor(_diverged(), "all", gauss_legendre((-1.0, 1.0), 20), every=1, on_nonfinite="raise")
    with pytest.raises(
        ValueError, match=r"layers \['layers\.1'\] have NaN or Inf neuron functions at step 3"
    ):
        mon.record(3)
    assert len(mon.history) == 0
    with pytest.raises(ValueError, match=r"on_nonfinite must be one of \['raise', 'warn'\]; got 'ignore'"):
        Monitor(_diverged(), "all", gauss_legendre((-1.0, 1.0), 20), on_nonfinite="ignore")
    with pytest.raises(ValueError, match=r"mode must be one of \['as_is', 'eval', 'train'\]; got 'test'"):
        Monitor(_diverged(), "all", gauss_legendre((-1.0, 1.0), 20), mode="test")


def test_fewer_points_than_features_warns_once_that_the_rank_is_capped():
    with pytest.warns(RankCappedWarning) as caught:
        mon = Monitor(MLP(1, 64, 2, seed=0), "last", gauss_legendre((-1.0, 1.0), 30), every=1)
    assert len(caught) == 1
    assert "layer 'layers.1' has 64 features but the quadrature has 30 points" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mon.record(0)["measures"]["eps_rank"]["layers.1"] <= 30
        Monitor(MLP(1, 64, 2, seed=0), "last", gauss_legendre((-1.0, 1.0), 64))


def test_points_that_do_not_fit_the_model_fail_when_the_monitor_is_built():
    q = rankscope.sampling.quadrature(torch.rand(25, 2, dtype=torch.float64))
    with pytest.raises(
        ValueError, match=r"quadrature\.points has shape \(25, 2\) but MLP expects inputs of shape"
    ):
        Monitor(MLP(1, 4, 2), "all", q)


def test_monitor_on_image_shaped_quadrature_points():
    from rankscope.sampling import quadrature

    imgs = np.random.default_rng(0).random((40, 1, 8, 8))
    q = quadrature(imgs)
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(72, 3)
    )
    mon = Monitor(cnn, "last", q, every=1)
    x = torch.tensor(imgs, dtype=torch.float32)
    opt = torch.optim.SGD(cnn.parameters(), lr=0.1)
    for step in range(2):
        loss = cnn(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        mon.on_step(step, float(loss.detach()))
    feats = cnn.double()[:3](torch.tensor(imgs)).detach().numpy()
    gram = feats.T @ feats / 40
    (layer,) = mon.history.eps_rank
    assert mon.history.eps_rank[layer][-1] == int(np.sum(np.linalg.eigvalsh(gram) > 1e-6))


def _train_with(monitor_kwargs, seed=0, noisy=False):
    x, y, _ = _problem()
    net = MLP(1, 12, 3, seed=seed)
    q = gauss_legendre((-1.0, 1.0), 300)
    sunk = []
    mons = (
        [Monitor(net, "all", q, every=5, sink=sunk.append, **monitor_kwargs)]
        if monitor_kwargs is not None
        else []
    )
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)

    def loss_fn(m):
        if noisy:  # a random minibatch each step: the training thread draws from the global RNG
            idx = torch.randint(0, 200, (64,))
            return ((m(x[idx]) - y[idx]) ** 2).mean()
        return ((m(x) - y) ** 2).mean()

    Trainer(net, loss_fn, [Stage("adam", 40, 1e-2)], mons).run()
    torch.random.set_rng_state(gen_state)
    return net, (mons[0] if mons else None), sunk


def test_background_monitor_records_exactly_the_synchronous_records():
    net_a, sync, sunk_a = _train_with({})
    net_b, bg, sunk_b = _train_with({"background": True})
    assert bg.history.steps == sync.history.steps == list(range(0, 41, 5))
    assert bg.history.measures == sync.history.measures
    for layer in sync.history.spectra:
        assert all(
            np.array_equal(a, b)
            for a, b in zip(sync.history.spectra[layer], bg.history.spectra[layer], strict=True)
        )
    assert [r["step"] for r in sunk_b] == [r["step"] for r in sunk_a]  # the sink got all, in order
    assert all(torch.equal(p, q) for p, q in zip(net_a.parameters(), net_b.parameters(), strict=True))
    bg.close()
    bg.close()


def test_background_monitor_does_not_rewind_the_training_rng():
    plain, _, _ = _train_with(None, noisy=True)
    monitored, mon, _ = _train_with({"background": True}, noisy=True)
    assert len(mon.history) == 9
    assert all(torch.equal(p, q) for p, q in zip(plain.parameters(), monitored.parameters(), strict=True))


def test_background_monitor_refuses_train_mode_and_reraises_worker_errors():
    net = MLP(1, 4, 2)
    q = gauss_legendre((-1.0, 1.0), 20)
    with pytest.raises(ValueError, match="background=True cannot measure in mode='train'"):
        Monitor(net, "last", q, background=True, mode="train")
    with pytest.raises(TypeError, match="background must be True or False"):
        Monitor(net, "last", q, background="yes")
    mon = Monitor(net, "last", q, every=1, background=True, on_nonfinite="raise")
    with torch.no_grad():
        next(net.parameters()).fill_(float("nan"))
    rec = mon.record(0, loss=1.0)
    assert "measures" not in rec  # pending: filled in when flushed
    with pytest.raises(ValueError, match="on_nonfinite='raise'"):
        mon.flush()
