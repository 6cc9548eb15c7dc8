"""The papers rankscope implements: one registry that every docstring and experiment cites by key.

A docstring cites ``paper 000 eq. (4.1)``; :data:`PAPERS` maps the key ``"000"`` to the title, the
authors, the arXiv identifier where the text gives one, and the file of its plain-text copy in the
project's ``papers/`` folder (beside the repository, not shipped in the package).

    >>> cite("000", "eq. (4.1)")
    'paper 000 (Yang, Zhao, Zhu: Effective rank and the staircase phenomenon), eq. (4.1)'
    >>> PAPERS["sggn"].arxiv
    '2404.05064'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PAPERS", "Paper", "cite", "paper"]


@dataclass(frozen=True)
class Paper:
    """One paper: its key, title, authors, arXiv id (``None`` where the text gives none) and file."""

    key: str
    title: str
    authors: tuple[str, ...]
    file: str
    arxiv: str | None = None

    @property
    def short(self) -> str:
        """``Yang, Zhao, Zhu: Effective rank ...`` (at most three family names, then *et al.*)."""
        names = [a.split()[-1] for a in self.authors]
        who = ", ".join(names) if len(names) <= 3 else f"{names[0]} et al."
        return f"{who}: {self.title.split(':')[0]}"


PAPERS: dict[str, Paper] = {
    p.key: p
    for p in (
        Paper(
            "000",
            "Effective rank and the staircase phenomenon: new insights into neural network training dynamics",
            ("Jiang Yang", "Yuxiang Zhao", "Quanhui Zhu"),
            "000_1f8258be9be41576.txt",
        ),
        Paper(
            "001",
            "Automatic differentiation is essential in training neural networks for solving differential "
            "equations",
            ("Chuqi Chen", "Yahong Yang", "Yang Xiang", "Wenrui Hao"),
            "001_e0cd3eb19b03667f.txt",
        ),
        Paper(
            "002",
            "Physics informed neural networks for elliptic equations with oscillatory differential operators",
            ("anonymous (under double-blind review)",),
            "002_bb7ccc67e915810c.txt",
        ),
        Paper(
            "003",
            "Matrix analysis and fast solvers for neural network computations",
            ("Jianlin Xia",),
            "003_d27251787f0ed572.txt",
        ),
        Paper(
            "004",
            "Rank diminishing in deep neural networks",
            ("Ruili Feng", "Kecheng Zheng", "Yukun Huang", "Deli Zhao", "Michael Jordan", "Zheng-Jun Zha"),
            "004_dd906f3dfe4e2018.txt",
        ),
        Paper(
            "sggn",
            "A structure-guided Gauss-Newton method for shallow ReLU neural network",
            ("Z. Cai", "T. Ding", "M. Liu", "X. Liu", "J. Xia"),
            "sggn-notes.md",
            arxiv="2404.05064",
        ),
    )
}


def paper(key: str) -> Paper:
    """The paper ``key`` (``"000"`` .. ``"004"``, ``"sggn"``); an unknown key raises listing the keys."""
    if key not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}; got {key!r}")
    return PAPERS[key]


def cite(key: str, where: str = "") -> str:
    """A citation: ``paper KEY (authors: title), WHERE``."""
    p = paper(key)
    return f"paper {p.key} ({p.short})" + (f", {where}" if where else "")
