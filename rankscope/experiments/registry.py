"""The registry: every experiment of rankscope, by paper, in one explicit list.

``REGISTRY`` maps each experiment's name to an instance; :func:`register` checks each class (its
presets, a unique name) as the list is read. To add an experiment, write its module in its paper's
folder and add its class here.
"""

from __future__ import annotations

from typing import Any

from rankscope.experiments.base import REGISTRY, Experiment, register
from rankscope.experiments.paper000.init_1d import Init1dExperiment
from rankscope.experiments.paper000.loss_bound import LossBoundExperiment
from rankscope.experiments.paper000.pinn_poisson_udi import PinnPoissonUDIExperiment
from rankscope.experiments.paper000.resnet_vs_mlp import ResnetVsMlpExperiment
from rankscope.experiments.paper000.rfm_vs_elm import RfmVsElmExperiment
from rankscope.experiments.paper000.staircase import StaircaseExperiment
from rankscope.experiments.paper000.staircase_activations import StaircaseActivationsExperiment
from rankscope.experiments.paper000.staircase_digits import StaircaseDigitsExperiment
from rankscope.experiments.paper000.staircase_layers import StaircaseLayersExperiment
from rankscope.experiments.paper001.adfd_nn_biharmonic import NnBiharmonicExperiment
from rankscope.experiments.paper001.adfd_nn_poisson1d import NnPoisson1dExperiment
from rankscope.experiments.paper001.adfd_nn_poisson2d import NnPoisson2dExperiment
from rankscope.experiments.paper001.adfd_rfm_biharmonic import RfmBiharmonicExperiment
from rankscope.experiments.paper001.adfd_rfm_poisson1d import RfmPoisson1dExperiment
from rankscope.experiments.paper001.adfd_rfm_poisson2d import RfmPoisson2dExperiment
from rankscope.experiments.paper002.frequency_principle import FrequencyPrincipleExperiment
from rankscope.experiments.paper002.ntk_scaling import NtkScalingExperiment
from rankscope.experiments.paper002.ntk_spectrum import NtkSpectrumExperiment
from rankscope.experiments.paper002.two_scale import TwoScaleExperiment
from rankscope.experiments.paper003.relu_conditioning import ReluConditioningExperiment
from rankscope.experiments.paper003.relu_offdiag_rank import ReluOffDiagRankExperiment
from rankscope.experiments.paper003.relu_preconditioning import PreconditioningExperiment
from rankscope.experiments.paper003.relu_solver import SolverExperiment
from rankscope.experiments.paper003.sggn import SgGNExperiment
from rankscope.experiments.paper004.cls_dim import ClsDimExperiment
from rankscope.experiments.paper004.independence_deficit import DeficitExperiment
from rankscope.experiments.paper004.rank_components import ComponentsExperiment
from rankscope.experiments.paper004.rank_gaussian_product import GaussianProductExperiment
from rankscope.experiments.paper004.rank_layers import LayersExperiment

__all__ = ["EXPERIMENTS", "REGISTRY"]

#: every experiment class, paper by paper
EXPERIMENTS: tuple[type[Experiment[Any]], ...] = (
    # paper 000
    Init1dExperiment,
    LossBoundExperiment,
    PinnPoissonUDIExperiment,
    ResnetVsMlpExperiment,
    RfmVsElmExperiment,
    StaircaseExperiment,
    StaircaseActivationsExperiment,
    StaircaseDigitsExperiment,
    StaircaseLayersExperiment,
    # paper 001
    NnBiharmonicExperiment,
    NnPoisson1dExperiment,
    NnPoisson2dExperiment,
    RfmBiharmonicExperiment,
    RfmPoisson1dExperiment,
    RfmPoisson2dExperiment,
    # paper 002
    FrequencyPrincipleExperiment,
    NtkScalingExperiment,
    NtkSpectrumExperiment,
    TwoScaleExperiment,
    # paper 003
    ReluConditioningExperiment,
    ReluOffDiagRankExperiment,
    PreconditioningExperiment,
    SolverExperiment,
    SgGNExperiment,
    # paper 004
    ClsDimExperiment,
    DeficitExperiment,
    ComponentsExperiment,
    GaussianProductExperiment,
    LayersExperiment,
)

for _cls in EXPERIMENTS:
    register(_cls)
