"""Chapters split into pages: a chapter whose listing would make one very long page keeps a short summary
and lists the rest on pages of its own, one per theme, outcome domain, framework or dataset.

The pages are MyST, generated when the build starts (sphinx/extension.py) into a folder named after
the chapter, chapters/<chapter>/<name>.md; _toc.yml lists that folder's pages under the chapter with
a glob, so a new theme or dataset gets its page, in the navigation, without editing the contents. A
group with more rows than fit one page (rows_per_page) continues on numbered pages, `<name>-page-2`
and so on, up to max_pages; the rest is counted on the last page, which links to where all of it is.
The folders hold only generated pages: a page no longer generated is removed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from ..publish.render import write_if_changed
from ..records.kb import KnowledgeBase
from ..records.schema import ID_PATTERN
from . import SUBPAGE_CHAPTERS

# A MyST comment, so the page's HTML does not say it.
MARK = "% Generated from data/ and case_studies/ by chapters/subpages.py at build time: edit those, not this file."
# Pages sit one folder below the chapters: their links to other parts of the site go up two levels.
SITE_ROOT = "../../"
CASES_URL = f"{SITE_ROOT}cases/"
DATA_URL = f"{SITE_ROOT}data/"


@dataclass(frozen=True)
class SubPage:
    chapter: str  # the chapter's name: chapters/<chapter>.md, its pages in chapters/<chapter>/
    name: str  # the page's file name without .md
    text: str  # its MyST, front matter excluded

    @property
    def docname(self) -> str:
        return f"chapters/{self.chapter}/{self.name}"


def page_name(term_id: str, position: int, prefix: str) -> str:
    """A group's page name: its id when it is a plain slug, else `prefix-position` (never a path)."""
    return term_id if re.fullmatch(ID_PATTERN, term_id) else f"{prefix}-{position}"


def continued_name(name: str, number: int) -> str:
    """The name of a group's `number`th page (the first page keeps the group's own name)."""
    return name if number == 1 else f"{name}-page-{number}"


@dataclass(frozen=True)
class Chunk:
    rows: pd.DataFrame  # this page's rows
    number: int  # 1 for the group's first page
    pages: int  # how many pages the group has
    more: int  # rows left out after the last page (0 unless the group passed max_pages pages)


def chunks(rows: pd.DataFrame, rows_per_page: int, max_pages: int) -> list[Chunk]:
    """A group's rows in pages of at most `rows_per_page`, at most `max_pages` of them; the rows beyond
    are counted in the last page's `more`. A group without rows still has one (empty) page."""
    if rows_per_page < 1 or max_pages < 1:
        raise ValueError("rows_per_page and max_pages must be at least 1")
    pages = max(1, min(max_pages, math.ceil(len(rows) / rows_per_page)))
    shown = rows.iloc[: pages * rows_per_page]
    more = len(rows) - len(shown)
    return [
        Chunk(shown.iloc[i * rows_per_page : (i + 1) * rows_per_page], i + 1, pages, more if i + 1 == pages else 0)
        for i in range(pages)
    ]


def page_title(title: str, chunk: Chunk) -> str:
    return title if chunk.pages == 1 else f"{title} (page {chunk.number} of {chunk.pages})"


def page_steps(name: str, chunk: Chunk) -> str:
    """'Previous page · Next page' links between the pages of one group (MyST), or nothing."""
    steps = []
    if chunk.number > 1:
        steps.append(f"[Previous page]({continued_name(name, chunk.number - 1)}.md)")
    if chunk.number < chunk.pages:
        steps.append(f"[Next page]({continued_name(name, chunk.number + 1)}.md)")
    return " · ".join(steps)


def page_source(page: SubPage) -> str:
    """The file's whole text. `orphan`: a small test book lists the chapter but not its pages."""
    return f"---\norphan: true\n---\n{MARK}\n\n{page.text.rstrip()}\n"


def write_subpages(kb: KnowledgeBase, chapter: str, pages: list[SubPage]) -> dict[str, list[str]]:
    """Write chapters/<chapter>/<name>.md for each page that changed and remove the folder's pages that
    are no longer generated; returns the docnames changed and removed. A book without the chapter (a
    small test book) gets none of its pages: they link back to it."""
    if chapter not in SUBPAGE_CHAPTERS:
        raise ValueError(f"{chapter!r} is not a chapter with pages of its own (SUBPAGE_CHAPTERS)")
    names = [p.name for p in pages]
    if len(names) != len(set(names)) or any(p.chapter != chapter for p in pages):
        raise ValueError(f"pages of {chapter} with the same name or of another chapter: {names}")
    folder = kb.root / "chapters" / chapter
    if not (kb.root / "chapters" / f"{chapter}.md").exists():
        pages, names = [], []
    changed = [p.docname for p in pages if write_if_changed(folder / f"{p.name}.md", page_source(p))]
    removed = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        if path.stem not in names:
            path.unlink()
            removed.append(f"chapters/{chapter}/{path.stem}")
    return {"changed": changed, "removed": removed}
