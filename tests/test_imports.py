"""The library's layers import one way: no module of scripts/evidencebook/ imports, directly or
through others, a module that imports it back (imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

SCRIPTS = ROOT / "scripts"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SCRIPTS).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The library's modules that the file at `path` imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = ".".join(part for part in (base if node.level else "", node.module or "") if part)
            submodules = {f"{target}.{alias.name}" for alias in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(target)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    files = [p for p in (SCRIPTS / "evidencebook").rglob("*.py") if "__pycache__" not in p.parts]
    modules = {module_name(p) for p in files}
    return {module_name(p): imported_modules(p, modules) for p in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the path that closes it."""
    found, done = [], set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = path[path.index(module):] + [module]
            if set(cycle) not in [set(c) for c in found]:
                found.append(cycle)
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return found


def test_the_cycle_finder_finds_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_the_graph_sees_relative_and_lazy_imports():
    graph = import_graph()
    assert "evidencebook.sphinx.patches" in graph["evidencebook.sphinx.extension"]
    assert "evidencebook.sphinx.patches.bibtex" in graph["evidencebook.sphinx.patches"]
    assert "evidencebook.records.filecache" in graph["evidencebook.records.bib"]  # imported inside a function


def described(found: list[list[str]]) -> str:
    return "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in found)


def test_no_module_of_the_sphinx_layer_imports_itself_back():
    """The extension, the build driver and the patches: the extension imports the patches, the
    patches import neither it nor the driver; what both need lives in settings.py and notebooks.py."""
    found = [cycle for cycle in cycles(import_graph()) if any(m.startswith("evidencebook.sphinx") for m in cycle)]
    assert found == [], described(found)


def test_no_module_of_the_library_imports_itself_back():
    found = cycles(import_graph())
    assert found == [], described(found)
