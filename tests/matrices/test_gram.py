import numpy as np
import pytest
import torch
from torch import nn

from rankscope.linalg import eigenspectrum, eps_rank, gram_from_features
from rankscope.matrices import GramEvaluator, gram_matrices, gram_matrix
from rankscope.nets import MLP
from rankscope.sampling import gauss_legendre, quadrature, trapezoid


class Monomials(nn.Module):
    """Neuron functions 1, x, x^2: their mass matrix on [-1, 1] is known in closed form."""

    def __init__(self) -> None:
        super().__init__()
        self.feat = nn.Identity()
        self.head = nn.Linear(3, 1, bias=False)

    def hidden_layer_names(self):
        return ["feat"]

    def forward(self, x):
        return self.head(self.feat(torch.cat([x**0, x, x**2], dim=1)))


def test_gram_of_monomials_is_the_hilbert_like_closed_form():
    m = gram_matrix(Monomials(), "last", gauss_legendre((-1.0, 1.0), 5))
    exact = np.array([[2, 0, 2 / 3], [0, 2 / 3, 0], [2 / 3, 0, 2 / 5]])
    np.testing.assert_allclose(m, exact, rtol=1e-13, atol=1e-15)


def test_trapezoid_gram_converges_to_the_integral():
    # int_{-1}^{1} x^2 dx = 2/3; the trapezoid error is O(h^2)
    coarse = gram_matrix(Monomials(), "last", trapezoid((-1.0, 1.0), 11))[1, 1]
    fine = gram_matrix(Monomials(), "last", trapezoid((-1.0, 1.0), 101))[1, 1]
    assert abs(fine - 2 / 3) < abs(coarse - 2 / 3) / 50


def test_duplicated_neurons_lose_rank():
    net = MLP(1, 6, 1, seed=0).double()
    with torch.no_grad():
        net.layers[0].linear.weight[3:] = net.layers[0].linear.weight[:3]
        net.layers[0].linear.bias.copy_(torch.tensor([0.1, -0.3, 0.5, 0.1, -0.3, 0.5]))
        net.layers[0].linear.weight[:3, 0] = torch.tensor([1.5, -2.0, 3.0])
        net.layers[0].linear.weight[3:, 0] = torch.tensor([1.5, -2.0, 3.0])
    m = gram_matrix(net, 0, gauss_legendre((-1.0, 1.0), 64))
    assert eps_rank(eigenspectrum(m), 1e-10) == 3


def test_xavier_tanh_starts_near_rank_two_and_deterministic_init_is_near_full():
    """Paper 000 Sec. 2.2: tanh neurons near zero are almost linear, so the eps-rank is about 2;
    Sec. 4.1: tanh(n/2 (x - x_j)) on a uniform grid are nearly independent."""
    q = gauss_legendre((-1.0, 1.0), 400)
    low = eps_rank(gram_matrix(MLP(1, 30, 1, seed=0), "last", q))
    high = eps_rank(gram_matrix(MLP(1, 30, 1, init="deterministic"), "last", q))
    assert low <= 4
    assert high >= 25


def test_gram_matrices_reads_many_layers_in_one_pass():
    net = MLP(1, 5, 3, seed=2)
    q = gauss_legendre((-1.0, 1.0), 32)
    mats = gram_matrices(net, "all", q)
    assert list(mats) == ["layers.0", "layers.1", "layers.2"]
    np.testing.assert_allclose(mats["layers.1"], gram_matrix(net, 1, q), rtol=1e-14)


def test_monte_carlo_weights_from_data_points():
    x = torch.randn(50, 3, dtype=torch.float64)
    net = MLP(3, 4, 1, seed=0)
    q = quadrature(x)
    lin = net.layers[0].linear
    feats = torch.tanh(x @ lin.weight.double().T + lin.bias.double()).detach()
    np.testing.assert_allclose(gram_matrix(net, "last", q), feats.T.numpy() @ feats.numpy() / 50, rtol=1e-12)


def test_bad_input_is_named():
    net = MLP(1, 3, 1)
    with pytest.raises(TypeError, match="quadrature is required"):
        gram_matrix(net, "last")
    with pytest.raises(TypeError, match=r"quadrature must have \.points"):
        gram_matrix(net, "last", [1, 2, 3])
    with pytest.raises(ValueError, match="layer must name one layer"):
        gram_matrix(net, "all", gauss_legendre((-1.0, 1.0), 4))


def test_gram_evaluator_tracks_the_live_model_and_matches_the_functional_path():
    from rankscope.matrices import GramEvaluator

    net = MLP(1, 6, 3, seed=4)
    q = gauss_legendre((-1.0, 1.0), 50)
    ev = GramEvaluator(net, "all", q)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for _ in range(3):
        for name, mat in ev().items():
            np.testing.assert_allclose(mat, gram_matrices(net, [name], q)[name], rtol=1e-13, atol=1e-15)
        loss = net(torch.linspace(-1, 1, 20)[:, None]).pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert next(net.parameters()).dtype == torch.float32
    assert not any(m._forward_hooks for m in net.modules())


def _grouped_dropout_net():
    """16 tanh neurons in 3 groups of identical ones (exact rank 3), then dropout: eval rank 3."""
    net = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Dropout(0.5), nn.Linear(16, 1))
    with torch.no_grad():
        for j in range(16):
            net[0].weight[j, 0] = (1.0, 2.5, -4.0)[j % 3]
            net[0].bias[j] = (0.0, 0.3, -0.5)[j % 3]
    return net.train()


def test_gram_matrices_measure_in_eval_mode_and_restore_flags_and_rng():
    net = _grouped_dropout_net()
    net[3].eval()  # a submodule deliberately left in eval
    q = gauss_legendre((-1.0, 1.0), 60)
    torch.manual_seed(0)
    after = torch.rand(2)
    torch.manual_seed(0)
    m = gram_matrix(net, "last", q)
    x = torch.as_tensor(np.array(q.points))
    by_hand = gram_from_features(torch.tanh(x @ net[0].weight.double().T + net[0].bias.double()), q.weights)
    np.testing.assert_allclose(m, by_hand, rtol=1e-12, atol=1e-14)
    assert eps_rank(eigenspectrum(m)) == eps_rank(eigenspectrum(by_hand)) == 3
    assert [mod.training for mod in net.modules()] == [True, True, True, True, False]
    assert torch.equal(torch.rand(2), after)
    torch.manual_seed(0)
    train = gram_matrix(net, "last", q, mode="train")  # random masks: the rank jumps
    assert torch.equal(torch.rand(2), after)
    assert eps_rank(eigenspectrum(train)) >= 12


def test_gram_evaluator_follows_the_mode_and_never_draws_from_the_global_rng():
    net = _grouped_dropout_net()
    q = gauss_legendre((-1.0, 1.0), 60)
    for mode, low, high in (("eval", 3, 3), ("train", 12, 16), ("as_is", 12, 16)):
        ev = GramEvaluator(net, "last", q, mode=mode)
        torch.manual_seed(1)
        after = torch.rand(2)
        torch.manual_seed(1)
        rank = eps_rank(eigenspectrum(ev()["3:input"]))
        assert torch.equal(torch.rand(2), after)
        assert low <= rank <= high, mode
    net.eval()
    assert eps_rank(eigenspectrum(GramEvaluator(net, "last", q, mode="as_is")()["3:input"])) == 3
    with pytest.raises(ValueError, match=r"mode must be one of \['as_is', 'eval', 'train'\]; got 'test'"):
        GramEvaluator(net, "last", q, mode="test")


def test_points_that_do_not_fit_the_model_name_both_shapes():
    q = quadrature(torch.rand(25, 2, dtype=torch.float64))
    with pytest.raises(
        ValueError,
        match=r"quadrature\.points has shape \(25, 2\) but MLP expects inputs of shape \(m, 1\)",
    ):
        gram_matrices(MLP(1, 4, 2), "all", q)
    with pytest.raises(ValueError, match=r"quadrature\.points has shape \(25, 2\)"):
        GramEvaluator(MLP(1, 4, 2), "all", q)()


def test_gram_evaluator_reads_functional_activations_of_the_live_model():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.head = nn.Linear(1, 5), nn.Linear(5, 1)

        def forward(self, x):
            return self.head(torch.nn.functional.silu(self.a(x)))

    torch.manual_seed(0)
    net = Net()
    q = gauss_legendre((-1.0, 1.0), 40)
    ev = GramEvaluator(net, "all", q)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for _ in range(2):
        np.testing.assert_allclose(ev()["silu()"], gram_matrix(net, "silu()", q), rtol=1e-13, atol=1e-15)
        loss = net(torch.linspace(-1, 1, 20)[:, None]).pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
