"""Property test of ``rankscope run NAME --dry-run --set key=value``: any value of any config field of
any experiment gives exit 0 (the value is valid) or exit 2 with exactly one line on stderr, never a
traceback, and leaves ``--out`` as it was. A few real (not dry) runs check that an invalid value never
creates the run directory.

Every case invokes the real command line in-process (the Typer app built into its Click command once,
then Click's ``CliRunner``). ``test_zz_case_count`` prints how many cases ran.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.main import get_command

from rankscope.cli import app
from rankscope.experiments import REGISTRY

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COMMAND = get_command(app)
RUNNER = CliRunner()
FIELDS = sorted((name, f.name) for name, exp in REGISTRY.items() for f in dataclasses.fields(exp.Config))
#: Values every field of every experiment is tried with, besides the random ones.
NASTY = ["0", "-1", "nan", "-inf", "[]", "1e400", "9" * 40, "huge"]
CASES = {"dry": 0, "real": 0, "exit 0": 0, "exit 2": 0}


def _toml_float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


SCALARS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "1", "-1", "2147483647", "2147483648", "4294967296", "1025", "9" * 500]),
    st.floats(allow_nan=True, allow_infinity=True).map(_toml_float),
    st.sampled_from(["true", "false", '""', "''", '"adam"', '"tanh"', '"relu"', "{a = 1}", "1979-05-27"]),
    st.text(max_size=12).map(lambda s: json.dumps(s)),  # a TOML basic string
)
LISTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    max_leaves=8,
)
STAGE = st.tuples(
    st.sampled_from(['"adam"', '"sgd"', '"lbfgs"', '"nope"', '""']),
    st.integers(min_value=-3, max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(_toml_float),
).map(lambda t: "[" + ", ".join(t) + "]")
VALUES = st.one_of(
    st.text(max_size=40),  # arbitrary text: TOML or not
    SCALARS,
    LISTS,
    st.lists(STAGE, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.lists(st.lists(st.integers(-2, 60).map(str), max_size=3), max_size=3).map(
        lambda xs: "[" + ", ".join("[" + ", ".join(x) + "]" for x in xs) + "]"
    ),
)


def _snapshot(path: Path) -> dict[str, bytes] | None:
    if not path.exists():
        return None
    return {str(p.relative_to(path)): p.read_bytes() if p.is_file() else b"<dir>" for p in path.rglob("*")}


def _check_case(experiment: str, key: str, value: str, out: Path, *extra: str, dry: bool = True) -> int:
    before = _snapshot(out)
    args = ["run", experiment, "--out", str(out), "--set", f"{key}={value}", *extra]
    res = RUNNER.invoke(COMMAND, [*args, "--dry-run"] if dry else args)
    CASES["dry" if dry else "real"] += 1
    assert res.exit_code in (0, 2), (args, res.exit_code, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exception)
    assert "Traceback" not in res.output, (args, res.output)
    CASES[f"exit {res.exit_code}"] += 1
    if res.exit_code == 2:
        lines = res.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, res.stderr)
    elif dry:
        doc = tomllib.loads(res.stdout)
        assert doc["run"]["experiment"] == experiment and key in doc["config"], (args, res.stdout)
    if dry:
        assert _snapshot(out) == before, args
    return res.exit_code


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


_counter = itertools.count()


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(FIELDS),
    value=VALUES,
    existing=st.booleans(),
    preset=st.sampled_from(["quick", "paper"]),
)
def test_any_set_value_exits_0_or_2_with_one_line_and_writes_nothing(base, case, value, existing, preset):
    out = base / f"h{next(_counter)}"
    if existing:
        out.mkdir()
    experiment, key = case
    _check_case(experiment, key, value, out, "--preset", preset)


@pytest.mark.parametrize("experiment", sorted(REGISTRY))
def test_every_field_of_every_experiment_rejects_nasty_values_cleanly(base, experiment):
    keys = [k for e, k in FIELDS if e == experiment]
    for key, value in itertools.product(keys, NASTY):
        out = base / f"n{next(_counter)}"
        _check_case(experiment, key, value, out)
        assert not out.exists()


@pytest.mark.parametrize(
    ("key", "value"),
    [("threads", "0"), ("threads", "-1"), ("every", "nan"), ("nets", "[]"), ("stages", '[["adam", 0, 0.1]]')],
)
def test_an_invalid_value_in_a_real_run_never_creates_the_out_dir(base, key, value):
    out = base / f"r{next(_counter)}"
    assert _check_case("staircase", key, value, out, dry=False) == 2
    assert not out.exists()


def test_zz_case_count(capsys):
    total = CASES["dry"] + CASES["real"]
    with capsys.disabled():
        print(f"\nproperty cases run: {total} ({CASES})")
    assert total == 0 or CASES["exit 2"] > 0
