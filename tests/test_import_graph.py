"""The import graph of ``service/`` has no cycle (built from the source with ``ast``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "service"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _skipped(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (types only, never run) and ``if __name__ == "__main__":`` (a
    script's entry point, not part of importing the module) are not imports."""
    if not isinstance(node, ast.If):
        return False
    test = ast.unparse(node.test)
    return test in ("TYPE_CHECKING", "typing.TYPE_CHECKING") or "__main__" in test


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at module level or inside functions, outside skipped blocks."""
    out: list[ast.Import | ast.ImportFrom] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        todo.extend(child for child in ast.iter_child_nodes(node) if not _skipped(child))
    return out


def _owner(target: str, modules: set[str]) -> str:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target


def imported(tree: ast.AST, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The ``service`` modules a module imports, by full name.

    ``from pkg import mod`` imports ``pkg.mod``; ``from mod import f`` imports ``mod``. The
    implicit import of a parent package's ``__init__`` is not an edge (every module has it).
    """
    package = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        for target in targets:
            owner = _owner(target, modules)
            if owner and owner != name:
                out.add(owner)
    return out


Graph = dict[str, set[str]]


def import_graph() -> Graph:
    """module -> the modules it imports, over every ``service/**/*.py`` (lazy imports too)."""
    files = {module_name(p): p for p in SERVICE.rglob("*.py")}
    graph: Graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = imported(tree, name, path.name == "__init__.py", set(files))
    return graph


def _reach(graph: Graph, start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def real_cycles(graph: Graph) -> list[set[str]]:
    """Groups of modules that import each other (directly or around a ring)."""
    reach = {name: _reach(graph, name) for name in graph}
    groups: list[set[str]] = []
    for name in sorted(graph):
        if name in reach[name] and not any(name in g for g in groups):
            groups.append({m for m in reach[name] if name in reach.get(m, set())})
    return groups


def test_the_graph_sees_imports() -> None:
    graph = import_graph()
    assert "service.coaching.rules" in graph["service.coaching.triage"]
    assert "service.coaching.policies" in graph["service.coaching.service"]


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert real_cycles(graph) == [{"a", "b", "c"}]


def test_no_import_cycle_in_service() -> None:
    cycles = real_cycles(import_graph())
    assert cycles == [], "\n".join(" <-> ".join(sorted(c)) for c in cycles)
