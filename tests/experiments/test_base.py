import dataclasses

import pytest

from rankscope.experiments import REGISTRY, get_experiment, resolve_config
from rankscope.experiments.base import Experiment, ExperimentConfig, register


@dataclasses.dataclass(frozen=True)
class _Cfg(ExperimentConfig):
    width: int = 4


def _experiment(name: str, presets: dict) -> type[Experiment]:
    return type(
        name, (Experiment,), {"name": name, "summary": "s", "paper": "p", "Config": _Cfg, "presets": presets}
    )


def test_register_refuses_a_missing_preset_and_a_repeated_name():
    with pytest.raises(ValueError, match="must define 'quick' and 'paper' presets"):
        register(_experiment("probe-no-paper", {"quick": {}}))
    name = next(iter(REGISTRY))
    with pytest.raises(ValueError, match=f"experiment {name!r} is registered twice"):
        register(_experiment(name, {"quick": {}, "paper": {}}))


def test_get_experiment_lists_the_known_names():
    with pytest.raises(ValueError, match=r"experiment 'stairs' is unknown; expected one of \["):
        get_experiment("stairs")


def test_resolve_config_layers_defaults_preset_and_overrides():
    exp = _experiment("probe-layers", {"quick": {"width": 6}, "paper": {"width": 60}})()
    assert resolve_config(exp, "quick").width == 6
    assert resolve_config(exp, "paper", {"width": 7}).width == 7
    cfg = resolve_config(exp, "quick", {"seed": 3})
    assert (cfg.seed, cfg.threads) == (3, 1)  # the fields every config has
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['depth'\]"):
        resolve_config(exp, "quick", {"depth": 2})
