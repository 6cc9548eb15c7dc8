"""metrics.jsonl (rankscope.store._metrics): appended records, torn last lines, truncation on resume."""

from __future__ import annotations

import numpy as np
import pytest

from rankscope.store import RunDir, StoreError


def test_metrics_round_trip(run):
    records = [{"step": i, "loss": 1.0 / (i + 1), "rank": np.int64(i)} for i in range(20)]
    for record in records:
        run.append_metrics(record)
    back = run.read_metrics()
    assert len(back) == 20
    assert back[5] == {"step": 5, "loss": 1.0 / 6, "rank": 5}


def test_metrics_nan_becomes_null(run):
    run.append_metrics({"step": 0, "loss": float("nan")})
    assert run.read_metrics() == [{"step": 0, "loss": None}]


def test_metrics_drop_truncated_last_line(run):
    for i in range(3):
        run.append_metrics({"step": i})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b'{"step": 3, "lo')  # killed mid-write: no newline
    assert [r["step"] for r in run.read_metrics()] == [0, 1, 2]
    # the next append cuts the torn line off instead of gluing onto it
    run.append_metrics({"step": 3})
    assert [r["step"] for r in run.read_metrics()] == [0, 1, 2, 3]


def test_metrics_long_torn_line_is_cut(run):
    run.append_metrics({"step": 0})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b'{"step": 1, "blob": "' + b"x" * 10_000)
    run.append_metrics({"step": 1})
    assert run.read_metrics() == [{"step": 0}, {"step": 1}]


def test_metrics_corrupt_middle_line_names_line(run):
    run.append_metrics({"step": 0})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b"{not json}\n")
    run.append_metrics({"step": 2})
    with pytest.raises(StoreError, match=r"metrics\.jsonl line 2 is not valid JSON"):
        run.read_metrics()


def test_metrics_missing_file_is_empty(tmp_path):
    assert RunDir(tmp_path).read_metrics() == []


def test_truncate_metrics_after(run):
    for i in range(10):
        run.append_metrics({"step": i})
    run.append_metrics({"note": "no step"})
    with open(run.path / "metrics.jsonl", "ab") as fh:
        fh.write(b'{"step": 10')
    run.truncate_metrics_after(4)
    assert run.read_metrics() == [{"step": i} for i in range(5)] + [{"note": "no step"}]
    assert (run.path / "metrics.jsonl").read_bytes().endswith(b"\n")
    run.truncate_metrics_after(-1)
    assert run.read_metrics() == [{"note": "no step"}]
