"""The dependency rule of ARCHITECTURE.md, checked on the import graph of src/kg.

Every import of a project module (at the top, inside functions, under TYPE_CHECKING alike) is an edge.
Stages may import only the stages below them, and no module may reach itself again through imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src"

# stage -> the stages it may import (besides itself and the core)
CORE = {"kg", "kg.config", "kg.errors", "kg.models", "kg.text", "kg.ids", "kg.vocab", "kg.ntriples"}
ALLOWED = {
    "core": set(),
    "kg.rules": set(),
    "kg.read": set(),
    "kg.extract": {"kg.rules"},
    "kg.resolve": set(),
    "kg.store": set(),
    "kg.graph": {"kg.store"},
    "kg.pipeline": {"kg.read", "kg.rules", "kg.extract", "kg.resolve", "kg.graph", "kg.store"},
    "kg.catalog": {"kg.store"},
    "kg.viz": {"kg.catalog", "kg.store"},
    "kg.serve": {"kg.read", "kg.rules", "kg.extract", "kg.resolve", "kg.graph", "kg.store", "kg.pipeline",
                 "kg.catalog", "kg.viz"},
    "kg.output": {"kg.store", "kg.catalog"},
    "kg.cli": {"kg.read", "kg.rules", "kg.extract", "kg.resolve", "kg.graph", "kg.store", "kg.pipeline",
               "kg.catalog", "kg.viz", "kg.serve", "kg.output"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def stage_of(module: str) -> str:
    if module in CORE:
        return "core"
    parts = module.split(".")
    return ".".join(parts[:2])


def imports_of(path: Path, modules: set[str]) -> set[str]:
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for n in names:
            while n and n not in modules:
                n = n.rpartition(".")[0]
            if n and n != me:
                found.add(n)
    return found


def import_graph() -> nx.DiGraph:
    files = sorted((SRC / "kg").rglob("*.py"))
    modules = {module_name(f) for f in files}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for f in files:
        for target in imports_of(f, modules):
            # a package's __init__ is not "imported" by its own submodules' relative position
            g.add_edge(module_name(f), target)
    return g


def test_every_module_belongs_to_a_declared_stage() -> None:
    stages = {stage_of(m) for m in import_graph()}
    assert stages <= set(ALLOWED), f"modules outside every declared stage: {sorted(stages - set(ALLOWED))}"


def test_stages_import_only_the_stages_below_them() -> None:
    wrong = []
    for a, b in import_graph().edges:
        sa, sb = stage_of(a), stage_of(b)
        if sb != "core" and sb != sa and sb not in ALLOWED[sa]:
            wrong.append(f"{a} -> {b}")
        if sa == "core" and sb != "core":
            wrong.append(f"{a} -> {b} (the core imports nothing else)")
    assert not wrong, "imports against the dependency rule:\n" + "\n".join(sorted(wrong))


def test_no_module_imports_itself_through_others() -> None:
    g = import_graph()
    # a package __init__ that re-exports its submodules is their parent, not a cycle with them
    h = nx.DiGraph((a, b) for a, b in g.edges if not (b.startswith(a + ".") and a != "kg"))
    cycles = list(nx.simple_cycles(h))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_stage_graph_has_no_cycles() -> None:
    s = nx.DiGraph()
    for a, b in import_graph().edges:
        if stage_of(a) != stage_of(b):
            s.add_edge(stage_of(a), stage_of(b))
    assert nx.is_directed_acyclic_graph(s), list(nx.simple_cycles(s))
