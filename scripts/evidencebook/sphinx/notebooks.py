"""Which pages are chapter notebooks (executed while Sphinx reads them)."""

from __future__ import annotations

from pathlib import Path

from ..publish.render import CASES_DIR


def is_chapter_notebook(docname: str, text: str) -> bool:
    return not docname.startswith(CASES_DIR + "/") and "```{code-cell}" in text and "kernelspec" in text


def chapter_notebooks(env, docnames) -> list[str]:
    """The chapter notebooks among `docnames`, read from disk (case pages never are one, and are not read)."""
    found = []
    for docname in docnames:
        if docname.startswith(CASES_DIR + "/"):
            continue
        path = Path(env.doc2path(docname))
        if path.suffix == ".md" and path.exists() and is_chapter_notebook(docname, path.read_text(encoding="utf-8")):
            found.append(docname)
    return found
