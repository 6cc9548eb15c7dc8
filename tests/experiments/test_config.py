import pytest

from rankscope.experiments import (
    REGISTRY,
    get_experiment,
    parse_overrides,
    resolve_config,
)


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
