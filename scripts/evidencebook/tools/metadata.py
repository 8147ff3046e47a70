"""The book's citation metadata for the repository: CITATION.cff (GitHub's "Cite this repository",
and Zenodo's) and .zenodo.json (what Zenodo records for each GitHub release, so that each edition
receives a DOI). Both are derived from _config.yml (records/book.py) by `make derive`; the release
date is the one fact they hold themselves: `make release` writes it, derive keeps it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ..records.book import Book, read_book

CITATION_CFF = "CITATION.cff"
ZENODO_JSON = ".zenodo.json"
LICENCE = "CC-BY-4.0"  # the records' and data's licence (the site's footer says so)
KEYWORDS = ["place-based health", "integrated care", "health and social care", "NHS", "England", "case studies"]
CFF_HEADER = """\
# Generated from _config.yml by `make derive` (and `make release`, which sets the date): do not edit.
# GitHub's "Cite this repository" reads it; .zenodo.json says the same for Zenodo.
"""


def release_date(root: Path) -> str:
    """The date of the edition's release, as CITATION.cff records it ("" before the first release)."""
    try:
        data = yaml.safe_load((root / CITATION_CFF).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    value = data.get("date-released") if isinstance(data, dict) else None
    return str(value) if value else ""


def citation_cff(book: Book, released: str) -> str:
    data: dict = {
        "cff-version": "1.2.0",
        "message": "If you use this book or its data, please cite it as below.",
        "type": "dataset",
        "title": book.title,
        "version": book.edition,
        "authors": [{"name": book.author}],
        "license": LICENCE,
        "keywords": KEYWORDS,
    }
    if released:
        data["date-released"] = released
    if book.repository:
        data["repository-code"] = book.repository
    if book.site:
        data["url"] = book.site
    return CFF_HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def zenodo_json(book: Book, released: str) -> str:
    data: dict = {
        "title": book.title,
        "version": book.edition,
        "upload_type": "publication",
        "publication_type": "book",
        "description": (
            f"{book.title}: an open knowledge base of place-based health and care in England, its case "
            "studies, each figure with its source, and the data behind its chapters. Edition "
            f"{book.edition}."
        ),
        "creators": [{"name": book.author}],
        "access_right": "open",
        "license": LICENCE.lower(),
        "keywords": KEYWORDS,
    }
    if released:
        data["publication_date"] = released
    if book.site:
        data["related_identifiers"] = [{"identifier": book.site, "relation": "isIdenticalTo", "resource_type": "publication-book"}]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def metadata_files(root: Path, released: str | None = None) -> dict[Path, str]:
    """CITATION.cff and .zenodo.json as _config.yml says, with `released` (default: the date recorded)."""
    book = read_book(root)
    when = release_date(root) if released is None else released
    return {root / CITATION_CFF: citation_cff(book, when), root / ZENODO_JSON: zenodo_json(book, when)}
