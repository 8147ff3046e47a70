"""Which pages are chapter notebooks (executed while Sphinx reads them), and the notebook each becomes."""

from __future__ import annotations

from pathlib import Path

from ..publish.render import CASES_DIR

CODE_CELL = "```{code-cell}"
DIGEST_MARK = "# evidencebook inputs digest:"


def is_chapter_notebook(docname: str, text: str) -> bool:
    return not docname.startswith(CASES_DIR + "/") and CODE_CELL in text and "kernelspec" in text


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


def with_inputs_cell(docname: str, text: str, names: list[str], digest: str) -> str:
    """The chapter's text with a first cell that tells its kernel which inputs the chapter declares
    (records/inputs.py) and holds their digest: jupyter-cache keys on a notebook's code, so a chapter is
    executed again exactly when a file it reads changed. First, so the loaders know what the chapter
    declared before any of its code runs."""
    first = text.index(CODE_CELL)
    cell = (
        f"{CODE_CELL} ipython3\n:tags: [remove-cell]\n{DIGEST_MARK} {digest}\n"
        f"from evidencebook.records.inputs import declare_chapter\ndeclare_chapter({docname!r}, {names!r})\n```\n\n"
    )
    return text[:first] + cell + text[first:]
