"""The ledger as documentation (rankscope.sweep.ledger_docs) and scripts/write_reproduction_docs.py."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

from rankscope.sweep.ledger_docs import (
    EXPERIMENTS_BEGIN,
    EXPERIMENTS_END,
    compact_ledger,
    experiment_table,
    ledger_markdown,
    replace_between_markers,
)
from rankscope.sweep.ledger_store import write_ledger
from rankscope.sweep.stats import MeasureStats

from .test_ledger import make_ledger, make_row

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "write_reproduction_docs.py"


def ledger():
    values = (MeasureStats("net.x", 2, 1.5, 0.25, 1.0, 2.0), MeasureStats("y", 1, 3.0, math.nan, 3.0, 3.0))
    return make_ledger(
        make_row("rank | width", margin=0.7, z=math.inf, values=values),
        make_row("b", "fragile", diagnosis="seed 1 <diverges>"),
        make_row("c", "paper inconsistent"),
    )


def test_markdown_starts_with_the_command_and_date_and_tables_each_paper():
    md = ledger_markdown(ledger())
    lines = md.splitlines()
    assert lines[0] == "# Reproduction ledger"
    assert "`rankscope reproduce e`" in lines[2] and "2025-01-01T00:00:00+00:00" in lines[2]
    assert "| robust | 1 |" in md and "| fragile | 1 |" in md and "| undiagnosed | 0 |" in md
    assert "## paper 000: Effective rank and the staircase phenomenon" in md
    assert "| e | rank \\| width | the paper says so | net.x 1.5 ± 0.25; y 3 | 1/2 | ∞ | robust |  |" in md
    assert "seed 1 &lt;diverges>" in md and "| — (yes/no) | fragile |" in md
    header = next(line for line in lines if line.startswith("| experiment | claim"))
    assert header.count("|") == 9


def test_experiment_table_and_compact_ledger():
    table = experiment_table(ledger()).splitlines()
    assert (
        table[0]
        == "| experiment | paper | reproduces | robust | fragile | not reproduced | paper inconsistent |"
    )
    assert table[2] == "| `e` | paper 000 | what e does | 1 | 1 | 0 | 1 |"
    doc = compact_ledger(ledger())
    assert doc["counts"]["robust"] == 1 and doc["seeds"] == 2
    assert doc["claims"][0] == {
        "experiment": "e",
        "claim": "rank | width",
        "check_names": ["rank | width(1e-12)"],
        "verdict": "robust",
        "held": 1,
        "total": 2,
    }
    json.dumps(doc, allow_nan=False)


def test_replace_between_markers():
    text = f"intro\n{EXPERIMENTS_BEGIN}\nold table\n{EXPERIMENTS_END}\noutro\n"
    new = replace_between_markers(text, EXPERIMENTS_BEGIN, EXPERIMENTS_END, "\nnew table\n")
    assert new == f"intro\n{EXPERIMENTS_BEGIN}\nnew table\n{EXPERIMENTS_END}\noutro\n"
    assert replace_between_markers(new, EXPERIMENTS_BEGIN, EXPERIMENTS_END, "new table") == new
    with pytest.raises(ValueError, match="the marker '<!-- experiments:begin -->' is missing"):
        replace_between_markers("no markers", EXPERIMENTS_BEGIN, EXPERIMENTS_END, "x")
    with pytest.raises(ValueError, match="the marker '<!-- experiments:end -->' is missing after"):
        replace_between_markers(
            f"{EXPERIMENTS_END} {EXPERIMENTS_BEGIN}", EXPERIMENTS_BEGIN, EXPERIMENTS_END, "x"
        )


def test_the_script_writes_the_three_documents(fake_reproduction, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("write_reproduction_docs", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    write_ledger(fake_reproduction)
    readme, docs = tmp_path / "README.md", tmp_path / "docs"
    readme.write_text("# x\n")
    assert script.main([str(fake_reproduction), "--docs", str(docs), "--readme", str(readme)]) == 1
    assert "experiments:begin" in capsys.readouterr().err and not docs.exists()  # nothing written
    readme.write_text(f"# x\n{EXPERIMENTS_BEGIN}\n{EXPERIMENTS_END}\nrest\n")
    assert script.main([str(fake_reproduction), "--docs", str(docs), "--readme", str(readme)]) == 0
    assert "| `staircase` | paper 000 |" in readme.read_text() and readme.read_text().endswith("rest\n")
    assert (docs / "reproduction.md").read_text().startswith("# Reproduction ledger")
    claims = json.loads((docs / "reproduction.json").read_text())["claims"]
    assert {c["experiment"] for c in claims} == {"staircase", "staircase-layers"}
    before = readme.read_text()
    argv = [
        str(fake_reproduction),
        "--docs",
        str(docs),
        "--readme",
        str(readme),
        "--name",
        "reproduction-paper",
    ]
    assert script.main([*argv, "--no-readme"]) == 0
    assert (docs / "reproduction-paper.md").is_file() and readme.read_text() == before


def test_the_script_merges_roots_run_side_by_side(fake_reproduction, tmp_path):
    import dataclasses

    from rankscope.sweep.ledger_store import read_ledger

    spec = importlib.util.spec_from_file_location("write_reproduction_docs", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    write_ledger(fake_reproduction)
    whole = read_ledger(fake_reproduction)
    # split the ledger in two roots, one experiment each, as two reproductions run side by side
    roots = []
    for i, exp in enumerate(whole.experiments):
        root = tmp_path / f"part{i}"
        root.mkdir()
        part = dataclasses.replace(whole, experiments=(exp,), command=f"cmd{i}")
        write_ledger(root, part)
        roots.append(root)
    merged = script.merged_ledger(roots)
    assert [e.name for e in merged.experiments] == [e.name for e in whole.experiments]
    assert merged.command == "cmd0 ; cmd1" and merged.counts() == whole.counts()
    with pytest.raises(ValueError, match="appear in more than one root"):
        script.merged_ledger([roots[0], roots[0]])
    odd = tmp_path / "odd"
    odd.mkdir()
    write_ledger(odd, dataclasses.replace(whole, seeds=whole.seeds + 1))
    with pytest.raises(ValueError, match="seeds; expected"):
        script.merged_ledger([roots[0], odd])
    docs = tmp_path / "docs"
    assert script.main([*map(str, roots), "--docs", str(docs), "--no-readme", "--name", "p"]) == 0
    assert {c["experiment"] for c in json.loads((docs / "p.json").read_text())["claims"]} == {
        e.name for e in whole.experiments
    }
