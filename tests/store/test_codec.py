"""Plain data for JSON and TOML (rankscope.store._codec): to_jsonable and plain."""

from __future__ import annotations

import dataclasses
import json
import math
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from rankscope.store import plain, to_jsonable


class Color:
    RED = 1


@dataclasses.dataclass
class Cfg:
    width: int
    path: Path


def test_to_jsonable_converts_common_types():
    value = {
        "i": np.int64(3),
        "f": np.float32(0.5),
        "b": np.bool_(True),
        "a": np.array([[1.0, np.nan], [np.inf, -np.inf]]),
        "t": torch.tensor([1, 2]),
        "p": Path("/x/y"),
        "d": Cfg(2, Path("z")),
        "tup": (1, 2.5),
        3: "int key",
        "nan": float("nan"),
    }
    out = to_jsonable(value)
    assert out == {
        "i": 3,
        "f": 0.5,
        "b": True,
        "a": [[1.0, None], [None, None]],
        "t": [1, 2],
        "p": "/x/y",
        "d": {"width": 2, "path": "z"},
        "tup": [1, 2.5],
        "3": "int key",
        "nan": None,
    }
    json.dumps(out, allow_nan=False)  # strict JSON


def test_to_jsonable_rejects_unknown_type_naming_where():
    with pytest.raises(TypeError, match=r"value\['x'\]\[1\].*Color"):
        to_jsonable({"x": [1, Color()]})


def test_plain_converts_containers_and_numpy_values_and_keeps_other_leaves():
    marker = Color()
    value = {
        "nets": ((2, 50), [4, 50]),
        3: np.float64(0.25),
        "i": np.int64(7),
        "b": np.bool_(False),
        "a": np.array([[1, 2], [3, 4]]),
        "nan": float("nan"),
        "leaf": marker,
    }
    out = plain(value)
    assert list(out) == ["nets", "3", "i", "b", "a", "nan", "leaf"]
    assert out["nets"] == [[2, 50], [4, 50]]
    assert type(out["3"]) is float and type(out["i"]) is int and out["b"] is False
    assert out["a"] == [[1, 2], [3, 4]] and type(out["a"][0][0]) is int
    assert math.isnan(out["nan"]) and out["leaf"] is marker  # nothing validated, NaN kept


def test_plain_is_the_identity_on_data_read_from_json():
    data = json.loads('{"grid": {"seed": [0, 1], "stages": [[["adam", 40, 0.01]]]}, "x": null, "y": true}')
    assert plain(data) == data
    assert plain(types.MappingProxyType({"k": (1,)})) == {"k": [1]}
