import dataclasses

import pytest

from rankscope.experiments import REGISTRY, get_experiment
from rankscope.experiments.describe import config_rows


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_one_row_per_config_field_with_every_preset(name):
    exp = get_experiment(name)
    rows = config_rows(exp)
    assert [r.key for r in rows] == [f.name for f in dataclasses.fields(exp.Config)]
    for r in rows:
        assert set(r.presets) == set(exp.presets)
    overridden = {k for over in exp.presets.values() for k in over}
    assert overridden == {r.key for r in rows if any(v is not None for v in r.presets.values())}


def test_choices_and_types_are_shown():
    rows = {r.key: r for r in config_rows(get_experiment("frequency-principle"))}
    assert rows["activation"].choices and "tanh" in rows["activation"].choices
    assert rows["device"].choices == ("cpu", "cuda", "auto")
    assert rows["width"].type == "int" and rows["width"].default == "60"
