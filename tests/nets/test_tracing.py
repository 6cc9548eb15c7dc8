"""Layer discovery by torch.fx: functional activations, each call of a reused module, the fallback."""

import copy
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rankscope.matrices import gram_from_features, gram_matrices
from rankscope.nets import LayerRef, TracingFallbackWarning, capture, hidden_layers, resolve_layers
from rankscope.nets.activations import Cos
from rankscope.nets.tracing import activation_sites, trace
from rankscope.sampling import gauss_legendre

X = torch.linspace(-1, 1, 41, dtype=torch.float64)[:, None]


class Functional(nn.Module):
    """Activations written as functions and methods only: invisible to module hooks."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b, self.c, self.head = nn.Linear(1, 6), nn.Linear(6, 5), nn.Linear(5, 4), nn.Linear(4, 1)

    def forward(self, x):
        h1 = F.relu(self.a(x))
        h2 = F.gelu(self.b(h1))
        h3 = torch.tanh(self.c(h2)).relu()
        return self.head(h3)

    def by_hand(self, x):
        p = {k: v.double() for k, v in self.named_parameters()}
        h1 = torch.relu(x @ p["a.weight"].T + p["a.bias"])
        h2 = F.gelu(h1 @ p["b.weight"].T + p["b.bias"])
        t = torch.tanh(h2 @ p["c.weight"].T + p["c.bias"])
        return {"relu()": h1, "gelu()": h2, "tanh()": t, "relu()@1": t.relu()}


class Reused(nn.Module):
    """The torchvision pattern: one ``self.relu`` module called twice."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.fc1, self.fc2, self.relu, self.head = (
            nn.Linear(1, 6),
            nn.Linear(6, 6),
            nn.ReLU(),
            nn.Linear(6, 1),
        )

    def forward(self, x):
        return self.head(self.relu(self.fc2(self.relu(self.fc1(x)))))


class Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block, self.head = Functional(), nn.Linear(1, 1)

    def forward(self, x):
        return self.head(self.block(self.block(x)))


def test_functional_activations_are_found_in_order_and_read_exactly():
    net = Functional()
    refs = resolve_layers(net, "all")
    assert [r.name for r in refs] == ["relu()", "gelu()", "tanh()", "relu()@1"]
    assert [(r.module, r.function, r.call) for r in refs[::3]] == [("", "relu", 0), ("", "relu", 1)]
    feats = capture(net, refs, X)
    for name, expected in net.by_hand(X).items():
        torch.testing.assert_close(feats[name], expected)
    assert feats["relu()"].dtype == torch.float64 and next(net.parameters()).dtype == torch.float32
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in net.modules())


def test_each_call_of_a_reused_module_is_its_own_layer():
    net = Reused()
    assert [r.name for r in resolve_layers(net, "all")] == ["relu", "relu@1"]
    q = gauss_legendre((-1.0, 1.0), 30)
    mats = gram_matrices(net, "all", q)
    x = torch.as_tensor(np.array(q.points))
    p = {k: v.double() for k, v in net.named_parameters()}
    h1 = torch.relu(x @ p["fc1.weight"].T + p["fc1.bias"])
    h2 = torch.relu(h1 @ p["fc2.weight"].T + p["fc2.bias"])
    np.testing.assert_allclose(mats["relu"], gram_from_features(h1, q.weights), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mats["relu@1"], gram_from_features(h2, q.weights), rtol=1e-12, atol=1e-14)
    assert not np.allclose(mats["relu"], mats["relu@1"])


class Mixed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(2)
        self.fc1, self.fc2, self.relu, self.head = (
            nn.Linear(1, 5),
            nn.Linear(5, 5),
            nn.ReLU(),
            nn.Linear(5, 1),
        )

    def forward(self, x):
        return self.head(self.relu(torch.tanh(self.fc2(self.relu(self.fc1(x))))))


def test_hooks_and_the_traced_graph_read_the_same_values():
    net = Mixed()
    assert [r.name for r in resolve_layers(net, "all")] == ["relu", "tanh()", "relu@1"]
    modules_only = resolve_layers(net, ["relu", "relu@1", "last"])  # read by hooks
    by_hooks = capture(net, modules_only, X)
    by_graph = capture(net, [*modules_only, *resolve_layers(net, "tanh()")], X)  # read in the fx graph
    for name in ("relu", "relu@1", "head:input"):
        torch.testing.assert_close(by_graph[name], by_hooks[name])
    torch.testing.assert_close(by_hooks["relu@1"], by_hooks["head:input"])
    torch.testing.assert_close(by_graph["relu@1"], torch.relu(by_graph["tanh()"]))
    with pytest.raises(ValueError, match=r"layers \['fn'\] were not reached"):
        capture(net, [*modules_only, LayerRef("fn", "", "output", 0, "sigmoid")], X)


def test_inlined_modules_beside_function_sites_are_read_by_hooks():
    net = Outer()
    refs = resolve_layers(net, ["block.relu()@2", "block", "block@1", "last"])
    feats = capture(net, refs, X)  # fx graph for the function site, a hooked pass for "block"
    block64 = copy.deepcopy(net.block).double()
    once = block64(X)
    torch.testing.assert_close(feats["block"], once)
    torch.testing.assert_close(feats["block@1"], block64(once))
    torch.testing.assert_close(feats["head:input"], feats["block@1"])
    torch.testing.assert_close(feats["block.relu()@2"], block64.by_hand(once)["relu()"])


def test_function_sites_in_submodules_carry_the_module_name():
    net = Outer()
    names = [r.name for r in resolve_layers(net, "all")]
    assert names == [
        "block.relu()", "block.gelu()", "block.tanh()", "block.relu()@1",
        "block.relu()@2", "block.gelu()@1", "block.tanh()@1", "block.relu()@3",
    ]  # fmt: skip
    assert resolve_layers(net, "block.gelu()@1")[0] == LayerRef(
        "block.gelu()@1", "block", "output", 1, "gelu"
    )


def test_module_names_of_existing_cases_are_stable():
    seq = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 4), Cos(), nn.Linear(4, 1))
    assert [r.name for r in hidden_layers(seq)] == ["1", "3"]  # Cos is a leaf, not "3.cos()"
    assert [r.name for r in activation_sites(trace(seq))] == ["1", "3"]
    assert LayerRef("a", "a", "output") == LayerRef("a", "a", "output", 0, None)


class Untraceable(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.act, self.head = nn.Linear(1, 3), nn.Tanh(), nn.Linear(3, 1)

    def forward(self, x):
        if x.sum() > 0:  # data-dependent control flow: torch.fx cannot trace it
            x = -x
        return self.head(torch.relu(self.act(self.fc(x))))


def test_untraceable_model_falls_back_to_module_hooks_with_a_warning():
    net = Untraceable()
    with pytest.warns(TracingFallbackWarning, match=r"could not trace Untraceable.*F\.relu"):
        refs = resolve_layers(net, "all")
    assert [r.name for r in refs] == ["act"]
    torch.testing.assert_close(capture(net, refs, X)["act"], torch.tanh(net.fc.double()(-X)))
    with pytest.raises(ValueError, match=r"function call sites, which are read by torch\.fx"):
        capture(net, [LayerRef("relu()", "", "output", 0, "relu")], X)


def test_no_layer_found_lists_the_modules():
    class Linear2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner, self.outer = nn.Linear(1, 3), nn.Linear(3, 1)

        def forward(self, x):
            return self.outer(self.inner(x))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            ValueError, match=r"layers='all' found no hidden layer in Linear2.*\['inner', 'outer'\]"
        ):
            resolve_layers(Linear2(), "all")
    with pytest.raises(ValueError, match=r"unknown layer 'relu\(\)@7'.*\['relu\(\)', 'gelu\(\)'"):
        resolve_layers(Functional(), "relu()@7")
