"""How to cite a page of the book: one function builds the citation (`page_citation`), and each format
is rendered from it: the Harvard reference (the style UK health policy uses), BibTeX, RIS and CSL-JSON.

Titles come from records, which come from strangers: every format escapes by its own rules. BibTeX
gets its special characters as commands (braces as \\textbraceleft{}, so braces stay balanced, which
BibTeX needs); RIS gets one line per tag (line breaks in a value would start a new tag, or end the
record); JSON is written by the json module; HTML only by the templates (autoescaped).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..records.book import Book, long_date
from .render import case_docname

BIBTEX_TYPE = "application/x-bibtex"
RIS_TYPE = "application/x-research-info-systems"
CSL_TYPE = "application/vnd.citationstyles.csl+json"
# What a citation's files are called under the site root: cite/<docname>.<suffix>, and their types.
CITE_DIR = "cite"
FORMATS = (("bib", "BibTeX", BIBTEX_TYPE), ("ris", "RIS", RIS_TYPE), ("json", "CSL-JSON", CSL_TYPE))


@dataclass(frozen=True)
class Citation:
    key: str  # a citation key: ASCII letters, digits and hyphens
    author: str  # the book's editors, as an organisation
    year: str
    title: str  # the page's title; "" when the page is the book itself
    container: str  # the book's title
    edition: str
    url: str
    accessed: str  # ISO date the files give as the access date; "" when unknown


def one_line(text: str) -> str:
    """Text on one line: every run of white space (line breaks included) as one space."""
    return " ".join(str(text).split())


def page_citation(book: Book, docname: str, title: str, accessed: str = "") -> Citation:
    """The citation of the page `docname` titled `title` (the book itself for its root page "index")."""
    return Citation(
        key="evidencebook-" + re.sub(r"[^A-Za-z0-9]+", "-", docname).strip("-").lower(),
        author=one_line(book.author),
        year=book.year,
        title="" if docname == "index" else one_line(title),
        container=one_line(book.title),
        edition=one_line(book.edition),
        url=book.page_url(docname),
        accessed=accessed,
    )


# --- Harvard -----------------------------------------------------------------------------------------


def harvard_parts(c: Citation) -> tuple[str, str, str]:
    """(the text before the book's title, the title (set in italics), the text after it up to the
    access date), plain text: a page of the book shows the parts, and fills in the date."""
    before = f"{c.author} ({c.year or 'n.d.'}) " + (f"'{c.title}', " if c.title else "")
    edition = f", edition {c.edition}" if c.edition else ""
    return before, c.container, f"{edition}. Available at: {c.url}"


def accessed_text(accessed: str) -> str:
    """The reference's ending: " (Accessed: 3 December 2026)." for an access date written out, "." without one."""
    return f" (Accessed: {accessed})." if accessed else "."


def harvard(c: Citation, accessed: str | None = None) -> str:
    """The reference as plain text; the access date (`accessed`: "3 December 2026") defaults to the citation's own."""
    when = accessed if accessed is not None else (long_date(c.accessed) if c.accessed else "")
    return "".join(harvard_parts(c)) + accessed_text(when)


# --- BibTeX -----------------------------------------------------------------------------------------

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_BIBTEX_PATTERN = re.compile("|".join(re.escape(ch) for ch in _BIBTEX_SPECIAL))


def bibtex_text(text: str) -> str:
    """Text as a BibTeX field's content: one line, special characters as commands, braces balanced."""
    return _BIBTEX_PATTERN.sub(lambda m: _BIBTEX_SPECIAL[m.group()], one_line(text))


def bibtex_url(url: str) -> str:
    """A URL as BibTeX keeps it verbatim (the url field): braces and spaces percent-encoded."""
    return one_line(url).replace(" ", "%20").replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def bibtex(c: Citation) -> str:
    """A @misc entry (BibTeX and biblatex both read it); the title in double braces keeps its capitals,
    the editors in double braces are one organisation, not a list of names."""
    fields = [
        ("author", f"{{{bibtex_text(c.author)}}}"),
        ("title", f"{{{bibtex_text(c.title or c.container)}}}"),
        ("howpublished", bibtex_text(f"{c.container}, edition {c.edition}" if c.title and c.edition else c.container)),
        ("edition", bibtex_text(c.edition)),
        ("year", bibtex_text(c.year)),
        ("url", bibtex_url(c.url)),
        ("urldate", c.accessed),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{c.key},\n{body}\n}}\n"


# --- RIS --------------------------------------------------------------------------------------------


def ris(c: Citation) -> str:
    """An RIS record: `TAG  - value` lines (CRLF, as the format's specification has it), one value per
    line, ending with ER."""
    lines = [
        ("TY", "ELEC"),
        ("AU", c.author),
        ("TI", c.title or c.container),
        ("T2", c.container if c.title else ""),
        ("ET", c.edition),
        ("PY", c.year),
        ("UR", c.url),
        ("Y2", c.accessed.replace("-", "/")),
        ("ID", c.key),
    ]
    text = "".join(f"{tag}  - {one_line(value)}\r\n" for tag, value in lines if one_line(value))
    return text + "ER  - \r\n"


# --- CSL-JSON ---------------------------------------------------------------------------------------


def _date_parts(iso: str) -> dict:
    return {"date-parts": [[int(part) for part in iso.split("-")]]}


def csl_item(c: Citation) -> dict:
    """The citation as one CSL-JSON item (what Zotero, Mendeley and pandoc read)."""
    item: dict = {
        "id": c.key,
        "type": "webpage",
        "title": c.title or c.container,
        "author": [{"literal": c.author}],
        "URL": c.url,
    }
    if c.title:
        item["container-title"] = c.container
    if c.edition:
        item["version"] = c.edition
    if c.year:
        item["issued"] = _date_parts(c.year)
    if c.accessed:
        item["accessed"] = _date_parts(c.accessed)
    return item


def csl_json(c: Citation) -> str:
    """A CSL-JSON file: a list of items (here one)."""
    return json.dumps([csl_item(c)], ensure_ascii=False, indent=1) + "\n"


def citation_files(c: Citation) -> dict[str, str]:
    """Each download's text by its suffix (FORMATS)."""
    return {"bib": bibtex(c), "ris": ris(c), "json": csl_json(c)}


def export_citation(c: Citation) -> dict:
    """The citation as the JSON export carries it on each record."""
    return {"harvard": harvard(c), "bibtex": bibtex(c), "csl": csl_item(c)}


def record_citations(book: Book, accessed: str = ""):
    """What data/case-studies.json carries on each record: its case page's citation (the build's and
    `evidencebook export`'s)."""
    return lambda record: export_citation(page_citation(book, case_docname(record.id), record.title, accessed))
