"""The import graph, read from the source: no cycles, and dependencies point one way.

Every ``import`` statement is walked, deferred ones inside functions included (a cycle hidden by a
deferred import is still a cycle); imports under ``if TYPE_CHECKING:`` never run and are left out. ``from pkg import name`` counts as importing ``pkg.name`` when
that is a module, else ``pkg``. Floors, lowest first: ``networks``; ``agents`` and ``model``;
``experiments``; ``dashboards``; ``benchmarks`` sits above them all and nothing imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("networks", "agents", "model", "experiments", "dashboards", "benchmarks")


def _modules() -> dict[str, tuple[Path, bool]]:
    mods = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            mods[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return mods


def _owner(name: str, mods) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking(node) -> bool:
    """An ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) block."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph() -> nx.DiGraph:
    """Module -> module it imports (within the project), each edge with the line of the statement."""
    mods = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(mods)
    for module, (path, is_package) in mods.items():
        package = module if is_package else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(), filename=str(path))
        typing_only = {id(n) for block in ast.walk(tree) if _type_checking(block) for n in ast.walk(block)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in mods else source for a in node.names]
            else:
                continue
            for target in targets:
                owner = _owner(target, mods)
                if owner and owner != module:
                    graph.add_edge(module, owner, line=node.lineno)
    return graph


def test_graph_is_read():
    graph = import_graph()
    assert graph.has_edge("model.behaviour_model", "model.timeline")  # the walker sees relative imports
    assert graph.has_edge("experiments.cli", "experiments.userio")
    assert graph.number_of_edges() > 200


def test_no_import_cycles():
    graph = import_graph()
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def _floor(module: str) -> str:
    return module.partition(".")[0]


def test_nothing_imports_benchmarks():
    graph = import_graph()
    upward = [(a, b, d["line"]) for a, b, d in graph.edges(data=True) if _floor(b) == "benchmarks" and _floor(a) != "benchmarks"]
    assert not upward, f"modules importing benchmarks: {upward}"


def test_dependencies_point_one_way():
    allowed = {
        "networks": {"networks"},
        "agents": {"agents", "networks", "model"},
        "model": {"model", "agents", "networks"},
        "experiments": {"experiments", "model", "agents", "networks"},
        "dashboards": {"dashboards", "experiments", "model", "agents", "networks"},
        "benchmarks": set(PACKAGES),
    }
    graph = import_graph()
    wrong = [(a, b) for a, b in graph.edges if _floor(b) not in allowed[_floor(a)]]
    assert not wrong, f"imports against the floors: {wrong}"
