"""Models, activations, initialisers and access to neuron functions (paper 000)."""

from rankscope.nets.activations import ACTIVATIONS, activation
from rankscope.nets.features import LayerRef, capture, hidden_layers, resolve_layers
from rankscope.nets.init import INITIALISERS, deterministic_1d, initialise
from rankscope.nets.mlp import MLP, HiddenLayer, ResidualMLP, build_mlp

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "MLP",
    "HiddenLayer",
    "LayerRef",
    "ResidualMLP",
    "activation",
    "build_mlp",
    "capture",
    "deterministic_1d",
    "hidden_layers",
    "initialise",
    "resolve_layers",
]
