"""The generated parts of the frameworks, checklist and data-dictionary chapters, written as MyST when
the build starts (sphinx/extension.py), as the glossary is.

Each chapter's hand-written text stays in chapters/<name>.md, which pulls its part in with an
`{include}` directive: the included MyST's headings become the page's own (so they are in "On this
page") and its links are checked by the strict build. Sphinx re-reads a chapter when its part changes.
The parts live in chapters/_generated/, which _config.yml excludes from the pages.
"""

from __future__ import annotations

from ..publish.datadictionary import dictionary_part
from ..publish.headline import headline_cards_html
from ..publish.render import write_if_changed
from ..publish.text import raw_html_block
from ..records.datasets import load_package
from ..records.kb import KnowledgeBase
from . import GENERATED_DIR
from .checklist_page import checklist_part
from .frameworks_page import frameworks_part

PARTS = ("frameworks", "checklist", "data-dictionary", "home-headlines", "summary-headlines")
# The headline cards link to the comparison view relative to the page that includes them.
HEADLINE_ROOTS = {"home-headlines": "", "summary-headlines": "../"}
# A MyST comment, not the case pages' HTML comment: a part sits inside a chapter, whose HTML must not
# call the hand-written text around it generated.
MARK = "% Generated from data/ and case_studies/ by chapters/generated.py at build time: edit those, not this file."


def part_texts(kb: KnowledgeBase) -> dict[str, str]:
    """Each generated part's MyST, keyed by its chapter's name."""
    texts = {"frameworks": frameworks_part(kb), "data-dictionary": dictionary_part(load_package(kb.root))}
    for name, root in HEADLINE_ROOTS.items():
        texts[name] = raw_html_block(headline_cards_html(kb, root))
    if kb.checklist is not None:
        texts["checklist"] = checklist_part(kb)
    return texts


def generate_chapter_parts(kb: KnowledgeBase) -> list[str]:
    """Write chapters/_generated/<name>.md for each part whose text changed; returns their names."""
    written = []
    for name, text in part_texts(kb).items():
        if write_if_changed(kb.root / GENERATED_DIR / f"{name}.md", f"{MARK}\n\n{text}"):
            written.append(name)
    return written
