"""The library's layers: data flows one way, records → publish → chapters → sphinx and tools.

A module may import from its own subpackage and from layers below it, never from a layer above
(lazy imports inside functions included: they are a dependency all the same).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import evidencebook

PACKAGE = Path(evidencebook.__file__).parent
LAYERS = {"records": 0, "publish": 1, "chapters": 2, "sphinx": 3, "tools": 3}


def internal_imports(path: Path) -> set[str]:
    """The evidencebook subpackages `path` imports, absolute or relative, at any depth of the code."""
    module_parts = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_parts[: len(module_parts) - node.level]
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [target] if node.module else [[*target, a.name] for a in node.names]
            elif node.module and node.module.split(".")[0] == "evidencebook":
                names = [node.module.split(".")[1:]]
            else:
                continue
        elif isinstance(node, ast.Import):
            names = [a.name.split(".")[1:] for a in node.names if a.name.split(".")[0] == "evidencebook"]
        else:
            continue
        found |= {parts[0] for parts in names if parts}
    return found


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = path.relative_to(PACKAGE).parts[0]
        if layer not in LAYERS:
            continue
        for target in internal_imports(path) & set(LAYERS):
            if LAYERS[target] > LAYERS[layer]:
                upward.append(f"{path.relative_to(PACKAGE)} imports {target}/")
    assert not upward, "imports against the flow records → publish → chapters → sphinx/tools:\n" + "\n".join(upward)


def test_the_layer_check_sees_relative_absolute_and_lazy_imports(tmp_path):
    probe = PACKAGE / "records" / "_layer_probe.py"
    probe.write_text("def f():\n    from ..chapters import charts\n    import evidencebook.sphinx.build\n", encoding="utf-8")
    try:
        assert internal_imports(probe) == {"chapters", "sphinx"}
    finally:
        probe.unlink()


def test_the_chapters_name_only_terms_the_validator_keeps():
    """The chapters colour and count by a few term ids; validation keeps those terms in the vocabularies
    (records/vocab.py declares them), so a contributor cannot delete one the chapters draw on."""
    from evidencebook.chapters.charts import KIND_COLOURS
    from evidencebook.chapters.findings import COMPARISON_TYPES
    from evidencebook.chapters.gapmap import EFFECT_KINDS
    from evidencebook.records.vocab import TERMS_THE_CHAPTERS_NAME as kept

    assert {*KIND_COLOURS, *EFFECT_KINDS} <= set(kept["outcome_kinds"])
    assert set(COMPARISON_TYPES) <= set(kept["evidence_types"])
    places = (PACKAGE / "chapters" / "places.py").read_text(encoding="utf-8")
    assert '"england"' in places and "england" in kept["countries"]


HTML_TAG = re.compile(r"<(/?)(a|br|details|div|em|figure|img|li|ol|p|script|section|span|strong|style|summary|svg|table|td|th|tr|ul)\b")
# The places that edit markup others made, as text: markdown-it's HTML gets rel="nofollow noopener" on each
# link (publish/text.py); the SVG vl-convert draws is cut down to its <svg> element (chapters/charts.py); a
# figure's spec script is found as figure.html wrote it and replaced by a link to its file (sphinx/chartdata.py).
HTML_TEXT_ALLOWED = {"publish/text.py", "chapters/charts.py", "sphinx/chartdata.py"}


def test_html_comes_only_from_templates():
    """Every piece of HTML is in publish/templates/ (escaping by default): no module writes a tag in a string."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if HTML_TAG.search(node.value) and rel not in HTML_TEXT_ALLOWED:
                    found.append(f"{rel}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "HTML written in Python strings (move it into a template in publish/templates/):\n" + "\n".join(found)


# A module is one concern a reader can hold in mind; one that grows past this has taken on a second
# concern, to be split out (as record_diff.py was from history.py).
MAX_MODULE_LINES = 430


def test_no_module_outgrows_one_concern():
    long = [
        f"{path.relative_to(PACKAGE).as_posix()}: {lines} lines"
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split out what is a concern of its own):\n" + "\n".join(long)
