"""Fully connected networks of paper 000: the MLP (eq. 1.1), the residual MLP (eq. 4.6) and the MLP
behind a 10-neuron bottleneck of Example 2.7; and paper 002's standard-normal MLP (Fig. 2(a)).

All expose ``hidden_layer_names()``: the ordered names of the modules whose outputs are the neuron
functions of each hidden layer, so ``rankscope.nets.layer_specs`` can find "all" or "last" layers.
"""

from __future__ import annotations

import torch
from torch import nn

from rankscope._checks import check_choice, check_positive_int
from rankscope.nets.activations import activation
from rankscope.nets.init import initialise

__all__ = ["MLP", "BottleneckMLP", "HiddenLayer", "ResidualMLP", "build_mlp", "normal_mlp"]


class HiddenLayer(nn.Module):
    """One hidden layer ``y -> sigma(W y + b)``, or with ``residual=True`` ``y -> y + sigma(W y + b)``."""

    def __init__(self, in_dim: int, out_dim: int, act: str, *, residual: bool = False) -> None:
        super().__init__()
        if residual and in_dim != out_dim:
            raise ValueError(f"residual=True needs in_dim == out_dim; got in_dim={in_dim}, out_dim={out_dim}")
        self.linear = nn.Linear(in_dim, out_dim)
        self.act = activation(act)
        self.residual = residual

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        z = self.act(self.linear(y))
        out: torch.Tensor = y + z if self.residual else z
        return out


class MLP(nn.Module):
    """Multilayer perceptron, paper 000 eq. (1.1).

    .. math:: y_0 = x,\\quad y_{k+1} = \\sigma(W_k y_k + b_k),\\ k = 0..L-1,\\quad y = \\beta \\cdot y_L

    The output layer has no bias, as in (1.1): ``u(x) = sum_j beta_j phi_j(x)`` where the neuron
    functions ``phi_j`` are the outputs of the last hidden layer.

    Args:
        in_dim: input dimension d.
        width: hidden width n.
        depth: number of hidden layers L.
        out_dim: output dimension (1 in paper 000's function fitting).
        act: activation name (see ``rankscope.nets.ACTIVATIONS``).
        init: initialisation scheme name (see ``rankscope.nets.init.INITIALISERS``); default Xavier.
        seed: seed of the initialisation (a private ``torch.Generator``; global RNG untouched).

    Example:
        >>> net = MLP(1, 50, 2, seed=0)
        >>> net(torch.zeros(3, 1)).shape
        torch.Size([3, 1])
    """

    residual: bool = False

    def __init__(
        self,
        in_dim: int,
        width: int,
        depth: int,
        out_dim: int = 1,
        act: str = "tanh",
        *,
        init: str = "xavier",
        seed: int = 0,
        out_bias: bool = False,
    ) -> None:
        super().__init__()
        for name, value in (("in_dim", in_dim), ("width", width), ("depth", depth)):
            check_positive_int(name, value)
        check_positive_int("out_dim", out_dim)
        layers = []
        for k in range(depth):
            d_in = in_dim if k == 0 else width
            layers.append(HiddenLayer(d_in, width, act, residual=self.residual and d_in == width))
        self.layers = nn.ModuleList(layers)
        self.head = nn.Linear(width, out_dim, bias=out_bias)
        self.act_name = act
        initialise(self, init, seed=seed)

    def hidden_layer_names(self) -> list[str]:
        """Names of the hidden layers, shallow to deep: ``["layers.0", ..., "layers.{L-1}"]``."""
        return [f"layers.{k}" for k in range(len(self.layers))]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The neuron functions of the last hidden layer, ``y_L`` of shape ``(m, n)``."""
        for layer in self.layers:
            x = layer(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.features(x))
        return out


class ResidualMLP(MLP):
    """Residual MLP with one-layer residual blocks, paper 000 eq. (4.6).

    .. math:: y_{k+1} = y_k + \\sigma(W_k y_k + b_k),\\ k = 0..L-1,\\quad y = \\beta \\cdot y_L

    Eq. (4.6) starts the skip at ``k = 0`` with ``y_0 = x``; that sum is defined only when
    ``d == n``. When ``d != n`` the first layer is a plain layer ``y_1 = sigma(W_0 x + b_0)`` and the
    residual blocks start at ``k = 1`` (the usual reading of the paper's Fig. 9-10 networks).
    """

    residual = True


class BottleneckMLP(nn.Module):
    """An MLP of eq. (1.1) behind a narrow first layer, paper 000 Example 2.7 (Fig. 5).

    ``x -> z = sigma(W_z x + b_z)`` (``bottleneck`` neurons), then ``depth`` hidden layers of
    ``width`` neurons on z and the output ``beta^T y_L`` (no bias, eq. 1.1). The paper adds the
    10-neuron layer so that its outputs ``z_k`` serve as the sampling points of the Gram integral of
    the last layer's neurons in a high-dimensional problem (handwritten digits).

    The hidden layers are ``["bottleneck", "layers.0", ..., "layers.{L-1}"]``; the last one's neurons
    are the functions of the Gram matrix.

    Example:
        >>> net = BottleneckMLP(64, 10, 8, 2, 10, seed=0)
        >>> net.hidden_layer_names(), net(torch.zeros(3, 64)).shape
        (['bottleneck', 'layers.0', 'layers.1'], torch.Size([3, 10]))
    """

    def __init__(
        self,
        in_dim: int,
        bottleneck: int,
        width: int,
        depth: int,
        out_dim: int,
        act: str = "tanh",
        *,
        init: str = "uniform_fan_in",
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.bottleneck = HiddenLayer(in_dim, bottleneck, act)
        self.layers = nn.ModuleList(
            [HiddenLayer(bottleneck if k == 0 else width, width, act) for k in range(depth)]
        )
        self.head = nn.Linear(width, out_dim, bias=False)
        initialise(self, init, seed=seed)

    def hidden_layer_names(self) -> list[str]:
        return ["bottleneck"] + [f"layers.{k}" for k in range(len(self.layers))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bottleneck(x)
        for layer in self.layers:
            y = layer(y)
        out: torch.Tensor = self.head(y)
        return out


def normal_mlp(width: int, depth: int, seed: int, activation: str = "tanh") -> MLP:
    """An MLP ``1 -> width^depth -> 1`` with output bias and every weight and bias drawn ``N(0, 1)``
    (paper 002 Sec. 4.1, Fig. 2(a): "initialized from the normal distribution with mean zero and unit
    variance"), seeded by a private generator; the global RNG is untouched.

    Example:
        >>> net = normal_mlp(4, 2, seed=0)
        >>> [tuple(p.shape) for p in net.parameters()]
        [(4, 1), (4,), (4, 4), (4,), (1, 4), (1,)]
    """
    net = MLP(1, width, depth, act=activation, seed=seed, out_bias=True)
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0.0, 1.0, generator=gen)
    return net


def build_mlp(kind: str, **kwargs: object) -> MLP:
    """Build ``"mlp"`` or ``"resnet"`` by name with the keyword arguments of :class:`MLP`."""
    check_choice("kind", kind, ("mlp", "resnet"))
    cls = ResidualMLP if kind == "resnet" else MLP
    return cls(**kwargs)  # type: ignore[arg-type]
