import dataclasses

import pytest

from rankscope.experiments.config_rules import (
    FIELD_RULES,
    MAX_COUNT,
    ConfigError,
    Rule,
    check_stage,
    check_values,
    choice,
    show,
)


def test_rules_admit_and_describe_their_ranges_by_hand():
    r = Rule(0.0, 1.0, low_open=True)
    assert not r.admits(0.0) and r.admits(1e-300) and r.admits(1.0) and not r.admits(1.0000001)
    assert r.describe("a finite number") == "in (0, 1]"
    assert Rule(1, MAX_COUNT).describe("an integer") == f"an integer in [1, {MAX_COUNT}]"
    assert Rule(0.0, low_open=True).describe("a number") == "a number > 0"
    assert FIELD_RULES["threads"].admits(1) and not FIELD_RULES["threads"].admits(0)


@dataclasses.dataclass(frozen=True)
class _C:
    activation: str = choice("tanh", ("tanh", "relu"))
    nets: tuple[str, ...] = choice(("mlp",), ("mlp", "vit"))
    width: int = 10


def test_choices_are_checked_per_value_and_per_list_element():
    fields = {f.name: f for f in dataclasses.fields(_C)}
    check_values(fields["activation"], "activation", "relu")
    with pytest.raises(ConfigError, match=r"^activation must be one of \['tanh', 'relu'\]; got 'swish'$"):
        check_values(fields["activation"], "activation", "swish")
    with pytest.raises(ConfigError, match=r"^nets\[1\] must be one of \['mlp', 'vit'\]; got 'cnn'$"):
        check_values(fields["nets"], "nets", ["mlp", "cnn"])
    with pytest.raises(ConfigError, match=r"^width must be an integer in \[1, "):
        check_values(fields["width"], "width", 0)


def test_stages_name_the_bad_part():
    check_stage("stages[0]", ["adam", 10, 1e-3])
    with pytest.raises(ConfigError, match=r"stages\[0\]\[0\] \(optimizer\) must be one of"):
        check_stage("stages[0]", ["adamw", 10, 1e-3])
    with pytest.raises(ConfigError, match=r"stages\[0\]\[2\] \(lr\) must be a finite number > 0; got 0.0"):
        check_stage("stages[0]", ["adam", 10, 0.0])


def test_show_shortens_what_it_quotes():
    assert show((1, 2)) == "[1, 2]"
    assert show(10**100).startswith("an integer of about 101 digits")
    assert len(show("x" * 500)) == 80
