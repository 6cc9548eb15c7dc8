"""Measures of the house: module sizes, parameters typed ``Any``, function-level imports.

    python scripts/house_metrics.py [PACKAGE_DIR]      # default: rankscope/ beside this script

Prints the number of modules and lines, the median module size, how many modules exceed 300 and 400
lines (the largest listed), the share of function parameters annotated ``Any`` (``self``/``cls``
and ``*args``/``**kwargs`` left out), and the imports made inside functions. Duplicated blocks are
counted by the tool library's ``duplicates --repo PACKAGE_DIR``.
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path


def _is_any(node: ast.expr | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        return node.value.strip() == "Any"
    return (isinstance(node, ast.Name) and node.id == "Any") or (
        isinstance(node, ast.Attribute) and node.attr == "Any"
    )


def measure(package: Path) -> dict[str, object]:
    sizes: dict[str, int] = {}
    params = any_params = local_imports = 0
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        sizes[str(path.relative_to(package.parent))] = len(text.splitlines())
        tree = ast.parse(text)
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
            for a in args:
                if a.arg in ("self", "cls"):
                    continue
                params += 1
                any_params += _is_any(a.annotation)
            local_imports += sum(
                isinstance(n, (ast.Import, ast.ImportFrom)) for stmt in fn.body for n in ast.walk(stmt)
            )
    v = sorted(sizes.values())
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])
    return {
        "modules": len(v),
        "lines": sum(v),
        "median": statistics.median(v),
        "over_300": sum(x > 300 for x in v),
        "over_400": sum(x > 400 for x in v),
        "largest": largest[:10],
        "params": params,
        "any_params": any_params,
        "local_imports": local_imports,
    }


def main() -> int:
    package = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "rankscope"
    m = measure(package)
    print(f"modules {m['modules']}, lines {m['lines']}, median {m['median']}")
    print(f"over 300 lines: {m['over_300']}, over 400: {m['over_400']}")
    for name, n in m["largest"]:  # type: ignore[attr-defined]
        print(f"  {n:5d} {name}")
    share = 100 * m["any_params"] / max(m["params"], 1)  # type: ignore[operator]
    print(f"parameters typed Any: {m['any_params']} of {m['params']} ({share:.1f}%)")
    print(f"imports inside functions: {m['local_imports']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
