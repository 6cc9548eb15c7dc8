"""Models, activations, initialisers and access to neuron functions (paper 000)."""

from rankscope.nets.activations import ACTIVATIONS, activation
from rankscope.nets.features import FeatureReader, LayerRef, capture, hidden_layers, resolve_layers
from rankscope.nets.init import INITIALISERS, deterministic_1d, initialise
from rankscope.nets.minilm import (
    MINILM_INSTALL,
    MiniLMEncoder,
    MiniLMUnavailable,
    load_minilm,
    minilm_status,
)
from rankscope.nets.mlp import MLP, HiddenLayer, ResidualMLP, build_mlp
from rankscope.nets.modes import MeasureMode, measurement_mode, preserved_rng
from rankscope.nets.random_features import SOLVERS as RF_SOLVERS
from rankscope.nets.random_features import RandomFeatureModel, grid_partition
from rankscope.nets.tracing import TracingFallbackWarning
from rankscope.nets.udi import UniformDensity, sample_uniform_density, uniform_density
from rankscope.nets.vision import MLPMixer, ResNet, ViT, resnet18

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "MINILM_INSTALL",
    "MLP",
    "RF_SOLVERS",
    "FeatureReader",
    "HiddenLayer",
    "LayerRef",
    "MLPMixer",
    "MeasureMode",
    "MiniLMEncoder",
    "MiniLMUnavailable",
    "RandomFeatureModel",
    "ResNet",
    "ResidualMLP",
    "TracingFallbackWarning",
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
    "measurement_mode",
    "minilm_status",
    "preserved_rng",
    "resnet18",
    "resolve_layers",
    "sample_uniform_density",
    "uniform_density",
]
