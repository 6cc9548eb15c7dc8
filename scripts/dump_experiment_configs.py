"""Dump every experiment's data and resolved configs, to show a refactor leaves them unchanged.

    python scripts/dump_experiment_configs.py OUT.json      # on each commit, then compare the files

For each registered experiment: its summary, paper section, presets (``repr``), reproduction notes
(diagnoses, paper inconsistencies, not-reproduced claims) and, for each preset, the fully resolved
config (``repr`` of ``dataclasses.asdict``). Two dumps compare equal (``cmp``) when nothing that
decides a run or its ledger has changed; a config whose fields only moved (a shared base class)
differs in key order alone: compare those with ``--as-dicts A.json B.json``.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import sys

from rankscope.experiments.base import REGISTRY, resolve_config


def dump() -> dict[str, dict[str, str]]:
    import rankscope.experiments  # noqa: F401  (registers every experiment)

    out: dict[str, dict[str, str]] = {}
    for name, exp in sorted(REGISTRY.items()):
        notes = (exp.diagnoses, exp.paper_inconsistent, {k: sorted(v) for k, v in exp.not_reproduced.items()})
        out[name] = {
            "summary": exp.summary,
            "paper": exp.paper,
            "presets": repr(exp.presets),
            "notes": repr(notes),
        }
        for preset in exp.presets:
            out[name][preset] = repr(dataclasses.asdict(resolve_config(exp, preset)))
    return out


def compare(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> list[str]:
    """The (experiment, field) pairs that differ other than in key order."""
    diffs = []
    for name in sorted(set(a) | set(b)):
        for key in sorted(set(a.get(name, {})) | set(b.get(name, {}))):
            va, vb = a.get(name, {}).get(key), b.get(name, {}).get(key)
            if va != vb and (va is None or vb is None or ast.literal_eval(va) != ast.literal_eval(vb)):
                diffs.append(f"{name}.{key}")
    return diffs


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--as-dicts":
        with open(sys.argv[2]) as fa, open(sys.argv[3]) as fb:
            diffs = compare(json.load(fa), json.load(fb))
        print("\n".join(diffs) if diffs else "same")
        sys.exit(1 if diffs else 0)
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "w") as f:
        json.dump(dump(), f, indent=1, sort_keys=True)
    print(f"{len(REGISTRY)} experiments -> {sys.argv[1]}")
