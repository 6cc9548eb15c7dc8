"""The sweep report (rankscope.sweep.report): self-contained, every point listed, on a fake sweep root."""

import json
import re

from rankscope.sweep import build_sweep_report, is_sweep_dir


def test_sweep_report_is_self_contained_and_lists_every_point(fake_sweep, tmp_path):
    root = fake_sweep
    assert (
        is_sweep_dir(root) and not is_sweep_dir(root / "lr=0.1__seed=0") and not is_sweep_dir(tmp_path / "x")
    )
    report = build_sweep_report(root)
    assert report == root / "report.html"
    page = report.read_text()
    assert "staircase sweep" in page and "Paper claims across seeds" in page
    assert re.search(r"lr=0\.1</td><td>loss falls</td><td>it falls</td><td class=\"num\">2 of 3</td>", page)
    assert "ValueError: width must be positive" in page and "failed" in page
    assert page.count("data:image/png;base64,") == len(list((root / "figures").glob("*.png"))) == 1
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing external
    assert '<a href="lr=0.1__seed=0/report.html">' not in page  # the fake runs have no report.html
    agg = json.loads((root / "aggregate.json").read_text())
    assert [s["complete"] for s in agg["settings"]] == [3, 2]
    assert agg["holds_fraction"] == 0.6
