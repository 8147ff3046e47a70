"""The whole book as one PDF (`make pdf`): title page, contents, the chapters in the order of _toc.yml with
their charts, the case studies as an appendix, the bibliography, page numbers and working links.

It reads the built site (make book first), so the PDF shows exactly what the site shows: each page's
article is taken from its HTML, its ids prefixed with the page's name so that they stay unique, and
every link to another page of the book pointed at that page inside the document. Debian's Chromium
prints it through Playwright (the browser the tests already use; nothing is downloaded): its print
engine is the one that drew the pages, charts stay vector SVG, and it writes links, an outline and
tagged PDF. `make book` never needs it. pypdf then gives the bookmarks their headings' spaces back
(mend_outline), and `evidencebook pdf --check` reads a printed PDF for every page of the contents.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from markupsafe import Markup

from ..publish.html import render
from ..records.book import PDF_PATH, UNKNOWN, long_date, read_book, source_provenance
from ..records.datasets import CATALOGUE_INDEX_FILE
from ..records.schema import CATALOGUE_PAGE, COMPARE_PAGE
from ..records.yamlsafe import load_yaml_file

PDF_FILE = PDF_PATH  # in the site's root, where CI publishes it and the home page links it
COMPOSED_FILE = "_print-book.html"  # beside links to the site's files (build_pdf), so relative addresses resolve
# Pages that only work on screen (filters in the browser): the appendix and the chapters carry their content.
SCREEN_ONLY = {f"cases/{CATALOGUE_PAGE}", f"cases/{COMPARE_PAGE}"}
BIBLIOGRAPHY = "bibliography"
# What a printed article does not need: page furniture that print.css would hide anyway.
DROP_TAGS = {"script", "button"}  # charts print as the static SVG the build drew (chapters/chartlayout.py)
DROP_CLASSES = {"headerlink", "kb-breadcrumb", "kb-back", "prev-next-area"}
ARTICLE_START = '<article class="bd-article"'  # the theme's article: the page's own content
ID_REFERENCES = ("for", "aria-labelledby", "aria-describedby", "aria-controls")  # attributes naming ids
LOAD_TIMEOUT_MS = 600_000  # a whole book of pages, on a slow machine


@dataclass
class Page:
    docname: str
    title: str = ""
    body: Markup = Markup("")

    @property
    def anchor(self) -> str:
        return "p-" + self.docname.replace("/", "-")


@dataclass
class Part:
    caption: str
    pages: list[Page] = field(default_factory=list)
    appendix: bool = False

    @property
    def anchor(self) -> str:
        return "part-" + "-".join(self.caption.lower().split())


def _entries(items: list, html_root: Path) -> list[str]:
    """Docnames of a _toc.yml list of chapters, with their sections, in order; a `glob` section (the pages
    a chapter is split into) gives the built pages it matches, sorted by name as Sphinx lists them."""
    found = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("file"), str):
            found.append(item["file"].removesuffix(".md").removesuffix(".ipynb"))
        pattern = item.get("glob")
        if isinstance(pattern, str) and not pattern.startswith("/") and ".." not in pattern.split("/"):  # inside the site only
            pattern = pattern.removesuffix(".md")
            found += sorted(page.relative_to(html_root).with_suffix("").as_posix() for page in html_root.glob(pattern + ".html"))
        found += _entries(item.get("sections", []), html_root)
    return found


def book_parts(root: Path, html_root: Path) -> list[Part]:
    """The parts of the printed book: _toc.yml's (screen-only pages left out), the case studies, the bibliography."""
    toc = load_yaml_file(root / "_toc.yml").data or {}
    parts = [Part("Introduction", [Page(str(toc.get("root", "index")))])]
    # A table of contents without parts lists its chapters at the top (jb-book allows both).
    groups = toc.get("parts") or [{"caption": "Chapters", "chapters": toc.get("chapters", [])}]
    for part in groups:
        pages = [Page(d) for d in _entries(part.get("chapters", []), html_root) if d not in SCREEN_ONLY and d != BIBLIOGRAPHY]
        if pages:
            parts.append(Part(str(part.get("caption", "")), pages))
    index = json.loads((html_root / "data" / CATALOGUE_INDEX_FILE).read_text(encoding="utf-8"))
    parts.append(Part("Appendix: the case studies", [Page(f"cases/{r[0]}") for r in index["records"]], appendix=True))
    parts.append(Part("References", [Page(BIBLIOGRAPHY)]))
    return parts


def _target(docname: str, href: str, included: set[str], site_url: str) -> str | None:
    """Where a link of `docname`'s article points in the printed book (None: leave it as it is)."""
    if urlsplit(href).scheme or href.startswith("//"):
        return None
    resolved = urlsplit(urljoin(f"/{docname}.html", href))
    target = resolved.path.lstrip("/").removesuffix(".html")
    if target in included:
        anchor = "p-" + target.replace("/", "-")
        return f"#{anchor}--{resolved.fragment}" if resolved.fragment else f"#{anchor}"
    path = resolved.path.lstrip("/") + (f"?{resolved.query}" if resolved.query else "") + (f"#{resolved.fragment}" if resolved.fragment else "")
    return f"{site_url.rstrip('/')}/{path}" if site_url else path


def _article_source(text: str) -> str:
    """The page's article, cut from its HTML before parsing: the page furniture around it (the whole
    book's navigation, on every page) is half of each page and would double the parsing time."""
    start = text.find(ARTICLE_START)
    end = text.find("</article>", start)
    return text[start : end + len("</article>")] if start >= 0 and end >= 0 else text


def read_page(page: Page, html_root: Path, included: set[str], site_url: str) -> None:
    text = (html_root / f"{page.docname}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(_article_source(text), "html.parser")
    article = soup.find("article", class_="bd-article") or soup.find("main")
    if article is None:
        raise ValueError(f"{page.docname}.html: no article to print")
    # Walks over the article with find_all: a CSS selector (soupsieve) is several times slower.
    for element in article.find_all(True):
        if element.decomposed:  # inside one dropped already
            continue
        classes = element.get("class") or ()
        if element.name in DROP_TAGS or not DROP_CLASSES.isdisjoint(classes):
            element.decompose()
    page.title = " ".join(heading.get_text(" ").split()) if (heading := article.find("h1")) else page.docname
    prefix = page.anchor + "--"
    for element in article.find_all(True):
        if element.name == "details":  # paper cannot be clicked open; charts inside draw only when shown
            element["open"] = ""
        if element.get("id"):
            element["id"] = prefix + element["id"]
        for attribute in ID_REFERENCES:
            if element.get(attribute):
                element[attribute] = " ".join(prefix + ref for ref in str(element[attribute]).split())
        if element.name == "a" and element.has_attr("href"):
            where = _target(page.docname, str(element["href"]), included, site_url)
            if where is not None:
                element["href"] = where
        if element.has_attr("src"):
            element["src"] = urljoin(f"/{page.docname}.html", str(element["src"])).lstrip("/")
    page.body = Markup(article.decode_contents())  # Sphinx's own output, already escaped


def compose(root: Path, html_root: Path) -> str:
    """The printable HTML of the whole book, written beside the site's pages."""
    book, source = read_book(root), source_provenance(root)
    site_url = book.site
    parts = book_parts(root, html_root)
    included = {p.docname for part in parts for p in part.pages}
    for part in parts:
        for page in part.pages:
            read_page(page, html_root, included, site_url)
    home = BeautifulSoup((html_root / "index.html").read_text(encoding="utf-8"), "html.parser")
    stylesheets = [str(link["href"]) for link in home.select('link[rel="stylesheet"]')]
    package = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    licence = (package.get("licenses") or [{}])[0]
    return render(
        "pdf_book.html",
        title=book.title,
        edition_line=f"Edition {book.edition}",
        built=long_date(source.date) if source.date else UNKNOWN,
        commit=source.short,
        site_url=site_url,
        licence=f"Data and text under {licence.get('title', licence.get('name', 'the licence stated on the site'))}",
        stylesheets=stylesheets,
        parts=parts,
    )


def print_pdf(composed: Path, out: Path, chromium: str = "/usr/bin/chromium", browser=None) -> None:
    """Print `composed` with Chromium (in `browser`, a Playwright browser the caller already runs, or in
    one started here)."""
    if browser is not None:
        _print(browser, composed, out)
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        started = p.chromium.launch(executable_path=chromium)
        try:
            _print(started, composed, out)
        finally:
            started.close()


def _print(browser, composed: Path, out: Path) -> None:
    page = browser.new_page(color_scheme="light")
    try:
        page.goto(composed.resolve().as_uri(), wait_until="load", timeout=LOAD_TIMEOUT_MS)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(out), format="A4", print_background=True, display_header_footer=True,
            header_template=render("pdf_header.html"), footer_template=render("pdf_footer.html"),
            margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            outline=True, tagged=True,
        )
    finally:
        page.close()


def heading_texts(composed: str) -> list[str]:
    """Every heading of the composed book, in order, as its text reads (spaces collapsed)."""
    soup = BeautifulSoup(composed, "html.parser")
    return [" ".join(h.get_text().split()) for h in soup.find_all(re.compile(r"^h[1-6]$"))]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _siblings(item):
    """A bookmark (a pypdf reference, or None) and those after it on its level."""
    while item is not None:
        item = item.get_object()
        yield item
        item = item.get("/Next")


def _first_bookmark(pdf):
    outlines = pdf.root_object.get("/Outlines")
    return outlines.get_object().get("/First") if outlines is not None else None


def outline_items(pdf) -> list:
    """The outline's items (pypdf dictionaries), in document order: each item, then its children."""
    found = []

    def walk(item) -> None:
        for bookmark in _siblings(item):
            found.append(bookmark)
            if "/First" in bookmark:
                walk(bookmark["/First"])

    walk(_first_bookmark(pdf))
    return found


def mend_outline(pdf: Path, headings: list[str]) -> int:
    """Give each bookmark its heading's text: Chromium builds a bookmark from the heading's lines as laid
    out, joined without a space ("careevidence book" for a title wrapped after "care"). Each bookmark
    takes the next heading, in document order, that reads the same but for spaces; one with none is left
    as it is. Written as an incremental update, so the pages, links and tags stay byte for byte.
    Returns how many bookmarks changed."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(pdf, incremental=True)
    changed, position = 0, 0
    for item in outline_items(writer):
        title = str(item.get("/Title", ""))
        match = next((i for i in range(position, len(headings)) if _squeezed(headings[i]) == _squeezed(title)), None)
        if match is None:
            continue
        position = match + 1
        if headings[match] != title:
            item[NameObject("/Title")] = TextStringObject(headings[match])
            changed += 1
    if changed:
        mended = pdf.with_name(pdf.name + ".partial")
        with mended.open("wb") as out:
            writer.write(out)
        mended.replace(pdf)
    return changed


def missing_pages(pdf: Path, root: Path, html_root: Path) -> tuple[list[Page], list[str]]:
    """(the pages of the book's contents, and those the printed `pdf` lacks, as "docname: title"): a page is
    there when a bookmark at the outline's top level bears its title (Chromium makes one of each page's
    title; compared without spaces, as a wrapped title's bookmark may have lost one)."""
    from pypdf import PdfReader

    present = {_squeezed(str(bookmark.get("/Title", ""))) for bookmark in _siblings(_first_bookmark(PdfReader(pdf)))}
    pages = [page for part in book_parts(root, html_root) for page in part.pages]
    for page in pages:
        read_page(page, html_root, set(), "")
    return pages, [f"{page.docname}: {page.title}" for page in pages if _squeezed(page.title) not in present]


def build_pdf(root: Path, html_root: Path, out: Path, browser=None) -> Path:
    if not (html_root / "index.html").is_file():
        raise FileNotFoundError(f"{html_root}: no built site: run `make book` first")
    # The composed page is not a page of the site, and others may read the site meanwhile (the tests do):
    # it is written in a folder of its own whose entries link to the site's, so its addresses resolve.
    with tempfile.TemporaryDirectory(prefix="evidencebook-pdf-") as folder:
        stage = Path(folder)
        for entry in html_root.iterdir():
            (stage / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())
        composed = stage / COMPOSED_FILE
        html = compose(root, html_root)
        composed.write_text(html, encoding="utf-8")
        print_pdf(composed, out, browser=browser)
    mend_outline(out, heading_texts(html))
    return out
