"""Measure a model without changing its training: the train/eval mode and the global RNG, restored.

Every diagnostic of rankscope that runs a forward pass of a user's model (``Monitor``,
``gram_matrices``, ``GramEvaluator``, ``capture``, ``partial_jacobians``/``partial_ranks``) runs it
inside :func:`measurement_mode`. The mode is chosen by an argument (house style habit 5):

- ``"eval"`` (default): every submodule in eval mode. Dropout is off and BatchNorm uses its running
  statistics, so the neuron functions are deterministic functions of the parameters, the same ones
  the trained network computes at test time.
- ``"train"``: every submodule in training mode: dropout masks are drawn (from the global RNG) and
  BatchNorm normalises with the statistics of the measured points. This is what the training loss
  sees, and its ranks are those of randomly masked features (larger, and noisy).
- ``"as_is"``: each submodule's flag as the model has it now (e.g. a frozen BatchNorm left in eval
  inside a training model).

In every mode, on exit, the ``training`` flag of every submodule is restored as it was, and so is
the global RNG state: torch's CPU generator, and every CUDA device's generator when CUDA is
initialised. A forward pass made for measurement thus draws nothing that training would have drawn:
training with a monitor gives bitwise the same weights as training without one.

Example:
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5)).train()
    >>> with measurement_mode(net):
    ...     net.training, net[1].training
    (False, False)
    >>> net.training, net[1].training
    (True, True)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from enum import Enum

import torch
from torch import nn

from rankscope._checks import check_choice

__all__ = ["MeasureMode", "check_mode", "measurement_mode", "preserved_rng"]


class MeasureMode(str, Enum):
    """In which train/eval mode a diagnostic evaluates the model (see the module docstring)."""

    EVAL = "eval"
    TRAIN = "train"
    AS_IS = "as_is"


def check_mode(mode: MeasureMode | str) -> MeasureMode:
    """Return ``mode`` as a :class:`MeasureMode`, or raise ``ValueError`` naming the choices.

    Example:
        >>> check_mode("eval") is MeasureMode.EVAL
        True
    """
    value = getattr(mode, "value", mode)
    return MeasureMode(check_choice("mode", value, [m.value for m in MeasureMode]))


def _cuda_in_use() -> bool:
    return bool(torch.cuda.is_available() and torch.cuda.is_initialized())


@contextlib.contextmanager
def preserved_rng() -> Iterator[None]:
    """Restore the global RNG state on exit: torch's CPU generator, and CUDA's once initialised.

    (A CUDA context first created inside the block cannot be returned to "not yet seeded"; models
    on the GPU have created theirs long before they are measured.)

    Example:
        >>> import torch
        >>> before = torch.get_rng_state()
        >>> with preserved_rng():
        ...     _ = torch.rand(3)
        >>> torch.equal(torch.get_rng_state(), before)
        True
    """
    cpu = torch.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if _cuda_in_use() else None
    try:
        yield
    finally:
        torch.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


@contextlib.contextmanager
def measurement_mode(model: nn.Module, mode: MeasureMode | str = MeasureMode.EVAL) -> Iterator[None]:
    """Put ``model`` in ``mode`` for the block; restore every submodule's flag and the RNG on exit.

    Args:
        model: the ``nn.Module`` measured.
        mode: ``"eval"`` (default), ``"train"`` or ``"as_is"`` (see the module docstring).

    Raises:
        ValueError: an unknown ``mode``.
    """
    chosen = check_mode(mode)
    flags = [(m, m.training) for m in model.modules()]
    try:
        with preserved_rng():
            if chosen is MeasureMode.EVAL:
                model.eval()
            elif chosen is MeasureMode.TRAIN:
                model.train()
            yield
    finally:
        for m, flag in flags:
            m.training = flag
