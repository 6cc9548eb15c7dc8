import dataclasses
import re

import pytest

from rankscope.experiments import (
    REGISTRY,
    get_experiment,
    parse_overrides,
    resolve_config,
    run_experiment,
)
from rankscope.experiments.base import ConfigError


def test_every_experiment_has_quick_and_paper_presets_that_resolve():
    assert "staircase" in REGISTRY
    for exp in REGISTRY.values():
        for preset in ("quick", "paper"):
            resolve_config(exp, preset)
        assert exp.summary and exp.paper


def test_overrides_are_parsed_as_toml_and_typed():
    exp = get_experiment("staircase")
    o = parse_overrides(["every=5", "eps=1e-8", "nets=[[2, 10]]", "activation=relu"])
    cfg = resolve_config(exp, "quick", o)
    assert cfg.every == 5 and cfg.eps == 1e-8 and cfg.nets == ((2, 10),)
    assert cfg.activation == "relu"
    cfg = resolve_config(exp, "quick", parse_overrides(['stages=[["adam", 10, 0.01]]']))
    assert cfg.stages == (("adam", 10, 0.01),)


def test_bad_overrides_name_key_value_and_expectation():
    exp = get_experiment("staircase")
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['widht'\].*expected some of"):
        resolve_config(exp, "quick", {"widht": 3})
    with pytest.raises(ValueError, match="every must be an integer; got 'often'"):
        resolve_config(exp, "quick", {"every": "often"})
    with pytest.raises(ValueError, match=r"preset .huge. is unknown.*.paper., .quick."):
        resolve_config(exp, "huge")
    with pytest.raises(ValueError, match="experiment 'stairs' is unknown"):
        get_experiment("stairs")
    with pytest.raises(ValueError, match="--set expects key=value"):
        parse_overrides(["every"])


def _choice_fields():
    for exp in REGISTRY.values():
        for f in dataclasses.fields(exp.Config):
            if "choices" in f.metadata:
                yield exp.name, f


CHOICE_FIELDS = list(_choice_fields())


def test_the_named_fields_of_every_experiment_are_choices():
    named = {(e, f.name) for e, f in CHOICE_FIELDS}
    for pair in [
        ("staircase", "activation"),
        ("staircase", "init"),
        ("sggn", "problems"),
        ("sggn", "mass_solver_1d"),
        ("init-1d", "baseline"),
        ("rank-components", "components"),
    ]:
        assert pair in named or pair[0] not in REGISTRY, pair
    assert len(CHOICE_FIELDS) >= 25


@pytest.mark.parametrize(("name", "field"), CHOICE_FIELDS, ids=[f"{e}.{f.name}" for e, f in CHOICE_FIELDS])
def test_every_choice_field_refuses_a_value_outside_its_choices_before_any_write(name, field, tmp_path):
    """An unknown activation/init/solver/... is refused with one line naming the key, the value and
    the choices, by config validation (so before the run directory exists), and each listed choice is
    accepted."""
    exp = get_experiment(name)
    default = getattr(exp.Config(), field.name)
    bad = ["nonsense"] if isinstance(default, tuple) else "nonsense"
    where = f"{field.name}[0]" if isinstance(default, tuple) else field.name
    with pytest.raises(ConfigError, match=rf"^{re.escape(where)} must be one of \[.*\]; got 'nonsense'$"):
        resolve_config(exp, "quick", {field.name: bad})
    with pytest.raises(ConfigError):
        run_experiment(name, "quick", tmp_path / "never", {field.name: bad})
    assert not (tmp_path / "never").exists()
    for value in field.metadata["choices"]:
        cfg = resolve_config(exp, "quick", {field.name: [value] if isinstance(default, tuple) else value})
        assert getattr(cfg, field.name) in (value, (value,))
