import pytest

from rankscope.experiments import catalog
from rankscope.experiments.base import REGISTRY, Experiment


def test_every_catalogue_entry_is_a_registered_experiment_with_claims_it_names():
    entries = catalog._catalog()
    assert set(entries) == set(REGISTRY), "catalog.toml and the registry disagree"
    for name, exp in REGISTRY.items():
        claim_names = {c.name for c in exp.claims}
        assert exp.summary and exp.paper, name
        assert {"quick", "paper"} <= set(exp.presets), name
        # notes are keyed by claim names; a renamed claim must not leave an orphan note behind
        assert set(exp.diagnoses) <= claim_names, (name, set(exp.diagnoses) - claim_names)
        assert set(exp.paper_inconsistent) <= claim_names, name
        for preset, claims in exp.not_reproduced.items():
            assert isinstance(claims, frozenset) and claims <= claim_names, (name, preset)
            assert preset in exp.presets, (name, preset)


def test_arrays_come_back_as_tuples():
    presets = catalog.entry("staircase-digits")["presets"]
    assert presets["quick"]["stages"] == (("adam", 4000, 1e-4),)


def test_a_class_attribute_wins_and_a_missing_field_is_named():
    class Own(Experiment):  # type: ignore[type-arg]
        name = "cls-dim"
        summary = "my own words"

    catalog.complete(Own)
    assert Own.summary == "my own words"
    assert Own.paper == "paper 004, Sec. 3.3 eq. (6), Table 2, Fig. 2"
    assert Own.presets["paper"]["width"] == 128

    class Unknown(Experiment):  # type: ignore[type-arg]
        name = "no-such-experiment"
        paper = "somewhere"

    with pytest.raises(ValueError, match=r"'no-such-experiment' has no \['summary', 'presets'\]"):
        catalog.complete(Unknown)
