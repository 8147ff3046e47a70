"""The whole-book PDF (make pdf): title page with edition and date, contents, every chapter (with the pages
it is split into) and case study, the bibliography, page numbers, links inside the document, bookmarks,
and charts as vector drawings.

What goes into the PDF is checked on the whole book's composed document; the printing itself, the mended
bookmarks and `evidencebook pdf --check` (which CI runs on the whole book's PDF) on a small book printed by
`evidencebook pdf` as `make pdf` runs it (the whole book prints 640 pages in two minutes,
and Chromium prints every page alike)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from evidencebook.chapters import SUBPAGE_CHAPTERS
from evidencebook.records.book import read_book
from evidencebook.tools.pdfbook import COMPOSED_FILE, book_parts, compose, outline_items, read_page

from .conftest import BIN, ROOT, made_once, make_book, run_build
from .test_build import same_commit_date

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.slow]


@pytest.fixture(scope="module")
def small_book(tmp_path_factory) -> Path:
    """The small test book, built and printed by the command line, once per session."""

    def make(folder: Path) -> None:
        # The title page names the source's commit and date, and with a history case pages link What's new.
        book = make_book(folder / "book", chapters=["whats-new", "survey", "data-dictionary"])  # the survey has charts
        same_commit_date(ROOT, book)
        built = run_build(book)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        printed = subprocess.run(
            [str(BIN / "evidencebook"), "--root", str(book), "pdf", "--out", str(folder / "book.pdf")],
            capture_output=True, text=True,
        )
        assert printed.returncode == 0, printed.stdout[-3000:] + printed.stderr[-3000:]
        assert "Wrote" in printed.stdout

    return made_once(tmp_path_factory, "small-pdf", make)


@pytest.fixture(scope="module")
def pdf(small_book) -> PdfReader:
    return PdfReader(small_book / "book.pdf")


@pytest.fixture(scope="module")
def texts(pdf) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pdf.pages]


def test_the_whole_book_is_composed_with_every_chapter_its_pages_and_every_case_study_in_order(built_book):
    site_changed = built_book.stat().st_mtime_ns
    composed = compose(ROOT, built_book)
    # Other tests read the site meanwhile: the composed page is never written into it.
    assert not (built_book / COMPOSED_FILE).exists() and built_book.stat().st_mtime_ns == site_changed
    parts = book_parts(ROOT, built_book)
    split = {p.docname.split("/")[1] for part in parts for p in part.pages if p.docname.count("/") == 2}
    assert set(SUBPAGE_CHAPTERS) <= split, "the pages a chapter is split into are printed with it"
    cases = json.loads((built_book / "data" / "case-studies.json").read_text())["case_studies"]
    appendix = [p.docname for part in parts if part.appendix for p in part.pages]
    assert sorted(appendix) == sorted(f"cases/{c['id']}" for c in cases)
    positions = [composed.find(f'<section class="kb-pdf-page" id="{page.anchor}">') for part in parts for page in part.pages]
    assert -1 not in positions and positions == sorted(positions), "every page once, in the contents' order"
    # The page furniture that means nothing on paper is left out of the printed pages.
    assert "Back to the catalogue" not in composed and 'class="kb-breadcrumb' not in composed


def test_the_title_page_gives_the_book_its_edition_and_date(texts):
    assert texts[0].startswith("Place-based health and care evidence book")
    book = read_book(ROOT)
    assert f"Edition {book.edition}" in texts[0]
    assert re.search(r"Source of \d{1,2} [A-Z][a-z]+ \d{4}, commit [0-9a-f]{7}", texts[0]), texts[0]


def page_text(text: str) -> str:
    """A page's text without the bibliography's labels ([1] [2] …), which the PDF's text comes out with first."""
    return re.sub(r"^(?:\[\d+\] )+", "", text)


def test_every_page_starts_a_page_of_its_own_in_the_contents_order(texts, small_book):
    html = small_book / "book" / "_build" / "html"
    position = 1
    for part in book_parts(small_book / "book", html):
        for page in part.pages:
            read_page(page, html, set(), "")
            # compared without spaces: a title wrapped at a hyphen comes out of the PDF as "case- studies"
            title = re.sub(r"\s", "", page.title)
            found = next((i for i in range(position + 1, len(texts)) if re.sub(r"\s", "", page_text(texts[i])).startswith(title)), None)
            assert found is not None, f"no page after page {position + 1} starts with the title of {page.docname}: {page.title!r}"
            position = found


def test_pages_are_numbered(texts):
    total = len(texts)
    for number in (1, 2, total):
        assert f"{number} / {total}" in texts[number - 1], f"page {number} has no number"


def test_links_inside_the_document_work(pdf, small_book):
    internal = 0
    for page in pdf.pages:
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") == "/Link" and ("/Dest" in link or link.get("/A", {}).get("/S") == "/GoTo"):
                internal += 1
    pages = sum(len(part.pages) for part in book_parts(small_book / "book", small_book / "book" / "_build" / "html"))
    assert internal > pages, f"only {internal} links inside the document, for {pages} pages in its contents"
    assert len(pdf.outline) >= 5, "the PDF has an outline of its chapters"


def outline_titles(items) -> list[str]:
    return [title for item in items for title in (outline_titles(item) if isinstance(item, list) else [item.title])]


def test_each_bookmark_names_its_heading_once(pdf):
    titles = outline_titles(pdf.outline)
    assert "Contents" in titles
    doubled = [title for title in titles if re.match(r"^(.{4,})\1", title)]
    assert doubled == [], f"bookmarks that repeat their heading: {doubled[:5]}"


def test_charts_are_vector_drawings_not_pictures(pdf, small_book):
    html = small_book / "book" / "_build" / "html"
    pages = [p.docname for part in book_parts(small_book / "book", html) for p in part.pages]
    assert any('class="kb-chart' in (html / f"{name}.html").read_text(encoding="utf-8") for name in pages), "a printed page has a chart"
    images = 0
    for page in pdf.pages:
        for item in ((page.get("/Resources") or {}).get("/XObject") or {}).values():
            if item.get_object().get("/Subtype") == "/Image":
                images += 1
    assert images == 0, f"{images} raster images in the PDF: charts should print as SVG"


def test_bookmarks_read_as_the_headings_they_stand_for(pdf, small_book):
    """Chromium joins a wrapped heading's lines without a space ("careevidence book"); make pdf gives each
    bookmark its heading's text back."""
    html = small_book / "book" / "_build" / "html"
    top = [item.title for item in pdf.outline if not isinstance(item, list)]
    for part in book_parts(small_book / "book", html):
        for page in part.pages:
            read_page(page, html, set(), "")
            assert page.title in top, f"no bookmark reads {page.title!r} ({page.docname}); the bookmarks: {top}"


def check(book: Path, pdf: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "evidencebook"), "--root", str(book), "pdf", "--check", str(pdf)], capture_output=True, text=True)


def test_the_check_finds_every_chapter_and_case_study_and_names_what_is_missing(small_book, tmp_path):
    book = small_book / "book"
    html = book / "_build" / "html"
    passed = check(book, small_book / "book.pdf")
    assert passed.returncode == 0, passed.stderr
    pages = [page for part in book_parts(book, html) for page in part.pages]
    cases = [page for page in pages if page.docname.startswith("cases/")]
    assert cases and f"{len(pages) - len(cases)} chapter pages and {len(cases)} case stud" in passed.stdout
    # A PDF whose case study and glossary lost their bookmarks (as if their pages had not been printed).
    for page in pages:
        read_page(page, html, set(), "")
    gone = {cases[0].title, next(p.title for p in pages if p.docname == "chapters/glossary")}
    writer = PdfWriter(small_book / "book.pdf", incremental=True)
    for item in outline_items(writer):
        if str(item["/Title"]) in gone:
            item[NameObject("/Title")] = TextStringObject("Something else")
    damaged = tmp_path / "damaged.pdf"
    with damaged.open("wb") as out:
        writer.write(out)
    failed = check(book, damaged)
    assert failed.returncode == 1
    assert f"lacks 2 of the {len(pages)} pages" in failed.stderr
    assert f"  {cases[0].docname}: {cases[0].title}\n" in failed.stderr
    assert "  chapters/glossary: Glossary\n" in failed.stderr
