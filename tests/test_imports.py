"""Data flows one way: nevo's modules import each other without cycles, and publishing imports nothing
above it. Imports are read with ast, module-level and function-level alike (a function-level import is
a cycle that only waits for the call)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import nevo

PACKAGE = Path(nevo.__file__).parent

# Cycles other work removes: the monitor and its transcript half (the scan becomes a function returning
# findings), and the providers package, whose __init__ registers the providers that import its base types.
KNOWN_CYCLES = {
    frozenset({"nevo.monitor", "nevo.monitor_transcripts"}),
    frozenset({"nevo.providers", "nevo.providers.anthropic", "nevo.providers.claude_code"}),
}
# What publishing must never import, directly or through another module: whatever changes rules or
# processes triggers calls it.
ABOVE_PUBLISH = {
    "nevo.analyst",
    "nevo.monitor",
    "nevo.monitor_transcripts",
    "nevo.rule_ops",
    "nevo.upkeep",
    "nevo.background",
    "nevo.nightly",
    "nevo.watch",
    "nevo.daemon",
    "nevo.cli",
}


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("nevo", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The nevo modules ``module`` imports anywhere in its file (``from nevo import x`` names module x)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target.startswith("nevo"):
                found = _resolve(target, modules)
                if found and found != module:
                    yield found


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: set(imports_of(name, path, modules)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_graph_reader_sees_function_level_imports_and_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]
    real = import_graph()
    assert "nevo.analyst" in real["nevo.monitor"]  # imported inside Monitor._analyze
    assert "nevo.publish" in real["nevo.analyst"]


def test_no_module_imports_itself_back() -> None:
    found = cycles(import_graph())
    assert not [c for c in found if c not in KNOWN_CYCLES], [sorted(c) for c in found]
    for pair in (
        {"nevo.analyst", "nevo.guards"},
        {"nevo.rule_ops", "nevo.install"},
        {"nevo.context", "nevo.memory.warm"},
        {"nevo.guards", "nevo.publish"},
    ):
        assert not any(pair <= c for c in found), pair


def test_publishing_imports_nothing_above_it() -> None:
    graph = import_graph()
    below = reachable(graph, "nevo.publish")
    assert {"nevo.guards", "nevo.install", "nevo.context", "nevo.agent_rules"} <= below
    assert not below & ABOVE_PUBLISH, sorted(below & ABOVE_PUBLISH)
    assert not {m for m in below if m.startswith("nevo.cli")}
