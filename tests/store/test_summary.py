"""summary.json (rankscope.store._summary): the checks are validated on write and on read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rankscope.store import StoreError

CHECK = {"name": "rank grows", "paper": "staircase", "ours": 7, "holds": True}


def test_summary_round_trip(run):
    run.write_summary({"checks": [CHECK], "measures": {"eps_rank": np.int64(5), "x": np.nan}})
    assert run.is_complete()
    back = run.read_summary()
    assert back["checks"] == [CHECK]
    assert back["measures"] == {"eps_rank": 5, "x": None}


@pytest.mark.parametrize(
    ("summary", "match"),
    [
        ({}, "must contain 'checks'"),
        ({"checks": {}}, "must be a list"),
        ({"checks": [{"name": "a", "paper": 1, "ours": 1}]}, r"missing \['holds'\]"),
        ({"checks": [{"name": "a", "paper": 1, "ours": 1, "holds": "yes"}]}, "true or false"),
        ({"checks": [{"name": "", "paper": 1, "ours": 1, "holds": True}]}, "non-empty str"),
    ],
)
def test_summary_validation(run, summary, match):
    with pytest.raises(StoreError, match=match):
        run.write_summary(summary)
    assert not run.is_complete()


def test_read_summary_missing_says_incomplete(run):
    with pytest.raises(StoreError, match=r"incomplete.*--resume"):
        run.read_summary()


def test_read_summary_validates_file(run):
    (run.path / "summary.json").write_text(json.dumps({"checks": [{"name": "a"}]}))
    with pytest.raises(StoreError, match=r"summary\.json checks\[0\]"):
        run.read_summary()
