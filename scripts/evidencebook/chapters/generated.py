"""The generated parts of the overview, outcomes, frameworks, checklist, data-dictionary and exports chapters,
and the pages of their own those chapters are split into (subpages.py), written as MyST when the build
starts (sphinx/extension.py), as the glossary is.

Each chapter's hand-written text stays in chapters/<name>.md, which pulls its part in with an
`{include}` directive: the included MyST's headings become the page's own (so they are in "On this
page") and its links are checked by the strict build. Sphinx re-reads a chapter when its part changes.
The parts live in chapters/_generated/, which _config.yml excludes from the pages.
"""

from __future__ import annotations

from ..publish.datadictionary import dataset_pages, dictionary_part
from ..publish.exportdictionary import export_pages, exports_part
from ..publish.headline import headline_cards_html
from ..publish.render import write_if_changed
from ..publish.text import raw_html_block
from ..records.datasets import load_package
from ..records.kb import KnowledgeBase
from . import GENERATED_DIR
from .checklist_page import checklist_part
from .frameworks_page import framework_subpages, frameworks_part
from .outcome_pages import outcomes_part, outcomes_subpages, overview_part, overview_subpages
from .subpages import SubPage, write_subpages

PARTS = ("overview", "outcomes", "frameworks", "checklist", "data-dictionary", "exports", "home-headlines", "summary-headlines")
# The headline cards link to the comparison view relative to the page that includes them.
HEADLINE_ROOTS = {"home-headlines": "", "summary-headlines": "../"}
# A MyST comment, not the case pages' HTML comment: a part sits inside a chapter, whose HTML must not
# call the hand-written text around it generated.
MARK = "% Generated from data/ and case_studies/ by chapters/generated.py at build time: edit those, not this file."


def part_texts(kb: KnowledgeBase) -> dict[str, str]:
    """Each generated part's MyST, keyed by its chapter's name."""
    texts = {
        "overview": overview_part(kb),
        "outcomes": outcomes_part(kb),
        "frameworks": frameworks_part(kb),
        "data-dictionary": dictionary_part(load_package(kb.root)),
        "exports": exports_part(kb, load_package(kb.root)),  # included by the exports and data-dictionary chapters
    }
    for name, root in HEADLINE_ROOTS.items():
        texts[name] = raw_html_block(headline_cards_html(kb, root))
    if kb.checklist is not None:
        texts["checklist"] = checklist_part(kb)
    return texts


def subpage_lists(kb: KnowledgeBase) -> dict[str, list[SubPage]]:
    """The pages of each chapter split into pages of its own, keyed by the chapter's name."""
    return {
        "overview": overview_subpages(kb),
        "outcomes": outcomes_subpages(kb),
        "frameworks": framework_subpages(kb),
        "data-dictionary": [SubPage("data-dictionary", name, text) for name, text in dataset_pages(load_package(kb.root)).items()],
        "exports": [SubPage("exports", name, text) for name, text in export_pages(kb, load_package(kb.root)).items()],
    }


def generate_chapter_parts(kb: KnowledgeBase) -> list[str]:
    """Write chapters/_generated/<name>.md for each part whose text changed, and the chapters' own pages
    (chapters/<chapter>/); returns the names of the parts and the docnames of the pages written."""
    written = []
    for name, text in part_texts(kb).items():
        if write_if_changed(kb.root / GENERATED_DIR / f"{name}.md", f"{MARK}\n\n{text}"):
            written.append(name)
    for chapter, pages in subpage_lists(kb).items():
        written += write_subpages(kb, chapter, pages)["changed"]
    return written
