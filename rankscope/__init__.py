"""rankscope: look inside neural-network training through matrices.

The one-way pipeline ``problem + model -> sample -> matrix -> spectrum -> measures -> record -> report``
maps onto the subpackages ``problems``, ``nets``, ``sampling``, ``matrices``, ``linalg``, ``train``,
``experiments`` and ``report``.
"""

from rankscope import linalg, matrices, nets, problems, sampling, train
from rankscope.linalg import (
    Spectrum,
    condition_number,
    cutoff_number,
    effective_rank,
    eigenspectrum,
    eps_rank,
    numerical_rank,
    singular_spectrum,
    stable_rank,
    truncated_entropy,
)
from rankscope.matrices import gram_matrices, gram_matrix
from rankscope.nets import MLP, ResidualMLP
from rankscope.store import RunDir
from rankscope.train import History, Monitor, Stage, Trainer

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "History",
    "Monitor",
    "ResidualMLP",
    "RunDir",
    "Spectrum",
    "Stage",
    "Trainer",
    "__version__",
    "condition_number",
    "cutoff_number",
    "effective_rank",
    "eigenspectrum",
    "eps_rank",
    "gram_matrices",
    "gram_matrix",
    "linalg",
    "matrices",
    "nets",
    "numerical_rank",
    "problems",
    "sampling",
    "singular_spectrum",
    "stable_rank",
    "train",
    "truncated_entropy",
]
