"""The inputs a chapter declares, so it re-executes only when a file it reads changes.

A chapter notebook names what it reads in its front matter:

    evidencebook:
      inputs: [records, datasets]

Each name stands for the files in INPUTS. The build appends nothing else to the chapter's digest
(besides the library's own code), so jupyter-cache re-executes it only when one of those files
changes. The declaration is also enforced while the chapter runs: the build tells the chapter's
kernel what it declared (`declare_chapter`), and the loaders (`knowledge_base()`, `load_package()`)
refuse to hand over anything undeclared, naming the chapter and the missing name. A chapter that
reads more than it declares therefore fails its build instead of silently publishing stale figures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .filecache import files_digest, library_digest
from .yamlsafe import load_yaml_text


@dataclass(frozen=True)
class Input:
    globs: tuple[str, ...]
    what: str  # for messages: "the case studies (case_studies/*.yml), ..."


INPUTS: dict[str, Input] = {
    "records": Input(
        ("case_studies/*.yml", "case_studies/*.yaml", "data/vocabularies/*.yml", "references.bib"),
        "the case studies, the vocabularies their terms come from and references.bib",
    ),
    "frameworks": Input(("data/frameworks/*.yml",), "the frameworks (data/frameworks/)"),
    "checklist": Input(("data/integration-checklist.yml",), "the integration checklist (data/integration-checklist.yml)"),
    "glossary": Input(("data/glossary/*.yml",), "the glossary terms (data/glossary/)"),
    "reading_list": Input(("data/reading-list.yml",), "the reading list (data/reading-list.yml)"),
    "book": Input(("_config.yml",), "the book's settings (_config.yml: its title, edition, repository and address)"),
    "datasets": Input(("data/datapackage.json", "data/**/*.csv"), "the data package (data/datapackage.json and its CSV files)"),
}


class UndeclaredInput(RuntimeError):
    """A chapter read an input its front matter does not declare."""


def front_matter(text: str) -> str | None:
    """The YAML between a page's opening `---` lines, or None when it has none."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    return text[4 : end + 1] if end != -1 else None


def declared_inputs(text: str) -> tuple[list[str], str | None]:
    """(the input names a chapter's text declares, the problem with the declaration or None)."""
    how = "add `evidencebook: {inputs: [...]}` to its front matter, naming what it reads: " + ", ".join(INPUTS)
    yaml_text = front_matter(text)
    loaded = load_yaml_text(yaml_text) if yaml_text is not None else None
    if loaded is None or loaded.problems or not isinstance(loaded.data, dict) or "evidencebook" not in loaded.data:
        return [], "the front matter does not declare the chapter's inputs — " + how
    section = loaded.data.get("evidencebook")
    names = section.get("inputs") if isinstance(section, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return [], "evidencebook.inputs is not a list of input names — " + how
    unknown = [n for n in names if n not in INPUTS]
    if unknown:
        return [], f"evidencebook.inputs: {', '.join(map(repr, unknown))} is not an input — use names from: {', '.join(INPUTS)}"
    return names, None


def input_digests(root: Path) -> dict[str, str]:
    """A digest of each input's files (names and bytes), computed once per build."""
    return {
        name: files_digest(root, sorted({p for pattern in spec.globs for p in root.glob(pattern) if p.is_file()}))
        for name, spec in INPUTS.items()
    }


def chapter_digest(names: list[str], digests: dict[str, str]) -> str:
    """What a chapter's results depend on: its declared inputs and the library's code."""
    h = hashlib.sha256(library_digest().encode())
    for name in sorted(set(names)):
        h.update(f"{name}={digests[name]}\0".encode())
    return h.hexdigest()[:16]


# --- inside a chapter's kernel --------------------------------------------------------------------

_DECLARED: tuple[str, tuple[str, ...]] | None = None  # (chapter, its inputs) once the build said so


def declare_chapter(chapter: str, names: list[str]) -> None:
    """Called by the cell the build puts first in every chapter notebook."""
    global _DECLARED
    _DECLARED = (chapter, tuple(names))


def require(name: str) -> None:
    """Stop a chapter that reads `name` without declaring it. Outside a build (a notebook opened by
    hand, the tests) nothing was declared and everything may be read."""
    if _DECLARED is None or name in _DECLARED[1]:
        return
    chapter, names = _DECLARED
    raise UndeclaredInput(
        f"{chapter}.md reads {INPUTS[name].what}, but its front matter does not declare it, so the chapter "
        f"would not be re-executed when they change — add {name!r} to evidencebook.inputs "
        f"(now {list(names)})"
    )


# Which input each part of the knowledge base comes from.
KB_PARTS = {
    "records": "records",
    "record_files": "records",
    "vocabularies": "records",
    "bibliography": "records",
    "frameworks": "frameworks",
    "glossary": "glossary",
    "checklist": "checklist",
    "reading_list": "reading_list",
}


class DeclaredVocabularies(dict):
    """The vocabularies, where the one built from the frameworks needs `frameworks` declared."""

    def __getitem__(self, name):
        if name == "framework_items":
            require("frameworks")
        return super().__getitem__(name)

    def get(self, name, default=None):
        return self[name] if name in self else default


class DeclaredKnowledgeBase:
    """The knowledge base as a chapter sees it: reading a part it did not declare raises UndeclaredInput."""

    def __init__(self, kb):
        self._kb = kb
        self._vocabularies = DeclaredVocabularies(kb.vocabularies)

    def __getattr__(self, attr):
        if attr in KB_PARTS:
            require(KB_PARTS[attr])
        if attr == "vocabularies":
            return self._vocabularies
        return getattr(self._kb, attr)

    def vocab(self, name: str):
        return self.vocabularies[name]
