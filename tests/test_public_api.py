import importlib

import pytest

MODULES = [
    "rankscope",
    "rankscope.linalg",
    "rankscope.sampling",
    "rankscope.nets",
    "rankscope.matrices",
    "rankscope.train",
    "rankscope.problems",
    "rankscope.experiments",
    "rankscope.report",
    "rankscope.sweep",
    "rankscope.operators",
    "rankscope.relu",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_imports(name):
    mod = importlib.import_module(name)
    assert mod.__all__, name
    for attr in mod.__all__:
        assert getattr(mod, attr) is not None, f"{name}.{attr}"
