"""The reproduction dashboard (rankscope.sweep.dashboard): self-contained, escaped, a strip plot per claim."""

import re

import pytest

from rankscope.sweep import SweepError
from rankscope.sweep.dashboard import build_dashboard, render_dashboard, strip_svg
from rankscope.sweep.ledger import Ledger, LedgerRow, SeedOutcome
from rankscope.sweep.ledger_store import write_ledger
from rankscope.sweep.stats import MeasureStats

from .test_ledger import make_ledger, make_row


def margin_row(margins, statuses):
    seeds = tuple(
        SeedOutcome(i, m is not None and m >= 0, s, m, f"seed {i}")
        for i, (m, s) in enumerate(zip(margins, statuses, strict=True))
    )
    return LedgerRow(
        "e",
        "paper 000",
        "m",
        ("m",),
        "p",
        "c",
        ("x",),
        seeds,
        (),
        1,
        3,
        0.5,
        0.2,
        2.5,
        "robust",
        None,
        band=0.05,
    )


def dots(svg):
    return re.findall(r'<circle cx="([-\d.]+)" cy="[-\d.]+" r="4" fill="([^"]+)"', svg)


def test_strip_plot_of_a_margin_claim_has_a_dot_per_seed_a_zero_line_and_the_band():
    svg = strip_svg(margin_row([0.8, -0.3, None], ["holds", "fails", "missing"]))
    assert svg.startswith("<svg") and "<rect" in svg and "<line" in svg
    found = dots(svg)
    assert len(found) == 3
    (x_hold, c_hold), (x_fail, c_fail), (x_missing, c_missing) = found
    assert float(x_missing) < float(x_fail)  # a seed with no result sits at the left edge
    assert float(x_fail) < 90 < float(x_hold)  # the zero line is at the middle (width 180)
    assert (c_hold, c_fail, c_missing) == ("#1a7f37", "#c62828", "none")
    assert "seed 0: margin 0.8 (holds)" in svg


def test_strip_plot_of_a_yes_no_claim_puts_dots_at_plus_and_minus_one():
    row = make_row(margin=None)  # seed 0 held, seed 1 missing
    row = LedgerRow(**{**row.__dict__, "seeds": (*row.seeds, SeedOutcome(2, False, "fails", None, ""))})
    svg = strip_svg(row)
    assert "<rect" not in svg  # no band without a margin
    xs = {c: float(x) for x, c in dots(svg)}
    assert xs["#c62828"] < 90 < xs["#1a7f37"]


def test_dashboard_escapes_every_text_and_is_self_contained():
    values = (MeasureStats("L1.x<y", 2, 1.5, 0.5, 1.0, 2.0),)
    rows = (
        make_row("rank < width & more", margin=0.7, z=3.0, values=values),
        make_row("<script>alert(1)</script>", "fragile", diagnosis="tried <b>", margin=None),
        make_row("paper", "paper inconsistent"),
    )
    ledger = make_ledger(*rows)
    page = render_dashboard(ledger)
    assert "rank &lt; width &amp; more" in page and "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "tried &lt;b&gt;" in page
    assert "L1.x&lt;y = 1.5 ± 0.5" in page
    assert page.count("<svg") == 3
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing external
    assert 'class="verdict v-robust"' in page and 'class="verdict v-paper-inconsistent"' in page
    assert "undiagnosed" in page and "paper 000: Effective rank and the staircase phenomenon" in page
    assert "0.7 ± 0 (z 3)" in page and "— (yes/no)" in page
    assert "rankscope reproduce e" in page  # the command


def test_build_dashboard_from_a_reproduction_root(fake_reproduction):
    with pytest.raises(SweepError, match=r"ledger\.json is missing"):
        build_dashboard(fake_reproduction)
    path = build_dashboard(fake_reproduction, refresh_ledger=True)
    assert path == fake_reproduction / "report.html"
    page = path.read_text()
    assert "eps-rank rises in steps" in page and "staircase-layers" in page
    assert "Fake CPU &lt;9000&gt;" in page  # provenance, escaped
    assert "RuntimeError: training diverged" in page and "2.5" in page  # errors, wall time
    assert page.count("<svg") == len(Ledger.from_json((fake_reproduction / "ledger.json").read_text()).rows)
    write_ledger(fake_reproduction)
    assert build_dashboard(fake_reproduction) == path


def _chromium():
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="no chromium on PATH (Debian: apt-get install chromium)")
@pytest.mark.parametrize("width", [1000, 1400])
def test_dashboard_renders_in_headless_chromium_without_horizontal_overflow(
    fake_reproduction, tmp_path, width
):
    import subprocess

    import matplotlib.image

    page = build_dashboard(fake_reproduction, refresh_ledger=True)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            f"--window-size={width},1200",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    img = matplotlib.image.imread(shot)
    assert img.shape[1] == width
    ink = img[..., :3].mean(axis=2) < 0.5  # dark pixels: text, lines, dots
    assert ink.mean() > 0.005  # something is drawn
    # the ledger table fits the window: nothing is drawn in the rightmost 1% of columns
    # (a table wider than the window is clipped there, leaving text cut at the edge)
    assert not ink[:, -max(3, width // 100) :].any()
