"""The explicit registry lists every experiment module of every paper folder, once."""

import importlib
import inspect
from pathlib import Path

import rankscope.experiments as experiments
from rankscope.experiments import REGISTRY
from rankscope.experiments.base import Experiment
from rankscope.experiments.registry import EXPERIMENTS

ROOT = Path(experiments.__file__).parent


def test_every_paper_folder_module_is_one_registered_experiment():
    modules = sorted(p for p in ROOT.glob("paper*/*.py") if not p.name.startswith("_"))
    assert modules, "no experiment modules found"
    listed = {cls.__module__ for cls in EXPERIMENTS}
    for path in modules:
        name = "rankscope.experiments." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(name)
        own = [
            c
            for _, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, Experiment) and c.__module__ == name and hasattr(c, "name")
        ]
        assert len(own) == 1 and name in listed, (name, own)
        assert own[0].__name__.endswith("Experiment"), own[0].__name__


def test_the_registry_maps_each_name_to_its_listed_class():
    assert len(EXPERIMENTS) == len(set(EXPERIMENTS)) == len(REGISTRY)
    assert {cls.name: cls for cls in EXPERIMENTS} == {n: type(e) for n, e in REGISTRY.items()}
