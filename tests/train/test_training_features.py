import numpy as np
import pytest
import torch
from torch import nn

from rankscope.linalg import gram_from_features
from rankscope.nets import MLP
from rankscope.nets.layer_specs import resolve_layers
from rankscope.sampling import trapezoid
from rankscope.train import Monitor
from rankscope.train.training_features import TrainingFeatures


def _batch(m: int = 200):
    q = trapezoid((-1.0, 1.0), m)
    x, _ = q.to_torch(dtype=torch.float32)
    return q, x, torch.sin(3 * x)


def test_the_gram_matrix_is_that_of_the_training_forward():
    q, x, _ = _batch()
    net = MLP(1, 12, 2, seed=0)
    tf = TrainingFeatures(net, resolve_layers(net, ["layers.0", "layers.1"]), q)
    net(x)
    mats = tf.grams()
    with torch.no_grad():
        h0 = net.layers[0](x)
        h1 = net.layers[1](h0)
    # independent: linalg's D^T W D of features computed by hand from the same float32 forward
    np.testing.assert_allclose(
        mats["layers.0"], gram_from_features(h0.double().numpy(), q.weights), rtol=1e-13
    )
    np.testing.assert_allclose(
        mats["layers.1"], gram_from_features(h1.double().numpy(), q.weights), rtol=1e-13
    )
    tf.close()
    assert not net._forward_pre_hooks and not net.layers[0]._forward_hooks


def test_a_training_monitor_matches_the_replica_record_by_record():
    q, x, y = _batch(400)
    net = MLP(1, 30, 3, seed=1)
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    replica = Monitor(net, "last", q, every=1)
    hooked = Monitor(net, "last", q, every=1, features="training")
    for step in range(300):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        if step % 30 == 0:  # both measure the parameters of this forward (before the update)
            a = hooked.record(step, loss=loss.item())
            b = replica.record(step, loss=loss.item())
            # float32 features move eigenvalues by float32 rounding of the Gram matrix (~1e-7 of the
            # largest), so a rank may cross eps = 1e-6 by one where an eigenvalue sits at it
            ra, rb = a["measures"]["eps_rank"]["layers.2"], b["measures"]["eps_rank"]["layers.2"]
            assert abs(ra - rb) <= 1, (step, ra, rb)
            sa, sb = np.array(a["spectrum"]["layers.2"]), np.array(b["spectrum"]["layers.2"])
            np.testing.assert_allclose(sa, sb, rtol=0, atol=1e-7 * sb[0])
        opt.step()
    assert hooked.history.eps_rank["layers.2"][-1] > hooked.history.eps_rank["layers.2"][0]
    hooked.close()


def test_it_refuses_what_it_cannot_measure():
    q, x, _ = _batch()
    net = MLP(1, 8, 2, seed=0)
    mon = Monitor(net, "last", q, every=1, features="training")
    with pytest.raises(ValueError, match="no forward pass"):
        mon.record(0)
    net(x[:50])
    with pytest.raises(ValueError, match=r"shape \(50, 1\) that are not the quadrature's points"):
        mon.record(1)
    net(x + 1.0)
    with pytest.raises(ValueError, match="not the quadrature's points"):
        mon.record(2)
    net(x)
    assert mon.record(3)["measures"]["eps_rank"]["layers.1"] >= 1
    with pytest.raises(ValueError, match="features"):
        Monitor(net, "last", q, features="live")
    mon.close()


def test_a_value_changed_in_place_is_refused():
    q, x, _ = _batch()
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(1, 5), nn.ReLU(inplace=True), nn.Linear(5, 1))
    tf = TrainingFeatures(net, resolve_layers(net, ["0"]), q)
    net(x)  # the inplace ReLU rewrites the Linear's output
    with pytest.raises(ValueError, match="changed in place"):
        tf.grams()


def test_background_records_equal_the_synchronous_ones_bit_for_bit():
    q, x, y = _batch(300)
    net = MLP(1, 20, 2, seed=2)
    opt = torch.optim.SGD(net.parameters(), 1e-2)
    sync = Monitor(net, "last", q, every=5, features="training")
    bg = Monitor(net, "last", q, every=5, features="training", background=True)
    for step in range(40):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()  # the features in hand are of the forward before this update; still readable
        sync.record(step, loss=loss.item())
        bg.record(step, loss=loss.item())
    bg.close()
    assert bg.history.steps == sync.history.steps == list(range(0, 40, 5))
    assert bg.history.eps_rank == sync.history.eps_rank
    for a, b in zip(bg.history.spectra["layers.1"], sync.history.spectra["layers.1"], strict=True):
        np.testing.assert_array_equal(a, b)
    sync.close()
