"""Write the reproduction docs from a ledger: docs/reproduction.md, docs/reproduction.json, README block.

    python scripts/write_reproduction_docs.py LEDGER_ROOT [--docs DIR] [--readme FILE]
    python scripts/write_reproduction_docs.py PAPER_ROOT [MORE_ROOTS...] --name reproduction-paper --no-readme

``LEDGER_ROOT`` is a ``rankscope reproduce --out`` root holding ``ledger.json``. Writes
``DIR/reproduction.md`` (the ledger per paper, :func:`rankscope.sweep.ledger_docs.ledger_markdown`),
``DIR/reproduction.json`` (the compact ledger CI reads) and replaces the block of ``FILE`` between
``<!-- experiments:begin -->`` and ``<!-- experiments:end -->`` by the table of experiments
(defaults: ``docs/`` and ``README.md`` beside this script). A README without the markers is left
as it is and the script exits 1 naming them. ``--name`` changes the documents' stem (a paper-preset
ledger goes beside the quick one as ``reproduction-paper.md``/``.json``); ``--no-readme`` leaves the
README alone (its table is the quick ledger's). Several roots of the same preset and seed count
(reproductions run side by side) are merged into one ledger: their experiments in order, their
commands joined by `` ; ``, the first root's date and provenance.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from rankscope.store import atomic_write_text
from rankscope.sweep.ledger import Ledger
from rankscope.sweep.ledger_docs import (
    EXPERIMENTS_BEGIN,
    EXPERIMENTS_END,
    compact_ledger,
    experiment_table,
    ledger_markdown,
    replace_between_markers,
)
from rankscope.sweep.ledger_store import read_ledger

REPO = Path(__file__).resolve().parents[1]


def merged_ledger(roots: list[Path]) -> Ledger:
    """The ledgers of ``roots`` as one; ``ValueError`` if their presets or seed counts differ or an
    experiment appears twice."""
    ledgers = [read_ledger(r) for r in roots]
    first = ledgers[0]
    for root, other in zip(roots[1:], ledgers[1:], strict=True):
        if (other.preset, other.seeds) != (first.preset, first.seeds):
            raise ValueError(
                f"{root}: preset {other.preset!r} with {other.seeds} seeds; expected {first.preset!r} "
                f"with {first.seeds} like {roots[0]}"
            )
    names = [e.name for led in ledgers for e in led.experiments]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"experiments {twice} appear in more than one root; expected each once")
    return dataclasses.replace(
        first,
        experiments=tuple(e for led in ledgers for e in led.experiments),
        command=" ; ".join(led.command for led in ledgers),
    )


def write_docs(
    root: Path | list[Path], docs: Path, readme: Path | None, name: str = "reproduction"
) -> list[Path]:
    """Write the documents (the README's table unless ``readme`` is None); return their paths.
    Raises ``ValueError`` if a marker is missing (then nothing is written)."""
    ledger = merged_ledger(root if isinstance(root, list) else [root])
    block = None
    if readme is not None:
        block = replace_between_markers(
            readme.read_text(encoding="utf-8"), EXPERIMENTS_BEGIN, EXPERIMENTS_END, experiment_table(ledger)
        )
    docs.mkdir(parents=True, exist_ok=True)
    md, js = docs / f"{name}.md", docs / f"{name}.json"
    atomic_write_text(md, ledger_markdown(ledger))
    atomic_write_text(js, json.dumps(compact_ledger(ledger), indent=1, ensure_ascii=False) + "\n")
    if readme is None or block is None:
        return [md, js]
    atomic_write_text(readme, block)
    return [md, js, readme]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "root", type=Path, nargs="+", help="`rankscope reproduce --out` roots holding ledger.json"
    )
    parser.add_argument("--docs", type=Path, default=REPO / "docs", help="where reproduction.md/json go")
    parser.add_argument("--readme", type=Path, default=REPO / "README.md", help="the README to update")
    parser.add_argument("--no-readme", action="store_true", help="leave the README alone")
    parser.add_argument("--name", default="reproduction", help="stem of the documents (default reproduction)")
    args = parser.parse_args(argv)
    try:
        written = write_docs(args.root, args.docs, None if args.no_readme else args.readme, args.name)
    except (ValueError, OSError) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
