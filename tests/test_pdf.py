"""The whole-book PDF (make pdf): title page with edition and date, contents, every chapter and case study,
the bibliography, page numbers, links inside the document, and charts as vector drawings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from evidencebook.chapters import SUBPAGE_CHAPTERS
from evidencebook.records.book import read_book
from evidencebook.tools.pdfbook import COMPOSED_FILE, book_parts, build_pdf, read_page

from .conftest import ROOT, made_once

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.slow]


@pytest.fixture(scope="module")
def pdf(built_book: Path, browser, tmp_path_factory) -> PdfReader:
    def make(folder: Path) -> None:
        # The session's browser: a second Playwright session in the same process would fail.
        site_changed = built_book.stat().st_mtime_ns
        build_pdf(ROOT, built_book, folder / "book.pdf", browser=browser)
        # Other tests read the site meanwhile: the composed page is never written into it, even for a while.
        assert not (built_book / COMPOSED_FILE).exists() and built_book.stat().st_mtime_ns == site_changed

    return PdfReader(made_once(tmp_path_factory, "pdf", make) / "book.pdf")  # printed once, whichever worker asks


@pytest.fixture(scope="module")
def texts(pdf) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pdf.pages]


def test_the_title_page_gives_the_book_its_edition_and_date(texts):
    assert texts[0].startswith("Place-based health and care evidence book")
    book = read_book(ROOT)
    assert f"Edition {book.edition}" in texts[0]
    assert re.search(r"Source of \d{1,2} [A-Z][a-z]+ \d{4}, commit [0-9a-f]{7}", texts[0]), texts[0]


def page_text(text: str) -> str:
    """A page's text without the bibliography's labels ([1] [2] …), which the PDF's text comes out with first."""
    return re.sub(r"^(?:\[\d+\] )+", "", text)


def test_every_chapter_and_case_study_is_in_it_in_order(texts, built_book):
    everything = " ".join(texts)
    cases = json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]
    missing = [c["title"] for c in cases if " ".join(c["title"].split()) not in everything]
    assert not missing, f"case studies not in the PDF: {missing[:5]}"
    # Each chapter starts on a page of its own, after the title page and the contents, in the contents' order.
    parts = book_parts(ROOT, built_book)
    split = {p.docname.split("/")[1] for part in parts for p in part.pages if p.docname.count("/") == 2}
    assert set(SUBPAGE_CHAPTERS) <= split, "the pages a chapter is split into are printed with it"
    position = 1
    for part in parts:
        for page in part.pages[:1] if part.appendix else part.pages:
            read_page(page, built_book, set(), "")
            found = next((i for i in range(position + 1, len(texts)) if page_text(texts[i]).startswith(page.title)), None)
            assert found is not None, f"no page after page {position + 1} starts with the title of {page.docname}: {page.title!r}"
            position = found


def test_pages_are_numbered(texts):
    total = len(texts)
    for number in (1, 2, total):
        assert f"{number} / {total}" in texts[number - 1], f"page {number} has no number"


def test_links_inside_the_document_work(pdf):
    internal = 0
    for page in pdf.pages:
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") == "/Link" and ("/Dest" in link or link.get("/A", {}).get("/S") == "/GoTo"):
                internal += 1
    assert internal > 100, f"only {internal} links inside the document"
    assert len(pdf.outline) >= 10, "the PDF has an outline of its chapters"


def test_charts_are_vector_drawings_not_pictures(pdf):
    images = 0
    for page in pdf.pages:
        for item in ((page.get("/Resources") or {}).get("/XObject") or {}).values():
            if item.get_object().get("/Subtype") == "/Image":
                images += 1
    assert images == 0, f"{images} raster images in the PDF: charts should print as SVG"
