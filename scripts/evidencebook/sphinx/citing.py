"""The edition in every page's footer, "Cite this page" below case pages and chapters, and the
citation downloads (publish/pagecite.py renders them; this connects them to Sphinx).

The footer goes into the theme's own `extra_footer` option (configured, no template override). It
holds the source commit and its date: a Sphinx "html" value, so a new commit rewrites every page
(without re-reading any), and rebuilding the same commit rewrites none.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from ..publish.citation import Citation, page_citation, record_citations
from ..publish.pagecite import footer_html, page_cite_html, write_citation_files
from ..publish.render import CASES_DIR
from ..records.book import Book, Provenance, read_book, source_provenance

logger = logging.getLogger(__name__)


def book_of(app: Sphinx) -> tuple[Book, Provenance]:
    return app.evidencebook_book, app.evidencebook_provenance  # type: ignore[attr-defined]


def on_config_inited(app: Sphinx, config) -> None:
    root = Path(app.srcdir)
    book, provenance = read_book(root), source_provenance(root)
    app.evidencebook_book, app.evidencebook_provenance = book, provenance  # type: ignore[attr-defined]
    options = dict(config.html_theme_options or {})  # a new dict: the default is shared (extension.py)
    options["extra_footer"] = f"{options.get('extra_footer') or ''}{footer_html(book, provenance)}"
    config.html_theme_options = options


def chapter_docs(app: Sphinx) -> set[str]:
    """The pages of the table of contents (_toc.yml): the home page and every page its toctrees include,
    at any depth, so the chapters and their sub-pages, those a `glob` entry lists too (chapters/overview/*
    and the like: the theme's site map leaves glob entries out); also the catalogue and the comparison,
    which are generated views and not cited (cited_page)."""
    includes = app.env.toctree_includes
    found: set[str] = set()
    todo = [app.config.root_doc]
    while todo:
        docname = todo.pop()
        if docname not in found:
            found.add(docname)
            todo += includes.get(docname, [])
    return found


def cited_page(app: Sphinx, docname: str) -> tuple[str, str | None] | None:
    """(the title a citation gives the page, its record's file for a case page), or None when the page
    is not cited (the catalogue, the A-Z list, the comparison, the search page)."""
    kb = app.evidencebook_kb  # type: ignore[attr-defined]
    case_id = docname.removeprefix(f"{CASES_DIR}/")
    if docname.startswith(f"{CASES_DIR}/") and case_id in kb.records:
        return kb.records[case_id].title, kb.record_files[case_id].relative_to(kb.root).as_posix()
    if docname in chapter_docs(app) and not docname.startswith(f"{CASES_DIR}/") and docname in app.env.titles:
        return app.env.titles[docname].astext(), None
    return None


def citation_of(app: Sphinx, docname: str, title: str) -> Citation:
    book, provenance = book_of(app)
    return page_citation(book, docname, title, provenance.date)


def add_cite_section(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if doctree is None:
        return
    cited = cited_page(app, pagename)
    if cited is None:
        return
    title, record_file = cited
    section = page_cite_html(citation_of(app, pagename, title), pagename, record_file, book_of(app)[0])
    context["body"] = f"{context.get('body') or ''}{section}"


def record_citation(app: Sphinx):
    """What data/case-studies.json carries on each record: its page's citation."""
    book, provenance = book_of(app)
    return record_citations(book, provenance.date)


def write_downloads(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    citations = {}
    for docname in sorted(app.env.found_docs):
        cited = cited_page(app, docname)
        if cited is not None:
            citations[docname] = citation_of(app, docname, cited[0])
    removed = write_citation_files(Path(app.outdir), citations)
    if removed:
        logger.info(f"[evidencebook] removed {len(removed)} citation file(s) of pages no longer cited")


def setup_citing(app: Sphinx) -> None:
    app.connect("config-inited", on_config_inited)
    app.connect("html-page-context", add_cite_section, priority=450)  # before the extension reads the page's scripts
    app.connect("build-finished", write_downloads)
