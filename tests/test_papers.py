import re
from pathlib import Path

import pytest

import rankscope
from rankscope.papers import PAPERS, cite, paper

PAPERS_DIR = Path(__file__).resolve().parents[2] / "shared" / "papers"
PACKAGE = Path(rankscope.__file__).parent


@pytest.mark.skipif(not PAPERS_DIR.is_dir(), reason="the papers folder is not beside this checkout")
def test_every_paper_names_its_file_and_the_file_holds_its_title():
    for p in PAPERS.values():
        text = (PAPERS_DIR / p.file).read_text(encoding="utf-8").lower()
        words = [w for w in re.findall(r"[a-z]+", p.title.lower()) if len(w) > 3][:4]
        assert all(w in text for w in words), (p.key, words)


def test_cite_and_unknown_keys():
    assert (
        cite("003", "eq. (2)")
        == "paper 003 (Xia: Matrix analysis and fast solvers for neural network computations), eq. (2)"
    )
    assert cite("004").startswith("paper 004 (Feng et al.: ")
    with pytest.raises(ValueError, match=r"paper must be one of \['000', .*\]; got '005'"):
        paper("005")


def test_no_docstring_carries_a_machine_path_or_a_hashed_file_name():
    """Papers are cited by key (``paper 000``), never by a hashed file name or an absolute path."""
    bad = []
    hashed = re.compile(r"\b00[0-4]_[0-9a-f]{16}\.txt")
    for path in PACKAGE.rglob("*.py"):
        if path.name == "papers.py":
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if hashed.search(line) or re.search(r"(/work/|/home/|/root/|/Users/)", line):
                bad.append(f"{path.relative_to(PACKAGE)}:{i}: {line.strip()[:80]}")
    assert not bad, "\n".join(bad[:20]) + f"\n({len(bad)} lines)"
