"""What every page says about its edition and how to cite it: the footer (edition, build date,
source commit) and, below a case page or a chapter, "Cite this page" with its downloads and, on a
case page, the links to correct it (templates edition_footer.html and cite_this.html).

Like the breadcrumb (furniture.py), the citation is added to a page's HTML as it is written, not to
its source: "cite", "edition" and "suggest" on every page would make the search find every page.
The downloads are written at the end of the build: cite/<docname>.bib, .ris and .json.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from ..records.book import Book, Provenance, long_date
from .citation import CITE_DIR, FORMATS, Citation, citation_files, harvard_parts
from .contribute import commit_url, edit_record_url, suggest_change_url
from .furniture import site_root
from .html import render


def cite_file(docname: str, suffix: str) -> str:
    """A download's path from the site's root."""
    return f"{CITE_DIR}/{docname}.{suffix}"


def footer_html(book: Book, provenance: Provenance) -> Markup:
    return render(
        "edition_footer.html",
        edition=book.edition,
        date=provenance.date,
        date_text=long_date(provenance.date) if provenance.date else "",
        short=provenance.short,
        commit_url=commit_url(book, provenance.commit) if provenance.commit and book.repository else "",
    )


def page_cite_html(citation: Citation, docname: str, record_file: str | None, book: Book) -> Markup:
    """The "Cite this page" section of the page `docname`; with `record_file` (a case page's record,
    case_studies/<id>.yml) the links to suggest a change and to edit the record too."""
    before, container, middle = harvard_parts(citation)
    root = site_root(docname)
    files = [
        {"href": root + cite_file(docname, suffix), "name": f"{citation.key}.{suffix}", "type": mime, "label": label}
        for suffix, label, mime in FORMATS
    ]
    correct = None
    if record_file and book.repository:
        case_id = Path(record_file).stem
        correct = {"suggest": suggest_change_url(book, case_id), "edit": edit_record_url(book, record_file)}
    return render(
        "cite_this.html",
        before=before,
        container=container,
        middle=middle,
        accessed=long_date(citation.accessed) if citation.accessed else "",
        files=files,
        correct=correct,
    )


def write_citation_files(out_dir: Path, citations: dict[str, Citation]) -> list[str]:
    """Write each page's downloads under out_dir/cite/ (only those that changed) and remove those of
    pages no longer cited; returns the paths removed."""
    wanted = set()
    for docname, citation in citations.items():
        for suffix, text in citation_files(citation).items():
            path = out_dir / cite_file(docname, suffix)
            wanted.add(path)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8", newline="")  # RIS keeps its CRLF
    removed = []
    for path in sorted((out_dir / CITE_DIR).rglob("*")):
        if path.is_file() and path not in wanted:
            path.unlink()
            removed.append(path.relative_to(out_dir).as_posix())
    return removed
