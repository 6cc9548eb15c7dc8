import numpy as np
import pytest
import torch
from torch import nn
from torch.func import functional_call, jacrev

from rankscope.analyze import diagnostics
from rankscope.analyze.diagnostics import (
    feature_spectra,
    jacobian_ranks,
    label_dimensions,
    ntk_top,
    weight_ranks,
)
from rankscope.nets import MLP


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(3 * 36, 4))


def test_feature_spectra_equal_the_gram_eigenvalues_computed_directly():
    net = MLP(2, 7, 2, seed=1)
    x = torch.rand(40, 2, dtype=torch.float64)
    d = feature_spectra(net, x, "all", eps=1e-6)
    feats = {}
    net.layers[0].register_forward_hook(lambda m, i, o: feats.__setitem__("0", o))
    net.layers[1].register_forward_hook(lambda m, i, o: feats.__setitem__("1", o))
    with torch.no_grad():
        net.double()(x)
    for key, name in (("0", "layers.0"), ("1", "layers.1")):
        mat = feats[key].numpy()
        lam = np.linalg.eigvalsh(mat.T @ mat / 40)[::-1]
        np.testing.assert_allclose(d.arrays[f"gram_eigenvalues/{name}"], lam, rtol=1e-10, atol=1e-14)
        assert d.measures[name]["eps_rank"] == int(np.sum(lam > 1e-6))
        assert d.measures[name]["rank_capped_by_points"] is False


def test_image_inputs_and_a_rank_capped_layer():
    x = torch.rand(5, 1, 6, 6)
    d = feature_spectra(_cnn(), x, "all")
    conv = d.measures["1"]  # the tanh after the convolution: the hidden layer
    assert conv["features"] == 3 * 36 and conv["rank_capped_by_points"] is True
    assert conv["eps_rank"] <= 5
    # more features than points: the spectrum comes from the 5 x 5 dual, equal to the top of D^T W D
    with torch.no_grad():
        f = _cnn()[:2].double()(x.double()).reshape(5, -1).numpy()
    primal = np.linalg.eigvalsh(f.T @ f / 5)[::-1][:5]
    np.testing.assert_allclose(d.arrays["gram_eigenvalues/1"], primal, rtol=1e-9, atol=1e-13)
    assert conv["condition_number"] == float("inf")


def test_weight_ranks_reshape_conv_kernels_and_match_numpy():
    net = _cnn()
    with torch.no_grad():
        net[3].weight[2] = net[3].weight[0] + net[3].weight[1]  # rank 3 of 4 rows
    d = weight_ranks(net)
    assert d.measures["0.weight"]["matrix"] == [3, 9]
    assert d.measures["3.weight"]["numerical_rank"] == 3
    w = net[0].weight.detach().double().reshape(3, -1).numpy()
    np.testing.assert_allclose(
        d.arrays["weight_singular_values/0.weight"], np.linalg.svd(w, compute_uv=False)
    )


def test_ntk_top_matches_the_dense_kernel_from_jacrev(monkeypatch: pytest.MonkeyPatch):
    net = _cnn().double()
    x = torch.rand(6, 1, 6, 6, dtype=torch.float64)
    params = {n: p.detach() for n, p in net.named_parameters()}
    jac = jacrev(lambda p: functional_call(net, p, (x,)).reshape(-1))(params)
    j = torch.cat([v.reshape(24, -1) for v in jac.values()], dim=1).numpy()
    lam = np.linalg.eigvalsh(j @ j.T)[::-1]
    d = ntk_top(net, x, k=8)
    assert d.measures["method"] == "dense" and "capped" not in d.measures
    np.testing.assert_allclose(d.arrays["ntk_top_eigenvalues"], lam[:8], rtol=1e-10)
    monkeypatch.setattr(diagnostics, "DENSE_NTK_ROWS", 0)  # the matrix-free path, same kernel
    m = ntk_top(net, x, k=8)
    assert m.measures["method"] == "matrix-free"
    np.testing.assert_allclose(m.arrays["ntk_top_eigenvalues"], lam[:8], rtol=1e-8)


def test_ntk_top_caps_the_points_by_rows_and_says_so():
    net = _cnn().double()  # 4 outputs a point
    x = torch.rand(6, 1, 6, 6, dtype=torch.float64)
    d = ntk_top(net, x, k=3, max_rows=10)
    assert d.measures["points"] == 2 and d.measures["points_given"] == 6 and d.measures["outputs"] == 8
    assert "2 of 6 points" in d.measures["capped"]
    full = ntk_top(net, x[:2], k=3)
    np.testing.assert_allclose(d.arrays["ntk_top_eigenvalues"], full.arrays["ntk_top_eigenvalues"])
    with pytest.raises(ValueError, match="max_rows"):
        ntk_top(net, x, max_rows=0)


def test_jacobian_ranks_of_a_linear_bottleneck():
    net = nn.Sequential(nn.Linear(6, 2, bias=False), nn.Linear(2, 5))
    d = jacobian_ranks(net, torch.rand(3, 6))
    assert d.measures["ranks"] == [2, 2]


def test_labels_give_the_classification_dimension_and_deficits():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    x = torch.randn(60, 4)
    y = net(x).argmax(1)
    d = label_dimensions(net, x, y)
    cls = d.measures["classification"]
    assert cls["full_accuracy"] == 1.0 and 1 <= cls["cls_dim"] <= 8
    assert set(d.measures["independence_deficit"]) <= {"0", "1", "2"}


@pytest.mark.parametrize("net", [nn.Sequential(nn.Linear(3, 2), nn.Tanh())])
def test_label_dimensions_skip_without_a_linear_head(net):
    assert "linear head" in label_dimensions(net, torch.rand(4, 3), torch.zeros(4, dtype=torch.long)).skipped
