"""Models, activations, initialisers and access to neuron functions (paper 000)."""

from rankscope.nets.activations import ACTIVATIONS, activation
from rankscope.nets.features import FeatureReader, capture
from rankscope.nets.init import INITIALISERS, deterministic_1d, initialise
from rankscope.nets.layer_specs import hidden_layers, resolve_layers
from rankscope.nets.minilm import (
    MINILM_INSTALL,
    MiniLMEncoder,
    MiniLMUnavailable,
    load_minilm,
    minilm_status,
)
from rankscope.nets.mlp import MLP, BottleneckMLP, HiddenLayer, ResidualMLP, build_mlp, normal_mlp
from rankscope.nets.modes import MeasureMode, measurement_mode, preserved_rng
from rankscope.nets.partition_of_unity import grid_partition
from rankscope.nets.patch_nets import MLPMixer, ViT
from rankscope.nets.random_features import SOLVERS as RF_SOLVERS
from rankscope.nets.random_features import RandomFeatureModel
from rankscope.nets.resnet import ResNet, resnet18
from rankscope.nets.shallow_relu import (
    ShallowReLU,
    random_breakpoints_1d,
    random_neurons,
    uniform_breakpoints_1d,
)
from rankscope.nets.tracing import LayerRef, TracingFallbackWarning
from rankscope.nets.udi import UniformDensity, sample_uniform_density, uniform_density

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "MINILM_INSTALL",
    "MLP",
    "RF_SOLVERS",
    "BottleneckMLP",
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
    "ShallowReLU",
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
    "normal_mlp",
    "preserved_rng",
    "random_breakpoints_1d",
    "random_neurons",
    "resnet18",
    "resolve_layers",
    "sample_uniform_density",
    "uniform_breakpoints_1d",
    "uniform_density",
]
