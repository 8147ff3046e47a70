"""The library's layers import one way: no module of scripts/evidencebook/ imports, directly or
through others, a module that imports it back (imports inside functions count too); and `make book` needs
no browser: nothing of the library imports Playwright until the PDF is printed."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
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


# What `make book` runs imports every module of the library but the command line's __main__: the build
# driver (through the command line), the Sphinx extension and its patches, and the chapters' code in the
# notebook kernels. Imported in a fresh interpreter, so that no other test's import counts.
NO_BROWSER_SCRIPT = """
import importlib, json, pkgutil, sys
import evidencebook
for module in pkgutil.walk_packages(evidencebook.__path__, "evidencebook."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
print(json.dumps({
    "library": sorted(name for name in sys.modules if name.split(".")[0] == "evidencebook"),
    "browser": sorted(name for name in sys.modules if name.split(".")[0] in ("playwright", "axe_playwright_python", "pypdf")),
}))
"""


def test_building_the_book_needs_no_browser():
    """`make book` must not need Chromium: no module of the library imports Playwright (nor the PDF's other
    test-only packages) when imported; the PDF command imports them when it runs."""
    found = subprocess.run([sys.executable, "-c", NO_BROWSER_SCRIPT], capture_output=True, text=True, cwd=ROOT)
    assert found.returncode == 0, found.stderr[-3000:]
    imported = json.loads(found.stdout)
    assert set(import_graph()) - set(imported["library"]) == {"evidencebook.__main__"}, "every module of the library was imported"
    assert imported["browser"] == [], f"importing the library imports {imported['browser'][:5]}: import them inside the function that needs them"


BROWSER_PACKAGES = ("playwright", "axe_playwright_python", "pypdf")


def top_level_imports(path: Path) -> set[str]:
    """The modules a file imports when it is imported (not those imported inside its functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy = {id(node) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) for node in ast.walk(f)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in lazy:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_browser_is_imported_only_inside_the_functions_that_print():
    """The same rule as the test above, read from the source: it runs in the quick lane (no other process)."""
    files = [p for p in (SCRIPTS / "evidencebook").rglob("*.py") if "__pycache__" not in p.parts]
    found = {
        str(p.relative_to(ROOT)): sorted(m for m in top_level_imports(p) if m.split(".")[0] in BROWSER_PACKAGES) for p in files
    }
    assert {name: modules for name, modules in found.items() if modules} == {}
