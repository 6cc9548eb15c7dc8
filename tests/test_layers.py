"""The layers of docs/architecture.md, enforced: no import goes up a layer, no cycle between subpackages.

Every module of ``rankscope`` is parsed with ``ast``; every ``import x`` and ``from x import y`` in it
(module level, inside functions and classes, under ``if TYPE_CHECKING:``), relative imports resolved,
is an edge from the module's layer to the imported module's layer. ``rankscope/__init__.py`` (the
public face) is exempt; importing it (``import rankscope``, ``from rankscope import Monitor``) from
inside the package counts as importing the top.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

#: layer of each ``rankscope.<sub>`` (a subpackage or a top-level module), bottom to top: each layer
#: imports only from layers at or below its own.
LAYERS: dict[str, float] = {
    # 0: the ground
    "store": 0,
    "_checks": 0,
    "provenance": 0,
    "papers": 0,
    "devices": 0,
    "linalg": 1,
    "sampling": 2,
    "nets": 3,
    "operators": 4,
    "problems": 5,
    "matrices": 6,
    "analysis": 7,
    "train": 8,
    "report": 9,
    "analyze": 9.8,
    # the compatibility facade of the old ``rankscope.relu``: it re-exports from any library layer and
    # only experiments, benchmarks, tests and users may import it
    "relu": 9.5,
    "experiments": 10,
    "sweep": 11,
    # the top
    "cli": 12,
    "__main__": 12,
    "bench": 12,
    "integrations": 12,
}
#: ``rankscope`` itself: the public face (``rankscope/__init__.py``) re-exports from every layer
PUBLIC_FACE = 99.0

#: the source tree, read as text: the test imports nothing of the package
PACKAGE_DIR = Path(__file__).resolve().parents[1] / "rankscope"


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` (both dotted module names) at ``path:line``."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.target}"


def module_names(root: Path, package: str) -> dict[str, Path]:
    """``{dotted name: file}`` of every module of the package whose directory is ``root``."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = [package, *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _base(module: str, path: Path, level: int) -> str:
    """The package a relative import of ``level`` dots in ``module`` starts from."""
    pkg = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if level > 1:
        pkg = pkg[: len(pkg) - (level - 1)]
    return ".".join(pkg)


def import_edges(root: Path, package: str) -> list[Edge]:
    """Every import of a module of ``package`` by a module of ``package`` (relative ones resolved)."""
    modules = module_names(root, package)
    edges: list[Edge] = []
    for module, path in modules.items():
        shown = str(path.relative_to(root.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = _base(module, path, node.level)
                    origin = f"{base}.{node.module}" if node.module else base
                else:
                    origin = node.module or ""
                for alias in node.names:  # `from pkg import submodule` imports the submodule
                    sub = f"{origin}.{alias.name}"
                    targets.append(sub if sub in modules else origin)
            for target in dict.fromkeys(targets):  # once per statement and target
                if target == package or target.startswith(package + "."):
                    edges.append(Edge(module, target, shown, node.lineno))
    return edges


def subpackage(module: str) -> str:
    """``rankscope.linalg.structured.hss`` -> ``linalg``; ``rankscope`` -> ``""`` (the public face)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> float | None:
    sub = subpackage(module)
    return PUBLIC_FACE if sub == "" else LAYERS.get(sub)


def unmapped(root: Path, package: str) -> list[str]:
    """Subpackages and top-level modules with no layer in :data:`LAYERS`."""
    subs = {subpackage(m) for m in module_names(root, package)} - {""}
    return sorted(s for s in subs if s not in LAYERS)


def upward_imports(root: Path, package: str) -> list[Edge]:
    """The imports from a layer to a layer above it (the public face ``__init__`` exempt)."""
    bad = []
    for e in import_edges(root, package):
        if e.source == package:
            continue
        src, dst = layer(e.source), layer(e.target)
        if src is not None and dst is not None and dst > src:
            bad.append(e)
    return bad


def subpackage_cycles(root: Path, package: str) -> list[list[str]]:
    """The cycles of the import graph between subpackages: its strongly connected components of more
    than one subpackage, each listed sorted."""
    graph: dict[str, set[str]] = {}
    for e in import_edges(root, package):
        a, b = subpackage(e.source), subpackage(e.target)
        if a and b and a != b:
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set())
    # Tarjan's algorithm
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = itertools.count()

    def visit(v: str) -> None:
        index[v] = low[v] = next(counter)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(components)


def cycle_edges(root: Path, package: str, component: list[str]) -> list[Edge]:
    """The imports inside one cycle (between two of its subpackages), to show where to cut it."""
    members = set(component)
    return [
        e
        for e in import_edges(root, package)
        if subpackage(e.source) in members
        and subpackage(e.target) in members
        and subpackage(e.source) != subpackage(e.target)
    ]


def _registers(path: Path) -> bool:
    """Whether the module defines an experiment (a class decorated with ``register``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            for dec in node.decorator_list:
                if (isinstance(dec, ast.Name) and dec.id == "register") or (
                    isinstance(dec, ast.Attribute) and dec.attr == "register"
                ):
                    return True
    return False


def _in_paper_folder(module: str, package: str) -> bool:
    """A public module of a paper folder (``experiments/paper003/sggn.py``) is one experiment."""
    parts = module[len(package) + 1 :].split(".")
    return len(parts) == 3 and parts[1].startswith("paper") and not parts[2].startswith("_")


def experiment_cross_imports(root: Path, package: str) -> list[Edge]:
    """Imports of one experiment module (one that registers an experiment) by another."""
    modules = module_names(root, package)
    experiments = {
        m
        for m, p in modules.items()
        if m.startswith(f"{package}.experiments.") and (_registers(p) or _in_paper_folder(m, package))
    }
    return [
        e
        for e in import_edges(root, package)
        if e.source in experiments and e.target in experiments and e.source != e.target
    ]


def _listing(edges: list[Edge]) -> str:
    return "\n".join(f"  {e}  (layer {layer(e.source)} -> {layer(e.target)})" for e in edges)


# ------------------------------------------------------------------------------------------------
# the package


def test_every_subpackage_and_top_level_module_has_a_layer():
    missing = unmapped(PACKAGE_DIR, "rankscope")
    assert not missing, (
        f"no layer for rankscope.{', rankscope.'.join(missing)}: add each to LAYERS in tests/test_layers.py "
        "and to the layer table of docs/architecture.md"
    )


def test_no_import_goes_up_a_layer():
    bad = upward_imports(PACKAGE_DIR, "rankscope")
    assert not bad, f"{len(bad)} imports go up a layer (docs/architecture.md):\n{_listing(bad)}"


def test_no_import_cycle_between_subpackages():
    cycles = subpackage_cycles(PACKAGE_DIR, "rankscope")
    text = "\n".join(
        f"  {' <-> '.join(c)}:\n" + "\n".join(f"    {e}" for e in cycle_edges(PACKAGE_DIR, "rankscope", c))
        for c in cycles
    )
    assert not cycles, f"import cycles between subpackages:\n{text}"


def test_no_experiment_imports_another():
    bad = experiment_cross_imports(PACKAGE_DIR, "rankscope")
    assert not bad, (
        "experiment modules import each other (move the shared part to a library layer or to an "
        f"experiments/_*.py helper):\n{_listing(bad)}"
    )


# ------------------------------------------------------------------------------------------------
# the checker itself, on a synthetic package


def _tree(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "rankscope"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return pkg


def test_the_checker_reports_upward_imports_of_every_form(tmp_path):
    pkg = _tree(
        tmp_path,
        {
            "__init__.py": "from rankscope.train import loop\n",  # the public face: exempt
            "_checks.py": "",
            "linalg/__init__.py": "",
            "linalg/ok.py": "from rankscope._checks import x\nfrom . import other\n",
            "linalg/other.py": "",
            "linalg/bad.py": (
                "import rankscope.nets.mlp\n"  # absolute `import`
                "from ..matrices import gram\n"  # relative, two dots
                "def f():\n"
                "    from rankscope.train.loop import Trainer\n"  # function level
                "    return Trainer\n"
            ),
            "nets/__init__.py": "from rankscope import linalg\n",  # down: fine
            "nets/mlp.py": "",
            "nets/facade_user.py": "from rankscope.relu import hss\n",  # a library layer uses the facade
            "matrices/__init__.py": "",
            "matrices/gram.py": "from rankscope import Monitor\n",  # the public face, from inside
            "train/__init__.py": "",
            "train/loop.py": "class Trainer: ...\n",
            "relu/__init__.py": "from rankscope.linalg import ok\nfrom rankscope.train import loop\n",
            "relu/hss.py": "from rankscope.experiments import runner\n",  # the facade reaches up
            "experiments/__init__.py": "from rankscope.relu import hss\n",  # experiments may use it
            "experiments/runner.py": "",
        },
    )
    bad = {(e.source, e.target, e.line) for e in upward_imports(pkg, "rankscope")}
    assert bad == {
        ("rankscope.linalg.bad", "rankscope.nets.mlp", 1),
        ("rankscope.linalg.bad", "rankscope.matrices.gram", 2),
        ("rankscope.linalg.bad", "rankscope.train.loop", 4),
        ("rankscope.nets.facade_user", "rankscope.relu.hss", 1),
        ("rankscope.matrices.gram", "rankscope", 1),
        ("rankscope.relu.hss", "rankscope.experiments.runner", 1),
    }
    # and the package-level test would fail, naming each import
    text = _listing(upward_imports(pkg, "rankscope"))
    assert "linalg/bad.py:4: rankscope.linalg.bad imports rankscope.train.loop  (layer 1 -> 8)" in text


def test_the_checker_reports_cycles_and_unmapped_modules(tmp_path):
    pkg = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "nets/__init__.py": "",
            "nets/rf.py": "def gram():\n    from rankscope.matrices.gram import g\n    return g\n",  # hidden
            "matrices/__init__.py": "",
            "matrices/gram.py": "from rankscope.operators import d\n",
            "operators/__init__.py": "from rankscope.nets import rf\n",
            "linalg/__init__.py": "",
            "store/__init__.py": "from rankscope import _checks\n",
            "_checks.py": "from rankscope.store import x\n",  # same layer, still a cycle
            "gadgets/__init__.py": "",
        },
    )
    assert subpackage_cycles(pkg, "rankscope") == [["_checks", "store"], ["matrices", "nets", "operators"]]
    assert {
        (e.source, e.target) for e in cycle_edges(pkg, "rankscope", ["matrices", "nets", "operators"])
    } == {
        ("rankscope.nets.rf", "rankscope.matrices.gram"),
        ("rankscope.matrices.gram", "rankscope.operators"),
        ("rankscope.operators", "rankscope.nets.rf"),
    }
    assert unmapped(pkg, "rankscope") == ["gadgets"]


def test_the_checker_reports_experiments_importing_each_other(tmp_path):
    pkg = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "experiments/__init__.py": "",
            "experiments/base.py": "def register(c):\n    return c\n",
            "experiments/_shared.py": "from rankscope.experiments.base import register\n",
            "experiments/paper_a.py": (
                "from rankscope.experiments.base import register\n@register\nclass A: ...\n"
            ),
            "experiments/paper_b.py": (
                "from rankscope.experiments import base\n"
                "from rankscope.experiments._shared import register\n"  # glue: fine
                "from .paper_a import A\n"  # another experiment: not fine
                "@base.register\nclass B: ...\n"
            ),
        },
    )
    assert [(e.source, e.target) for e in experiment_cross_imports(pkg, "rankscope")] == [
        ("rankscope.experiments.paper_b", "rankscope.experiments.paper_a")
    ]
