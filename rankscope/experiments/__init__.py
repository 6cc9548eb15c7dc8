"""The papers' experiments: a registry of named, typed, preset-driven runs."""

from rankscope.experiments import staircase as _staircase  # noqa: F401  (registers)
from rankscope.experiments.base import (
    REGISTRY,
    Check,
    Experiment,
    Progress,
    config_from_dict,
    get_experiment,
    parse_overrides,
    register,
    resolve_config,
)
from rankscope.experiments.runner import rebuild_report, run_experiment

__all__ = [
    "REGISTRY",
    "Check",
    "Experiment",
    "Progress",
    "config_from_dict",
    "get_experiment",
    "parse_overrides",
    "rebuild_report",
    "register",
    "resolve_config",
    "run_experiment",
]
