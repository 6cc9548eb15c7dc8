"""Models, activations, initialisers and access to neuron functions (paper 000)."""

from rankscope.nets.activations import ACTIVATIONS, activation
from rankscope.nets.features import LayerRef, capture, hidden_layers, resolve_layers
from rankscope.nets.init import INITIALISERS, deterministic_1d, initialise
from rankscope.nets.minilm import (
    MINILM_INSTALL,
    MiniLMEncoder,
    MiniLMUnavailable,
    load_minilm,
    minilm_status,
)
from rankscope.nets.mlp import MLP, HiddenLayer, ResidualMLP, build_mlp
from rankscope.nets.random_features import SOLVERS as RF_SOLVERS
from rankscope.nets.random_features import RandomFeatureModel, grid_partition
from rankscope.nets.udi import UniformDensity, sample_uniform_density, uniform_density
from rankscope.nets.vision import MLPMixer, ResNet, ViT, resnet18

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "MINILM_INSTALL",
    "MLP",
    "RF_SOLVERS",
    "HiddenLayer",
    "LayerRef",
    "MLPMixer",
    "MiniLMEncoder",
    "MiniLMUnavailable",
    "RandomFeatureModel",
    "ResNet",
    "ResidualMLP",
    "UniformDensity",
    "ViT",
    "activation",
    "build_mlp",
    "capture",
    "deterministic_1d",
    "grid_partition",
    "hidden_layers",
    "initialise",
    "load_minilm",
    "minilm_status",
    "resnet18",
    "resolve_layers",
    "sample_uniform_density",
    "uniform_density",
]
