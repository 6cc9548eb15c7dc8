"""The papers' experiments: a registry of named, typed, preset-driven runs."""

import importlib as _importlib
import pkgutil as _pkgutil

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

# Every module in this package other than the infrastructure defines and registers experiments.
for _info in _pkgutil.iter_modules(__path__):
    if _info.name not in ("base", "checks", "runner") and not _info.name.startswith("_"):
        _importlib.import_module(f"{__name__}.{_info.name}")
