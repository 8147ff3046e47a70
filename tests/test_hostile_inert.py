"""Hostile values in the book's data files (vocabularies, frameworks, glossary, checklist, reading list,
survey CSV files, references.bib, a record's title), described by tests/hostile_data/inert/manifest.yml.

Every case is valid data, so the book builds; one build of the whole book with all of them applied
(conftest's `unusual_site`, shared with test_new_terms.py) checks that each is published inert: shown as text, never run, never a live javascript: link, never
a file of the build machine, never a spreadsheet formula in a published CSV.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest

from .chartfiles import chart_downloads
from .conftest import ROOT
from .test_hostile import live_scheme, scan
from .unusual_book import CASES, EDITED_FILES

PASSWD = b"root:x:0:0"  # the first line of /etc/passwd: an {include} or {download} of it would publish it


def formula_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run: starting with = + @ tab or CR, or - not followed by a digit."""
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""))
        for cell in row
        if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not cell[1:2].isdigit())
    ]


def test_the_manifest_holds_at_least_fifteen_cases_each_published_inert():
    assert len(CASES) >= 15
    for name, case in CASES.items():
        assert case["outcome"] == "published inert", name
        assert (ROOT / case["file"]).is_file(), f"{name}: no {case['file']}"
        assert case["replace"] in (ROOT / case["file"]).read_text(encoding="utf-8"), name


@pytest.mark.build
def test_hostile_data_is_published_inert(unusual_site):
    html = unusual_site
    files = [p for p in html.rglob("*") if p.is_file()]
    assert [p for p in files if PASSWD in p.read_bytes()] == [], "a file of the build machine was published"

    # Every CSV file the site publishes, and every chart's "Download the data (CSV)".
    published = sorted(html.rglob("*.csv"))
    assert published
    for path in published:
        assert formula_cells(path.read_text(encoding="utf-8")) == [], path.relative_to(html)
    for source in sorted((ROOT / "data").rglob("*.csv")):
        relative = source.relative_to(ROOT / "data").as_posix()
        if f"data/{relative}" not in EDITED_FILES:  # untouched files are published byte for byte (negative numbers stay)
            assert (html / "data" / relative).read_bytes() == source.read_bytes(), relative
    chart_csvs = [text for page in html.rglob("*.html") for text in chart_downloads(page).values()]
    assert chart_csvs
    assert [cells for text in chart_csvs if (cells := formula_cells(text))] == []

    pages = sorted(html.rglob("*.html"))
    for page in pages:
        found = scan(page)
        where = page.relative_to(html).as_posix()
        assert [u for u in found.urls if live_scheme(unquote(u))] == [], f"{where}: a javascript:, data: or file: link"
        assert [h for h in found.handlers if "__pwned" in h[2] or "alert(" in h[2]] == [], f"{where}: a handler from the data"
        assert [s for s in found.scripts if "__pwned" in s[1] or "alert(" in s[1]] == [], f"{where}: a script from the data"

    for name, case in CASES.items():
        for path in case.get("shown_on", []):
            assert case["marker"] in scan(html / path).visible_text(), f"{name}: not shown as text on {path}"
        for relative in case.get("csv", []):
            text = (html / "data" / relative).read_text(encoding="utf-8")
            value = case["with"].strip('"').replace('""', '"')
            assert "'" + value in [cell for row in csv.reader(io.StringIO(text)) for cell in row], f"{name}: {relative}"
        if case.get("chart_csv"):
            assert any("'" + case["chart_csv"] in text for text in chart_csvs), f"{name}: in no chart's CSV, neutralised"


@pytest.mark.build
@pytest.mark.browser
def test_no_hostile_data_runs_in_a_browser(unusual_site, browser):
    from .browser import Page, serve

    paths = sorted({p for case in CASES.values() for p in case.get("shown_on", [])} | {"cases/index.html", "cases/outcomes.html", "cases/outcomes/hospital-use.html", "chapters/glossary.html", "chapters/reading-list.html"})
    with serve(unusual_site) as site:
        for path in paths:
            context = browser.new_context()
            try:
                page = Page(context.new_page())
                dialogs: list[str] = []
                page.page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
                page.page.goto(f"{site}/{path}")
                page.page.wait_for_load_state("networkidle")
                page.page.mouse.move(10, 10)
                assert dialogs == [], f"{path}: a dialog opened: {dialogs}"
                assert page.page.evaluate("typeof window.__pwned") == "undefined", f"{path}: a script from the data ran"
                assert page.external == [], f"{path} asked for {page.external}"
            finally:
                context.close()
