"""The way around generated pages: a breadcrumb above a case page or an A-Z list page, and a way back
to the catalogue at the end of a case page (templates breadcrumb.html and back_to_catalogue.html).

They are added to a page's HTML as it is written (sphinx/extension.py), not to its MyST source:
Sphinx indexes the words of a page's source, and "Home" on every case page would make a search for
care homes find every case study, "back" and "catalogue" every one too.
"""

from __future__ import annotations

from markupsafe import Markup

from ..records.kb import KnowledgeBase
from .html import render
from .render import CASES_DIR, PageWriter, list_pages
from .text import shown_text


def site_root(docname: str) -> str:
    """The address of the site's root from the page `docname`: "../" from cases/x, "../../" from cases/list/x."""
    return "../" * docname.count("/")


def list_page_titles(kb: KnowledgeBase) -> dict[str, str]:
    """The title of each page of the A-Z list, by docname (computed once per build)."""
    writer = PageWriter(kb)
    return {page.docname: writer.list_title(page, len(kb.records)) for page in list_pages(kb)}


def page_furniture(kb: KnowledgeBase, docname: str, list_titles: dict[str, str]) -> tuple[Markup, Markup]:
    """(HTML above the page's content, HTML below it) for a case page or an A-Z list page; empty
    for any other page."""
    root = site_root(docname)
    if docname in list_titles:
        return render("breadcrumb.html", root=root, title=list_titles[docname]), Markup()
    case_id = docname.removeprefix(f"{CASES_DIR}/")
    if docname.startswith(f"{CASES_DIR}/") and case_id in kb.records:
        title = shown_text(kb.records[case_id].title)
        return render("breadcrumb.html", root=root, title=title), render("back_to_catalogue.html", root=root)
    return Markup(), Markup()
