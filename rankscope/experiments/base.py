"""The experiment protocol and the registry.

An experiment is a class with a typed ``Config`` (a frozen dataclass subclassing
:class:`~rankscope.experiments.config.ExperimentConfig`), a ``presets`` mapping (``quick`` for CI,
``paper`` for the paper's sizes) of overrides on the config defaults, ``run(config, run_dir,
progress) -> Result`` and a declarative claim table ``claims``
(:mod:`rankscope.experiments.claims`); it composes library parts (problem, model, sampler, builder,
measure) rather than re-implementing them. The runner (:mod:`rankscope.experiments.runner`) owns
threads, seeding, arrays, the claim verdicts, the figures and the summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rankscope.experiments.catalog import complete
from rankscope.experiments.checks import Check
from rankscope.experiments.claims import Claim, Result
from rankscope.experiments.config import (
    FIELD_RULES,
    ConfigError,
    ExperimentConfig,
    Rule,
    choice,
    config_from_dict,
    parse_overrides,
)
from rankscope.store import RunDir

__all__ = [
    "FIELD_RULES",
    "REGISTRY",
    "Check",
    "Claim",
    "ConfigError",
    "Experiment",
    "ExperimentConfig",
    "Progress",
    "Result",
    "Rule",
    "choice",
    "config_from_dict",
    "get_experiment",
    "parse_overrides",
    "register",
    "resolve_config",
]

#: ``progress(label, done, total)`` — reports training progress; the CLI draws a bar with it.
Progress = Callable[[str, int, int], None]


def no_progress(label: str, done: int, total: int) -> None:
    """A ``Progress`` that ignores everything."""


#: The config type of an experiment: ``class StaircaseExperiment(Experiment[StaircaseConfig])``.
C = TypeVar("C", bound=ExperimentConfig)


class Experiment(Generic[C]):
    """Base class of the experiments: a typed config, presets, ``run`` and a claim table.

    ``run(config, run_dir, progress)`` trains or computes, appends records to the run directory and
    returns a :class:`~rankscope.experiments.claims.Result` (measures and arrays). The runner writes
    the arrays, evaluates ``claims`` (a table of :class:`~rankscope.experiments.claims.Claim`) on the
    measures, draws ``figures`` and writes ``summary.json``.
    """

    name: ClassVar[str]
    summary: ClassVar[str]  # one line: what it reproduces
    paper: ClassVar[str]  # file and figure/example
    Config: ClassVar[type[ExperimentConfig]]
    presets: ClassVar[Mapping[str, Mapping[str, Any]]]
    claims: ClassVar[Sequence[Claim]] = ()
    #: per preset, the claims it honestly does not reproduce (named in the report and the README;
    #: the generic test allows these, and only these, to fail clearly)
    not_reproduced: ClassVar[Mapping[str, frozenset[str]]] = {}
    #: claim row name -> what was tried and the cause, for every claim the reproduction ledger does
    #: not find robust (``rankscope reproduce``; shown beside the verdict)
    diagnoses: ClassVar[Mapping[str, str]] = {}
    #: claim row name -> where the paper's own numbers or text contradict the claim (the ledger's
    #: verdict is then "paper inconsistent")
    paper_inconsistent: ClassVar[Mapping[str, str]] = {}

    def run(self, cfg: C, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        raise NotImplementedError

    def figures(self, run_dir: RunDir) -> None:
        """Draw the figures from what the run directory holds (``rankscope report`` calls this)."""


REGISTRY: dict[str, Experiment[Any]] = {}


def register(cls: type[Experiment[Any]]) -> type[Experiment[Any]]:
    """Class decorator adding an experiment to ``REGISTRY`` under ``cls.name``; its summary, paper
    section and presets come from the catalogue where the class does not set them
    (:mod:`rankscope.experiments.catalog`)."""
    complete(cls)
    if cls.name in REGISTRY:
        raise ValueError(f"experiment {cls.name!r} is registered twice")
    if "quick" not in cls.presets or "paper" not in cls.presets:
        raise ValueError(f"experiment {cls.name!r} must define 'quick' and 'paper' presets")
    REGISTRY[cls.name] = cls()
    return cls


def get_experiment(name: str) -> Experiment[Any]:
    """The registered experiment ``name``; an unknown name raises listing the known ones."""
    if name not in REGISTRY:
        raise ValueError(
            f"experiment {name!r} is unknown; expected one of {sorted(REGISTRY)} (see `rankscope list`)"
        )
    return REGISTRY[name]


def resolve_config(exp: Experiment[Any], preset: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """Defaults, then the preset's overrides, then the user's; checked by :func:`config_from_dict`."""
    if preset not in exp.presets:
        raise ValueError(
            f"preset {preset!r} is unknown for experiment {exp.name!r}; expected one of {sorted(exp.presets)}"
        )
    base = dataclasses.asdict(exp.Config())
    base.update(exp.presets[preset])
    if overrides:
        fields = {f.name for f in dataclasses.fields(exp.Config)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(
                f"--set: unknown key(s) {unknown} for experiment {exp.name!r}; "
                f"expected some of {sorted(fields)}"
            )
        base.update(overrides)
    return config_from_dict(exp.Config, base, source=f"{exp.name} config")
