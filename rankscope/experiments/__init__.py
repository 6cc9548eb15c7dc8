"""The papers' experiments: a registry of named, typed, preset-driven runs."""

from rankscope.experiments.base import (
    FIELD_RULES,
    REGISTRY,
    Check,
    ConfigError,
    Experiment,
    Progress,
    config_from_dict,
    get_experiment,
    parse_overrides,
    register,
    resolve_config,
)
from rankscope.experiments.checks import unexpected_failures
from rankscope.experiments.runner import dry_run, rebuild_report, run_experiment, thread_limits

__all__ = [
    "FIELD_RULES",
    "REGISTRY",
    "Check",
    "ConfigError",
    "Experiment",
    "Progress",
    "config_from_dict",
    "dry_run",
    "get_experiment",
    "parse_overrides",
    "rebuild_report",
    "register",
    "resolve_config",
    "run_experiment",
    "thread_limits",
    "unexpected_failures",
]

# The explicit list of experiments (importing it registers them).
from rankscope.experiments import registry as _registry  # noqa: F401
