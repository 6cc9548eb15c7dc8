"""Run every experiment's quick preset and collect what it measured, or compare two collections.

The measured behaviour of a refactor is unchanged when every quick preset's ``summary.json`` gives the
same measured values (``measures`` and each check's verdict and margin) at the same seed:

    python scripts/quick_summaries.py collect OUT.json [--only NAME ...] [--runs DIR]
    python scripts/quick_summaries.py compare BEFORE.json AFTER.json [--rtol 1e-12]

``compare`` prints one line per experiment (``same``, or the first differing paths) and exits 1 if
any differ; a measure present only after the change (added) is not a difference. Wall-clock
figures (keys with ``seconds``/``time``/``wall`` in the name) and provenance are left out: they are
not measurements of the papers' quantities.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

VOLATILE = ("seconds", "time", "wall", "elapsed", "provenance", "speedup")


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if not any(w in k.lower() for w in VOLATILE)}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def measured(summary: dict[str, Any]) -> dict[str, Any]:
    """The measured part of a summary: measures, and per check its verdict, status and margin."""
    checks = {
        c["name"]: {k: c.get(k) for k in ("holds", "status", "margin")} for c in summary.get("checks", [])
    }
    return _strip({"measures": summary.get("measures", {}), "checks": checks})


def collect(out: Path, only: list[str], runs: Path | None) -> None:
    from rankscope.experiments import REGISTRY, run_experiment

    root = runs or Path(tempfile.mkdtemp(prefix="rankscope-quick-"))
    result: dict[str, Any] = {}
    for name in sorted(REGISTRY):
        if only and name not in only:
            continue
        print(f"running {name} ...", flush=True)
        try:
            report = run_experiment(name, "quick", root / name, overwrite=(root / name).exists())
            summary = json.loads((Path(report).parent / "summary.json").read_text())
            result[name] = measured(summary)
        except Exception as exc:  # recorded, so that compare shows it
            result[name] = {"error": f"{type(exc).__name__}: {exc}"}
        out.write_text(json.dumps(result, indent=1, sort_keys=True))
    print(f"wrote {out} ({len(result)} experiments; run directories in {root})")


def _diff(a: Any, b: Any, path: str, rtol: float, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append(f"{path}/{k}: only in before")
            elif k not in a:
                continue  # a measure added by the change: reported by `added`, not a difference
            else:
                _diff(a[k], b[k], f"{path}/{k}", rtol, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", rtol, out)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        fa, fb = float(a), float(b)
        same = (math.isnan(fa) and math.isnan(fb)) or fa == fb or abs(fa - fb) <= rtol * max(abs(fa), abs(fb))
        if not same:
            out.append(f"{path}: {a!r} -> {b!r}")
    elif a != b:
        out.append(f"{path}: {str(a)[:60]!r} -> {str(b)[:60]!r}")


def compare(before: Path, after: Path, rtol: float) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    bad = 0
    for name in sorted(set(a) | set(b)):
        diffs: list[str] = []
        _diff(a.get(name), b.get(name), "", rtol, diffs)
        print(f"{name:28s} {'same' if not diffs else 'DIFFERS: ' + '; '.join(diffs[:3])}")
        bad += bool(diffs)
    print(f"{len(set(a) | set(b)) - bad} same, {bad} differ")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("out", type=Path)
    c.add_argument("--only", nargs="*", default=[])
    c.add_argument("--runs", type=Path)
    d = sub.add_parser("compare")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    d.add_argument("--rtol", type=float, default=1e-12)
    args = ap.parse_args()
    if args.cmd == "collect":
        collect(args.out, args.only, args.runs)
        return 0
    return compare(args.before, args.after, args.rtol)


if __name__ == "__main__":
    sys.exit(main())
